"""Columns of a table: which are numeric and which categorical, their values, category codes.

A *table* is a 2-D numpy array or a pandas DataFrame (duck-typed: pandas is never imported).
A float, integer or bool numpy array is all numeric; in an object array (and in an
``object``-dtype DataFrame column) a column is categorical when some non-missing value is not a
real number (a ``str``, a bool, any other object); a DataFrame column with a numeric dtype is
numeric and any other dtype (``bool``, ``category``, ``string``) is categorical. A value is
*missing* when it is None, NaN or pandas' ``NA`` / ``NaT``.

- :func:`as_table` checks the input and keeps it as it is (no copy for numeric arrays);
- :func:`categorical_mask` turns the ``categorical`` parameter of the table encoders into a
  boolean mask; :class:`ColumnSelection` is its rule for :mod:`hdc._parameters`;
- :func:`read_columns` reads a table column by column: float64 arrays (NaN: missing) for
  numeric columns, object arrays (None: missing) for the others;
- :class:`TableColumns` is a fitted layout: the kinds of the columns and the vocabulary of
  every categorical column. :meth:`TableColumns.numeric` gives the numeric block,
  :meth:`TableColumns.codes` the category codes (``-1`` for a missing value or a category
  not in the vocabulary).

Vocabularies are sorted (strings, then numbers, then other values), so that a vocabulary built
from the union of the values of several partitions equals the one built from all the rows.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils.validation import check_array

from hdc._parameters import Constraint
from hdc._validation import with_argument_name

__all__ = [
    "ColumnSelection",
    "TableColumns",
    "as_table",
    "categorical_mask",
    "category_key",
    "is_dataframe",
    "is_missing",
    "read_columns",
    "vocabulary",
]


def is_missing(value: Any) -> bool:
    """True for None, NaN (Python or numpy floats) and pandas' ``NA`` / ``NaT``.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing("a"), is_missing(0.0)
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(value != value)
    return type(value).__name__ in ("NAType", "NaTType")


def _is_number(value: Any) -> bool:
    """A real number that is not a bool (bools are categories)."""
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(
        value, (bool, np.bool_)
    )


def is_dataframe(X: Any) -> bool:
    """True for a pandas DataFrame (or anything with its ``columns`` / ``dtypes`` / ``iloc``)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def as_table(X: Any) -> Any:
    """Check that ``X`` is a table: a DataFrame (kept as it is) or a 2-D array.

    Lists become arrays; a numeric array stays numeric (float64 unless it is already a float
    array), anything else becomes an object array. Raises what scikit-learn's ``check_array``
    raises for sparse, complex, empty or 1-D input.
    """
    if is_dataframe(X):
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
        return X
    if isinstance(X, (list, tuple)) and np.asarray(X).dtype.kind in "US":
        X = np.asarray(X, dtype=object)  # mixed rows: keep numbers as numbers
    try:
        X = check_array(X, dtype=None, ensure_all_finite=False, accept_sparse=False)
    except (TypeError, ValueError) as exc:  # scikit-learn's messages do not say which argument
        raise with_argument_name(exc, "X") from exc
    if X.dtype.kind in "biu":
        return X.astype(np.float64)
    if X.dtype.kind == "f" or X.dtype == object:
        return X
    if X.dtype.kind in "US":  # strings: categorical columns
        return X.astype(object)
    raise ValueError(f"X must hold numbers or categories, got dtype {X.dtype}")


class ColumnSelection(Constraint):
    """``"auto"``, a boolean mask, or a list of column indices or names (the ``categorical``
    parameter of the table encoders)."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str):
            return value == "auto"
        if isinstance(value, (list, tuple, np.ndarray)):
            return all(isinstance(v, (numbers.Integral, str, np.bool_)) for v in np.ravel(
                np.asarray(value, dtype=object)))
        return False

    def same_type(self, value: Any) -> bool:
        return isinstance(value, (str, list, tuple, np.ndarray))

    def describe(self) -> str:
        return "'auto', a boolean mask or a list of column indices or names"


def categorical_mask(X: Any, categorical: Any) -> np.ndarray | None:
    """Boolean mask of the columns that ``categorical`` names, or None for ``"auto"``.

    ``categorical`` is a boolean mask with one entry per column, or column indices (negative
    ones count from the end), or (for a DataFrame) column names.
    """
    if isinstance(categorical, str):
        return None
    n_columns = X.shape[1]
    values = np.asarray(categorical, dtype=object).ravel()
    if values.size and all(isinstance(v, (bool, np.bool_)) for v in values):
        if values.size != n_columns:
            raise ValueError(
                f"categorical as a boolean mask must have {n_columns} entries (one per column), "
                f"got {values.size}"
            )
        return values.astype(bool)
    mask = np.zeros(n_columns, dtype=bool)
    names = [str(c) for c in X.columns] if is_dataframe(X) else None
    for c in values.tolist():
        if isinstance(c, str):
            if names is None or c not in names:
                raise ValueError(
                    f"categorical names column {c!r}, which X does not have"
                    + (f"; its columns are {names}" if names is not None else
                       " (column names need a DataFrame; give indices for an array)")
                )
            c = names.index(c)
        if not isinstance(c, numbers.Integral) or not -n_columns <= c < n_columns:
            raise ValueError(
                f"categorical names column {c!r}; X has columns 0..{n_columns - 1}"
            )
        mask[c] = True
    return mask


def _dataframe_kind(dtype: Any) -> str:
    """``"numeric"`` for a numeric dtype, ``"infer"`` for ``object``, else ``"categorical"``."""
    kind = getattr(dtype, "kind", "O")
    if kind in "iuf" and type(dtype).__name__ != "CategoricalDtype":
        return "numeric"
    return "infer" if kind == "O" and str(dtype) == "object" else "categorical"


def _object_column(values: np.ndarray) -> np.ndarray:
    """Object array with None for every missing value."""
    out = np.empty(len(values), dtype=object)
    out[:] = [None if is_missing(v) else v for v in values.tolist()]
    return out


def _to_float(values: Any, column: int) -> np.ndarray:
    """A numeric column as float64, NaN for missing values; +-inf is an error."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        out = values.astype(np.float64, copy=False)
    else:
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values.tolist() if hasattr(values, "tolist") else values):
            if is_missing(v):
                out[i] = np.nan
            elif _is_number(v):
                out[i] = float(v)
            else:
                raise ValueError(
                    f"column {column} of X is numeric but holds {v!r} (row {i}); name it in "
                    "categorical= if it is categorical"
                )
    if np.isinf(out).any():
        raise ValueError(
            f"column {column} of X holds infinity; a missing value is NaN or None"
        )
    return out


def read_columns(X: Any, kinds: np.ndarray | None = None) -> list[tuple[str, np.ndarray]]:
    """The columns of table ``X``, each as ``(kind, values)``.

    ``kind`` is ``"numeric"`` (values: float64, NaN for missing) or ``"categorical"`` (values:
    object, None for missing); with ``kinds`` None, a column whose kind depends on its values
    (an object column) is ``"infer"`` with object values. ``kinds`` (a boolean mask, True for
    categorical) fixes every column's kind.
    """
    n_columns = X.shape[1]
    if is_dataframe(X):
        declared = [_dataframe_kind(d) for d in X.dtypes]
        raw = [X.iloc[:, j] for j in range(n_columns)]

        def column(j: int, kind: str) -> np.ndarray:
            if kind == "numeric" and declared[j] == "numeric":
                return _to_float(raw[j].to_numpy(dtype=np.float64, na_value=np.nan), j)
            return raw[j].to_numpy(dtype=object)
    else:
        X = np.asarray(X)
        declared = ["numeric" if X.dtype != object else "infer"] * n_columns

        def column(j: int, kind: str) -> np.ndarray:
            return X[:, j]

    out = []
    for j in range(n_columns):
        kind = declared[j] if kinds is None else ("categorical" if kinds[j] else "numeric")
        values = column(j, kind)
        if kind == "numeric":
            out.append((kind, _to_float(values, j)))
        else:
            out.append((kind, _object_column(values)))
    return out


def category_key(value: Any) -> Any:
    """The value a category is known by: itself, or ``("unhashable", repr)`` for a value that
    cannot be hashed (a list, a dict)."""
    try:
        hash(value)
    except TypeError:
        return ("unhashable", repr(value))
    return value


def _sort_key(value: Any) -> tuple:
    if isinstance(value, str):
        return (0, value)
    if _is_number(value):
        return (1, float(value), "")
    return (2, type(value).__name__, repr(value))


def vocabulary(values: Iterable[Any]) -> dict[Any, int]:
    """Category -> code (0, 1, ...) of the distinct non-missing ``values``, in sorted order
    (whatever the order of the values, so that the union of partitions gives the same codes).

    Examples
    --------
    >>> vocabulary(["b", None, "a", 2, "b"])
    {'a': 0, 'b': 1, 2: 2}
    """
    present = {category_key(v) for v in values if not is_missing(v)}
    return {v: i for i, v in enumerate(sorted(present, key=_sort_key))}


@dataclass(frozen=True)
class TableColumns:
    """The fitted layout of a table: column kinds and the categorical vocabularies.

    Attributes
    ----------
    categorical : numpy.ndarray of bool, shape ``(n_columns,)``
    vocabularies : list of dict
        One per categorical column, in column order: category -> code.
    """

    categorical: np.ndarray
    vocabularies: list[dict]

    @property
    def n_columns(self) -> int:
        return int(self.categorical.size)

    @property
    def numeric_index(self) -> np.ndarray:
        return np.flatnonzero(~self.categorical)

    @property
    def categorical_index(self) -> np.ndarray:
        return np.flatnonzero(self.categorical)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of categories of every categorical column."""
        return np.array([len(v) for v in self.vocabularies], dtype=np.int64)

    def check_width(self, X: Any) -> None:
        if X.shape[1] != self.n_columns:
            raise ValueError(
                f"X has {X.shape[1]} columns, but the encoder was fitted on {self.n_columns}"
            )

    def split(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(numeric, codes)``: the numeric columns as float64 ``(n, n_numeric)`` (NaN:
        missing) and the category codes int64 ``(n, n_categorical)`` (-1: missing or
        unseen)."""
        self.check_width(X)
        n = X.shape[0]
        if not self.categorical.any() and not is_dataframe(X) and X.dtype.kind in "biuf":
            numeric = np.asarray(X, dtype=np.float64)
            if np.isinf(numeric).any():
                raise ValueError("X holds infinity; a missing value is NaN or None")
            return numeric, np.zeros((n, 0), dtype=np.int64)
        columns = read_columns(X, self.categorical)
        numeric = np.empty((n, self.numeric_index.size), dtype=np.float64)
        for k, j in enumerate(self.numeric_index):
            numeric[:, k] = columns[j][1]
        codes = np.empty((n, self.categorical_index.size), dtype=np.int64)
        for k, (j, vocab) in enumerate(zip(self.categorical_index, self.vocabularies,
                                           strict=True)):
            get = vocab.get
            codes[:, k] = [-1 if v is None else get(category_key(v), -1)
                           for v in columns[j][1].tolist()]
        return numeric, codes
