"""Tabular data and cross-validated comparisons: the machinery of ``bench_tabular`` and
``hdkit compare --data FILE``.

- :class:`Table`: a feature matrix with named columns of two kinds. Numeric columns hold
  float64 values with NaN for missing ones; categorical columns hold ``str`` values with
  ``None`` for missing ones. ``X`` is float64 when every column is numeric, else an object
  array (numeric columns then hold Python floats). No pandas needed.
- :func:`read_csv` (and :func:`read_table`, which also reads Parquet through pyarrow): a header
  row, missing values as empty fields (or any of ``missing_values``), column kinds inferred (a
  column is numeric when every non-missing value parses as a float) or given.
- :func:`load_suite_dataset`: the tabular development suite (:data:`SUITE`): the four CSVs of
  ``shared/data/tabular/uci-dev``, scikit-learn's iris, wine, breast_cancer and digits, and UCI
  letter.
- :data:`MODELS` / :func:`build_model`: hdkit's classifiers with their defaults
  (``HDClassifier`` takes the table as it is; the baselines, which need numbers, get median
  imputation and one-hot columns) and the scikit-learn peers with the preprocessing a
  scikit-learn user would give them, built with a ``ColumnTransformer`` from the table's
  column kinds.
- :func:`stratified_folds`, :func:`cross_validate`, :func:`run_benchmark`: every model on the
  same stratified folds, per fold accuracy, balanced accuracy, fit and predict seconds and the
  size of the pickled model; :func:`summarize` and :func:`format_summary` turn them into mean
  accuracy, mean rank and total fit time; :func:`plot_results` draws them (matplotlib).

Examples
--------
>>> from hdkit.tabular import build_model, cross_validate, load_suite_dataset
>>> table = load_suite_dataset("iris")
>>> scores = cross_validate("lr", table)            # doctest: +SKIP
>>> round(sum(s.accuracy for s in scores) / len(scores), 2)  # doctest: +SKIP
0.95
"""

from __future__ import annotations

import csv
import io
import math
import os
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MISSING_VALUES",
    "MODELS",
    "PEERS",
    "SUITE",
    "FoldScore",
    "ModelSpec",
    "Table",
    "build_model",
    "check_classes",
    "cross_validate",
    "format_summary",
    "infer_categorical",
    "limited_threads",
    "load_suite",
    "load_suite_dataset",
    "plot_results",
    "preprocessor",
    "read_csv",
    "read_features",
    "read_table",
    "register_model",
    "run_benchmark",
    "stratified_folds",
    "summarize",
    "table_from_arrays",
]

#: the development suite for tabular defaults, in the order of the benchmark's table
SUITE = (
    "iris", "wine", "breast_cancer", "spam", "musk", "promotergene", "income", "digits", "letter",
)
_UCI_DEV = ("spam", "musk", "promotergene", "income")
_SKLEARN_SETS = ("iris", "wine", "breast_cancer", "digits")

#: field values read as missing (after stripping surrounding whitespace), as pandas reads CSVs
MISSING_VALUES = frozenset(
    ("", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "#N/A", "<NA>")
)


# ------------------------------------------------------------------------------------ tables
@dataclass(frozen=True)
class Table:
    """A labelled feature matrix whose columns are numeric or categorical.

    Attributes
    ----------
    name : str
    X : numpy.ndarray, shape ``(n_rows, n_columns)``
        float64 when every column is numeric (NaN: missing), else ``object``: numeric columns
        hold floats (NaN: missing), categorical columns ``str`` (None: missing).
    y : numpy.ndarray, shape ``(n_rows,)``
    columns : tuple of str
    categorical : numpy.ndarray of bool, shape ``(n_columns,)``
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    columns: tuple[str, ...]
    categorical: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_columns(self) -> int:
        return int(self.X.shape[1])

    @property
    def numeric_index(self) -> np.ndarray:
        """Positions of the numeric columns."""
        return np.flatnonzero(~self.categorical)

    @property
    def categorical_index(self) -> np.ndarray:
        """Positions of the categorical columns."""
        return np.flatnonzero(self.categorical)

    @property
    def n_classes(self) -> int:
        return int(np.unique(self.y).size)

    def missing_share(self) -> float:
        """Share of missing cells (NaN or None)."""
        if self.X.size == 0:
            return 0.0
        return float(_missing_mask(self.X).mean())

    def describe(self) -> str:
        """One line: rows, numeric / categorical columns, classes, missing share."""
        return (
            f"{self.name}: {self.n_rows} rows, {self.numeric_index.size} numeric + "
            f"{self.categorical_index.size} categorical columns, {self.n_classes} classes, "
            f"{100 * self.missing_share():.1f}% missing"
        )


def _missing_mask(X: np.ndarray) -> np.ndarray:
    """True where a cell of ``X`` (float or object) is missing: NaN, None or pandas' NA."""
    if X.dtype != object:
        return np.isnan(X)
    out = np.zeros(X.shape, dtype=bool)
    for index, value in np.ndenumerate(X):
        out[index] = _is_missing(value)
    return out


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    # pandas.NA and numpy NaN scalars, duck-typed (pandas stays optional)
    return type(value).__name__ in ("NAType", "NaTType") or (
        isinstance(value, np.floating) and bool(np.isnan(value))
    )


def _parse_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def infer_categorical(values: Sequence[Any]) -> bool:
    """True when a column is categorical: some non-missing value is not a number.

    ``values`` are the column's cells: strings as read from a file (missing ones already
    ``None``) or Python / numpy scalars. A column is numeric when every non-missing value is a
    real number or a string that parses as a float (``"3"``, ``"-1.5e3"``, ``"inf"``).

    Examples
    --------
    >>> infer_categorical(["1", "2.5", None]), infer_categorical(["1", "a"])
    (False, True)
    """
    for value in values:
        if value is None or _is_missing(value):
            continue
        if isinstance(value, (bool, np.bool_)):
            return True
        if isinstance(value, (int, float, np.integer, np.floating)):
            continue
        if not isinstance(value, str) or _parse_float(value) is None:
            return True
    return False


def _column_names(names: Iterable[str] | None, columns: Sequence[str], option: str) -> set[str]:
    if names is None:
        return set()
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise ValueError(
            f"{option} names columns that the table does not have: {unknown}; "
            f"the columns are {list(columns)}"
        )
    return set(names)


def table_from_arrays(
    cells: Sequence[Sequence[Any]],
    columns: Sequence[str],
    y: Sequence[Any],
    name: str = "table",
    categorical: Iterable[str] | None = None,
    numeric: Iterable[str] | None = None,
    empty_columns: str = "error",
) -> Table:
    """Build a :class:`Table` from column-major cells (one sequence per column).

    Missing cells are ``None`` (or NaN / pandas' NA). Column kinds are inferred with
    :func:`infer_categorical` unless named in ``categorical`` or ``numeric``; a column forced to
    be numeric whose values do not parse raises a ``ValueError`` naming the column and value.
    ``empty_columns`` says what becomes of a column whose every value is missing: ``"error"``
    (a ``ValueError`` naming it), ``"drop"`` (left out, with a ``UserWarning`` naming it) or
    ``"keep"`` (numeric unless forced categorical: the rows to predict of a fitted model).
    """
    columns = tuple(str(c) for c in columns)
    if len(cells) != len(columns):
        raise ValueError(f"got {len(cells)} columns of cells for {len(columns)} column names")
    if empty_columns not in ("error", "drop", "keep"):
        raise ValueError(
            f"empty_columns must be 'error', 'drop' or 'keep', got {empty_columns!r}"
        )
    if empty_columns == "drop" and len(y):
        empty = [j for j, values in enumerate(cells)
                 if all(v is None or _is_missing(v) for v in values)]
        if empty:
            import warnings

            warnings.warn(
                f"{'columns' if len(empty) > 1 else 'column'} "
                f"{', '.join(repr(columns[j]) for j in empty)} entirely missing: left out",
                UserWarning, stacklevel=2,
            )
            columns = tuple(c for j, c in enumerate(columns) if j not in empty)
            cells = [c for j, c in enumerate(cells) if j not in empty]
    forced_cat = _column_names(categorical, columns, "categorical")
    forced_num = _column_names(numeric, columns, "numeric")
    both = forced_cat & forced_num
    if both:
        raise ValueError(f"columns {sorted(both)} are named both categorical and numeric")
    n_rows = len(y)
    kinds = np.zeros(len(columns), dtype=bool)
    parsed: list[np.ndarray] = []
    for j, (column, values) in enumerate(zip(columns, cells, strict=True)):
        if len(values) != n_rows:
            raise ValueError(f"column {column!r} has {len(values)} values for {n_rows} rows")
        if empty_columns == "error" and n_rows and all(
            v is None or _is_missing(v) for v in values
        ):
            raise ValueError(
                f"column {column!r} is entirely missing; drop it (it carries no information)"
            )
        is_cat = column in forced_cat or (
            column not in forced_num and infer_categorical(values)
        )
        kinds[j] = is_cat
        if is_cat:
            parsed.append(np.array(
                [None if v is None or _is_missing(v) else str(v) for v in values], dtype=object,
            ))
        else:
            out = np.empty(n_rows, dtype=np.float64)
            for i, v in enumerate(values):
                if v is None or _is_missing(v):
                    out[i] = np.nan
                    continue
                number = _parse_float(v) if isinstance(v, str) else float(v)
                if number is None:
                    raise ValueError(
                        f"column {column!r} is numeric but row {i + 1} holds {v!r}, which is "
                        "not a number"
                    )
                out[i] = number
            parsed.append(out)
    if kinds.any():
        X = np.empty((n_rows, len(columns)), dtype=object)
        for j, column_values in enumerate(parsed):
            X[:, j] = column_values if kinds[j] else column_values.tolist()
    else:
        X = np.column_stack(parsed) if parsed else np.empty((n_rows, 0))
    return Table(name, X, np.asarray(y), columns, kinds)


def _check_target(header: Sequence[str], target: str | None) -> int:
    if target is None:
        return len(header) - 1
    if target not in header:
        raise ValueError(f"target column {target!r} not found; the columns are {list(header)}")
    return list(header).index(target)


def _split_target(
    columns: Sequence[str], cells: list[list[Any]], target_index: int, source: str
) -> tuple[list[str], list[list[Any]], list[Any]]:
    labels = cells[target_index]
    missing = [i + 1 for i, v in enumerate(labels) if v is None or _is_missing(v)]
    if missing:
        raise ValueError(
            f"{source}: the target column {columns[target_index]!r} is missing in "
            f"{len(missing)} rows (first: row {missing[0]}); drop those rows first"
        )
    names = [c for j, c in enumerate(columns) if j != target_index]
    features = [c for j, c in enumerate(cells) if j != target_index]
    return names, features, list(labels)


def read_csv(
    path: str | os.PathLike,
    target: str | None = None,
    categorical: Iterable[str] | None = None,
    numeric: Iterable[str] | None = None,
    missing_values: Iterable[str] = MISSING_VALUES,
    delimiter: str = ",",
    encoding: str = "utf-8",
    name: str | None = None,
    empty_columns: str = "error",
) -> Table:
    """Read a CSV file with a header row into a :class:`Table`, without pandas.

    Parameters
    ----------
    path : path of the file
    target : str, optional
        Name of the class column; default: the last column.
    categorical, numeric : iterable of str, optional
        Columns whose kind is forced; the others are inferred (numeric when every
        non-missing value parses as a float).
    missing_values : iterable of str
        Field values (after stripping surrounding whitespace) read as missing; default
        :data:`MISSING_VALUES` (the empty field, ``NA``, ``NaN``, ``NULL``, ...).
    delimiter : str, default=","
    encoding : str, default="utf-8"
    name : str, optional
        Name of the table; default: the file's stem.
    empty_columns : {"error", "drop", "keep"}, default="error"
        A feature column whose every value is missing: an error, left out with a warning, or
        kept (see :func:`table_from_arrays`).

    Returns
    -------
    Table
        Class labels as strings.

    Raises
    ------
    ValueError
        Empty file, no data rows, a row whose number of fields differs from the header's, an
        unknown target column, a missing label, an entirely missing column, or a file that is
        not in ``encoding`` (the message says which option to pass).
    """
    path = Path(path)
    header, cells = _csv_cells(path, missing_values, delimiter, encoding)
    target_index = _check_target(header, target)
    names, features, labels = _split_target(header, cells, target_index, str(path))
    return table_from_arrays(
        features, names, np.array(labels, dtype=object).astype(str), name=name or path.stem,
        categorical=categorical, numeric=numeric, empty_columns=empty_columns,
    )


def _csv_cells(
    path: Path, missing_values: Iterable[str], delimiter: str, encoding: str
) -> tuple[list[str], list[list[Any]]]:
    """The header and the cells (one list per column, None: missing) of a CSV file."""
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path} is not valid {encoding} text (byte {exc.start}: "
            f"{exc.object[exc.start:exc.start + 1]!r}); pass the file's encoding, e.g. "
            "encoding='latin-1' in Python, --encoding latin-1 to the hdkit commands"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]  # byte-order mark of spreadsheet exports
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    if not rows:
        raise ValueError(f"{path} is empty: expected a header row and data rows")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        repeated = sorted({h for h in header if header.count(h) > 1})
        raise ValueError(f"{path}: repeated column names {repeated}")
    data = rows[1:]
    if not data:
        raise ValueError(f"{path} has a header row but no data rows")
    missing = frozenset(missing_values)
    cells: list[list[Any]] = [[] for _ in header]
    for number, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {number}: {len(row)} fields, but the header has {len(header)}"
            )
        for j, value in enumerate(row):
            value = value.strip()
            cells[j].append(None if value in missing else value)
    return header, cells


def read_table(path: str | os.PathLike, target: str | None = None, **kwargs: Any) -> Table:
    """Read a CSV file (:func:`read_csv`) or a Parquet file (``.parquet``, needs pyarrow).

    Parquet columns keep their stored types: numeric types are numeric columns, all others
    categorical (``categorical`` / ``numeric`` still override).
    """
    path = Path(path)
    if not _is_parquet(path):
        return read_csv(path, target, **kwargs)
    header, cells, typed = _parquet_cells(path)
    target_index = _check_target(header, target)
    names, features, labels = _split_target(header, cells, target_index, str(path))
    typed_numeric = [c for j, c in enumerate(header) if j != target_index and typed[j]]
    forced_cat = set(kwargs.get("categorical") or ())
    numeric = set(kwargs.get("numeric") or ()) | (set(typed_numeric) - forced_cat)
    categorical = forced_cat | (set(names) - numeric)
    return table_from_arrays(
        features, names, np.array([str(v) for v in labels]), name=kwargs.get("name") or path.stem,
        categorical=categorical, numeric=numeric,
        empty_columns=kwargs.get("empty_columns", "error"),
    )


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _parquet_cells(path: Path) -> tuple[list[str], list[list[Any]], list[bool]]:
    """The header, the cells (one list per column) and which columns have a numeric type."""
    try:
        import pyarrow.parquet as pq
        import pyarrow.types as pat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading Parquet needs pyarrow: pip install pyarrow") from exc
    arrow = pq.read_table(path)
    header = [str(c) for c in arrow.column_names]
    cells = [arrow.column(j).to_pylist() for j in range(len(header))]
    types = [arrow.schema.field(j).type for j in range(len(header))]
    typed = [pat.is_integer(t) or pat.is_floating(t) for t in types]
    return header, cells, typed


def read_features(
    path: str | os.PathLike,
    columns: Sequence[str],
    categorical: Iterable[str] = (),
    missing_values: Iterable[str] = MISSING_VALUES,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Table:
    """Read the feature columns ``columns`` of a CSV or Parquet file, in that order, with
    their kinds fixed: the rows to predict of a model fitted on a :class:`Table`.

    Other columns (the target among them) are ignored; a column of ``columns`` that the file
    lacks raises a ``ValueError`` naming it. ``categorical`` names the categorical columns, the
    others are numeric; a column entirely missing is kept. ``y`` of the table is empty strings.
    """
    path = Path(path)
    if _is_parquet(path):
        header, cells, _ = _parquet_cells(path)
    else:
        header, cells = _csv_cells(path, missing_values, delimiter, encoding)
    absent = [c for c in columns if c not in header]
    if absent:
        raise ValueError(
            f"{path} lacks the {'columns' if len(absent) > 1 else 'column'} "
            f"{', '.join(map(repr, absent))} that the model was fitted on; its columns are "
            f"{header}"
        )
    chosen = [cells[header.index(c)] for c in columns]
    categorical = set(categorical)
    n_rows = len(cells[0]) if cells else 0
    return table_from_arrays(
        chosen, columns, np.full(n_rows, "", dtype=object), name=path.stem,
        categorical=[c for c in columns if c in categorical],
        numeric=[c for c in columns if c not in categorical], empty_columns="keep",
    )


# ------------------------------------------------------------------------------ the suite
def load_suite_dataset(name: str, data_dir: str | os.PathLike | None = None) -> Table:
    """One set of the development suite :data:`SUITE` as a :class:`Table`.

    ``data_dir`` is the shared data folder (holding ``tabular/``); default: the one found by
    :func:`hdkit.datasets.find_shared`. scikit-learn's sets come from scikit-learn (digits with its
    raw 0-16 pixel values), letter from ``tabular/letter-recognition.data``.
    """
    if name in _SKLEARN_SETS:
        from sklearn import datasets

        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        X = np.asarray(X, dtype=np.float64)
        columns = tuple(f"x{j}" for j in range(X.shape[1]))
        return Table(name, X, y, columns, np.zeros(X.shape[1], dtype=bool))
    if name == "letter":
        from hdkit.datasets import load_letter

        path = None if data_dir is None else Path(data_dir) / "tabular"
        X, y = load_letter(split="all", path=path)
        columns = tuple(f"x{j}" for j in range(X.shape[1]))
        return Table(name, X, y, columns, np.zeros(X.shape[1], dtype=bool))
    if name in _UCI_DEV:
        from hdkit.datasets import find_shared

        folder = None if data_dir is None else Path(data_dir) / "tabular" / "uci-dev"
        path = find_shared("uci-dev", f"{name}.csv", path=folder)
        return read_csv(path, target="label", name=name)
    raise ValueError(f"unknown dataset {name!r}; the suite is {', '.join(SUITE)}")


def load_suite(
    names: Sequence[str] = SUITE, data_dir: str | os.PathLike | None = None
) -> list[Table]:
    """The tables of ``names`` (default: the whole suite), in that order."""
    return [load_suite_dataset(n, data_dir) for n in names]


# ------------------------------------------------------------------------------ the models
@dataclass(frozen=True)
class ModelSpec:
    """A named model: ``build(table, random_state)`` returns an unfitted estimator that takes
    ``table.X`` as it is (its preprocessing, if any, is part of it)."""

    name: str
    description: str
    build: Callable[[Table, int], Any]
    preprocessing: str = ""


def _as_float(X: Any) -> np.ndarray:
    return np.asarray(X, dtype=np.float64)


def _numeric_steps(impute: bool, scale: bool) -> list:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    steps: list = [FunctionTransformer(_as_float, feature_names_out="one-to-one")]
    if impute:
        steps.append(SimpleImputer(strategy="median", keep_empty_features=True))
    if scale:
        steps.append(StandardScaler())
    return steps


def preprocessor(table: Table, scale: bool, impute: bool = True, dense: bool = False) -> Any:
    """The ``ColumnTransformer`` a scikit-learn user writes for ``table``.

    Numeric columns: median imputation (``impute``), then ``StandardScaler`` when ``scale``;
    categorical columns: one-hot, a missing value being a category of its own and a category
    unseen in ``fit`` all zeros. Output columns: the numeric ones, then the one-hot ones.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    parts = []
    if table.numeric_index.size:
        parts.append(("num", make_pipeline(*_numeric_steps(impute, scale)), table.numeric_index))
    if table.categorical_index.size:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=not dense)
        parts.append(("cat", onehot, table.categorical_index))
    return ColumnTransformer(parts, sparse_threshold=0.0 if dense else 0.3)


def _needs_preprocessing(table: Table) -> bool:
    return bool(table.categorical.any() or table.missing_share() > 0)


def _with_preprocessing(table: Table, model: Any, scale: bool, dense: bool = False) -> Any:
    from sklearn.pipeline import make_pipeline

    if not scale and not _needs_preprocessing(table):
        return model
    return make_pipeline(preprocessor(table, scale=scale, dense=dense), model)


def _svc(table: Table, seed: int) -> Any:
    from sklearn.svm import SVC

    return _with_preprocessing(table, SVC(), scale=True)


def _logistic(table: Table, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return _with_preprocessing(table, LogisticRegression(max_iter=1000), scale=True)


def _forest(table: Table, seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return _with_preprocessing(
        table, RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1), scale=False
    )


def _knn(table: Table, seed: int) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    return _with_preprocessing(table, KNeighborsClassifier(), scale=True)


def _boosting(table: Table, seed: int) -> Any:
    """HistGradientBoosting with native categorical support (ordinal codes, NaN = missing)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    model = HistGradientBoostingClassifier(random_state=seed)
    if not table.categorical.any():
        return model  # NaN is handled natively
    cat, num = table.categorical_index, table.numeric_index
    parts = [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                    encoded_missing_value=np.nan), cat)]
    if num.size:
        parts.append(("num", FunctionTransformer(_as_float, feature_names_out="one-to-one"), num))
    # native categorical splits take at most max_bins (255) categories; wider columns stay
    # ordinal codes treated as numbers
    narrow = [
        len({v for v in table.X[:, j] if v is not None}) <= 255 for j in cat
    ] + [False] * num.size
    model.set_params(categorical_features=np.array(narrow, dtype=bool))
    return make_pipeline(ColumnTransformer(parts), model)


def _hdc(table: Table, seed: int) -> Any:
    """HDClassifier takes the table as it is (categories, missing values)."""
    from hdc import HDClassifier

    return HDClassifier(random_state=seed)


def _gln(table: Table, seed: int) -> Any:
    from hdc.baselines import GLNClassifier

    return _with_preprocessing(table, GLNClassifier(random_state=seed), scale=False, dense=True)


def _kernel(table: Table, seed: int) -> Any:
    from hdc.baselines import KernelMachineClassifier

    return _with_preprocessing(
        table, KernelMachineClassifier(random_state=seed), scale=False, dense=True
    )


_HDC_PREP = ("none: the table as it is (categorical values as IDs bound to their column, "
             "missing values left out)")
_NUMBERS_PREP = ("median imputation of numeric columns, one-hot categoricals (dense), where a "
                 "set has missing values or categoricals; the model standardises its inputs")
_SCALED_PREP = "median imputation + StandardScaler on numeric columns, one-hot categoricals"

#: every model by name; hdkit's first (see :func:`register_model` to add one)
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("hdc", "HDClassifier()", _hdc, _HDC_PREP),
        ModelSpec("gln", "GLNClassifier()", _gln, _NUMBERS_PREP),
        ModelSpec("kernel", "KernelMachineClassifier()", _kernel, _NUMBERS_PREP),
        ModelSpec("svc", "SVC()", _svc, _SCALED_PREP),
        ModelSpec("lr", "LogisticRegression(max_iter=1000)", _logistic, _SCALED_PREP),
        ModelSpec("rf", "RandomForestClassifier(200)", _forest,
                  "median imputation of numeric columns, one-hot categoricals"),
        ModelSpec("hgb", "HistGradientBoostingClassifier()", _boosting,
                  "none for numeric columns (NaN native); categoricals as native categories"),
        ModelSpec("knn", "KNeighborsClassifier()", _knn, _SCALED_PREP),
    )
}
#: scikit-learn's peers
PEERS = ("svc", "lr", "rf", "hgb", "knn")


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add (or replace) a model of :data:`MODELS`; returns it."""
    MODELS[spec.name] = spec
    return spec


def build_model(name: str, table: Table, random_state: int = 0) -> Any:
    """The unfitted estimator of model ``name`` for ``table`` (see :data:`MODELS`)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return MODELS[name].build(table, random_state)


# ------------------------------------------------------------------------ cross-validation
@dataclass
class FoldScore:
    """One model on one fold of one dataset."""

    dataset: str
    model: str
    fold: int
    accuracy: float
    balanced_accuracy: float
    fit_seconds: float
    predict_seconds: float
    model_bytes: int
    n_train: int
    n_test: int


def check_classes(y: Sequence[Any], target: str = "the target") -> np.ndarray:
    """Raise ``ValueError`` unless ``y`` is a classification target: at least two classes, and
    fewer classes than rows (else it looks like an identifier). Returns the rows per class.

    Examples
    --------
    >>> check_classes(["a", "b", "a"]).tolist()
    [2, 1]
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        shown = f" ({classes[0].item()!r})" if classes.size else ""
        raise ValueError(f"{target} has one class{shown}; a classifier needs two")
    if classes.size == y.size:
        raise ValueError(
            f"{target} has as many classes as rows ({y.size}); is it an identifier column?"
        )
    return counts


def stratified_folds(
    y: np.ndarray, n_splits: int = 5, random_state: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` index pairs of ``StratifiedKFold(n_splits, shuffle=True,
    random_state)``: a function of ``y`` and the seed only, so every model gets the same
    folds."""
    from sklearn.model_selection import StratifiedKFold

    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    counts = check_classes(y)
    if counts.max() < n_splits:
        raise ValueError(
            f"no class has {n_splits} rows, so {n_splits}-fold stratified cross-validation "
            "is impossible; use fewer folds"
        )
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return [(train, test) for train, test in splitter.split(np.zeros(y.size), y)]


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():  # a class absent from a small fold's predictions
        warnings.simplefilter("ignore")
        return float(balanced_accuracy_score(y_true, y_pred))


@contextmanager
def limited_threads(threads: int | None) -> Iterator[None]:
    """Run BLAS, OpenMP (scikit-learn's HistGradientBoosting, k-NN) and numba (hdkit's
    kernels) on at most ``threads`` threads; None leaves them as they are."""
    if threads is None:
        yield
        return
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        with threadpool_limits(limits=int(threads)):
            yield
    finally:
        numba.set_num_threads(previous)


def cross_validate(
    model: str | Callable[[Table, int], Any],
    table: Table,
    folds: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    model_name: str | None = None,
    threads: int | None = None,
) -> list[FoldScore]:
    """Fit and score a model on every fold of ``table``.

    Parameters
    ----------
    model : str or callable
        A name of :data:`MODELS`, or ``build(table, random_state) -> estimator``.
    table : Table
    folds : sequence of (train, test) index arrays, optional
        Default :func:`stratified_folds` of ``table.y`` with ``n_splits`` and ``random_state``.
    random_state : int
        Seed of the folds and of the model (the same model seed on every fold).
    threads : int, optional
        Thread limit of every library while fitting and predicting (:func:`limited_threads`);
        None: each library's default.

    Returns
    -------
    list of FoldScore
        Wall-clock ``fit`` and ``predict`` seconds (predict on the test fold), the size of the
        pickled fitted model in bytes.
    """
    build = MODELS[model].build if isinstance(model, str) else model
    name = model_name or (model if isinstance(model, str) else getattr(model, "__name__", "model"))
    if folds is None:
        folds = stratified_folds(table.y, n_splits, random_state)
    scores = []
    for k, (train, test) in enumerate(folds):
        estimator = build(table, random_state)
        X_train, y_train, X_test = table.X[train], table.y[train], table.X[test]
        with limited_threads(threads):
            start = time.perf_counter()
            estimator.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            predicted = estimator.predict(X_test)
            predict_seconds = time.perf_counter() - start
        truth = table.y[test]
        scores.append(FoldScore(
            table.name, name, k, float(np.mean(predicted == truth)),
            _balanced_accuracy(truth, predicted), fit_seconds, predict_seconds,
            len(pickle.dumps(estimator)), int(train.size), int(test.size),
        ))
    return scores


def run_benchmark(
    models: Sequence[str],
    tables: Sequence[Table],
    n_splits: int = 5,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
    threads: int | None = None,
    model_seed: int | None = None,
) -> list[FoldScore]:
    """Every model of ``models`` on every table, all on the same folds of each table
    (``threads``: see :func:`cross_validate`). ``random_state`` seeds the folds and the
    models; ``model_seed``, when given, seeds the models instead (other model seeds on the
    same folds)."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown models {unknown}; expected names from {', '.join(MODELS)}")
    results: list[FoldScore] = []
    for table in tables:
        folds = stratified_folds(table.y, n_splits, random_state)
        for name in models:
            seed = random_state if model_seed is None else model_seed
            scores = cross_validate(name, table, folds, random_state=seed, threads=threads)
            results.extend(scores)
            if log is not None:
                acc = np.mean([s.accuracy for s in scores])
                fit = sum(s.fit_seconds for s in scores)
                log(f"{table.name:<14}{name:<12}accuracy {acc:.4f}  fit {fit:7.2f} s")
    return results


# -------------------------------------------------------------------------------- summaries
@dataclass
class Summary:
    """Per-model means over folds, per dataset, and their aggregates."""

    datasets: list[str]
    models: list[str]
    accuracy: dict[str, dict[str, float]] = field(default_factory=dict)      # model -> set -> mean
    accuracy_std: dict[str, dict[str, float]] = field(default_factory=dict)
    balanced_accuracy: dict[str, dict[str, float]] = field(default_factory=dict)
    fit_seconds: dict[str, dict[str, float]] = field(default_factory=dict)   # summed over folds
    predict_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    model_bytes: dict[str, dict[str, float]] = field(default_factory=dict)   # mean over folds
    mean_accuracy: dict[str, float] = field(default_factory=dict)
    mean_rank: dict[str, float] = field(default_factory=dict)
    total_fit_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _ranks(values: Sequence[float]) -> list[float]:
    """Rank 1 for the largest value; ties share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def summarize(results: Sequence[FoldScore]) -> Summary:
    """Means over folds per (model, dataset); mean accuracy and mean rank over the datasets
    every model has run on; total fit time over folds and those datasets."""
    datasets = list(dict.fromkeys(r.dataset for r in results))
    models = list(dict.fromkeys(r.model for r in results))
    s = Summary(datasets, models)
    for m in models:
        for metric in ("accuracy", "accuracy_std", "balanced_accuracy", "fit_seconds",
                       "predict_seconds", "model_bytes"):
            getattr(s, metric)[m] = {}
        for d in datasets:
            rows = [r for r in results if r.model == m and r.dataset == d]
            if not rows:
                continue
            acc = np.array([r.accuracy for r in rows])
            s.accuracy[m][d] = float(acc.mean())
            s.accuracy_std[m][d] = float(acc.std())
            s.balanced_accuracy[m][d] = float(np.mean([r.balanced_accuracy for r in rows]))
            s.fit_seconds[m][d] = float(sum(r.fit_seconds for r in rows))
            s.predict_seconds[m][d] = float(sum(r.predict_seconds for r in rows))
            s.model_bytes[m][d] = float(np.mean([r.model_bytes for r in rows]))
    common = [d for d in datasets if all(d in s.accuracy[m] for m in models)]
    for m in models:
        values = [s.accuracy[m][d] for d in common]
        s.mean_accuracy[m] = float(np.mean(values)) if common else math.nan
        s.total_fit_seconds[m] = float(sum(s.fit_seconds[m][d] for d in common))
    rank_sum = dict.fromkeys(models, 0.0)
    for d in common:
        for m, r in zip(models, _ranks([s.accuracy[m][d] for m in models]), strict=True):
            rank_sum[m] += r
    for m in models:
        s.mean_rank[m] = rank_sum[m] / len(common) if common else math.nan
    return s


def format_summary(summary: Summary, std: bool = False) -> str:
    """Accuracy per dataset (rows) and model (columns), then mean accuracy, mean rank and
    total fit seconds; ``std`` adds the standard deviation over folds."""
    models = summary.models
    width = max(9, *(len(m) + 1 for m in models)) + (7 if std else 0)
    first = max(14, *(len(d) + 1 for d in summary.datasets))
    lines = ["".ljust(first) + "".join(m.rjust(width) for m in models)]

    def cell(m: str, d: str) -> str:
        if d not in summary.accuracy[m]:
            return "".rjust(width)
        text = f"{summary.accuracy[m][d]:.4f}"
        if std:
            text += f"±{summary.accuracy_std[m][d]:.3f}"
        return text.rjust(width)

    for d in summary.datasets:
        lines.append(d.ljust(first) + "".join(cell(m, d) for m in models))
    lines.append("mean accuracy".ljust(first)
                 + "".join(f"{summary.mean_accuracy[m]:.4f}".rjust(width) for m in models))
    lines.append("mean rank".ljust(first)
                 + "".join(f"{summary.mean_rank[m]:.2f}".rjust(width) for m in models))
    lines.append("total fit s".ljust(first)
                 + "".join(f"{summary.total_fit_seconds[m]:.1f}".rjust(width) for m in models))
    return "\n".join(lines)


def plot_results(
    summary: Summary, output: str | os.PathLike, reference: str | None = "svc"
) -> None:
    """Draw ``summary`` to a PNG: accuracy per model and dataset (zero-based axis, error bars
    over folds), accuracy relative to ``reference`` in points, and total fit seconds.

    Needs matplotlib (``pip install 'hdkit[plot]'``).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'hdkit[plot]'") from exc
    datasets, models = summary.datasets, summary.models
    if reference not in models:
        reference = None
    panels = 3 if reference else 2
    height_inches = 0.55 * len(datasets) * len(models) ** 0.5 + 3.2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels + 1, height_inches),
                             gridspec_kw={"width_ratios": [3, 3, 2] if reference else [3, 2]})
    palette = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")

    def colors(k: int) -> Any:
        return palette(k % palette.N)

    height = 0.8 / max(1, len(models))
    positions = np.arange(len(datasets))
    for k, m in enumerate(models):
        acc = [summary.accuracy[m].get(d, np.nan) for d in datasets]
        err = [summary.accuracy_std[m].get(d, 0.0) for d in datasets]
        offset = positions + (k - (len(models) - 1) / 2) * height
        axes[0].barh(offset, acc, height, xerr=err, color=colors(k), label=m,
                     error_kw={"elinewidth": 0.8})
        if reference:
            ref = [summary.accuracy[reference].get(d, np.nan) for d in datasets]
            diff = 100 * (np.array(acc) - np.array(ref))
            axes[1].barh(offset, diff, height, color=colors(k), label=m)
    axes[0].set_xlim(0, 1)
    axes[0].set_xlabel("accuracy (mean over folds; bars: ±1 std)")
    axes[0].set_title("accuracy per dataset")
    if reference:
        axes[1].axvline(0, color="black", linewidth=0.8)
        axes[1].set_xlabel(f"accuracy minus {reference}'s (percentage points)")
        axes[1].set_title(f"difference to {reference}")
        axes[1].grid(axis="x", alpha=0.3)
    for ax in axes[:panels - 1]:
        ax.set_yticks(positions, datasets)
        ax.invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(models), 8), frameon=False)
    fit = [summary.total_fit_seconds[m] for m in models]
    axes[-1].barh(np.arange(len(models)), fit, color=[colors(k) for k in range(len(models))])
    axes[-1].set_yticks(np.arange(len(models)),
                        [f"{m}\nmean {summary.mean_accuracy[m]:.3f}, "
                         f"rank {summary.mean_rank[m]:.1f}" for m in models], fontsize="small")
    axes[-1].invert_yaxis()
    axes[-1].set_xlabel("total fit seconds (all folds, all datasets)")
    axes[-1].set_title("fit time")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(output, dpi=110)
    plt.close(fig)
