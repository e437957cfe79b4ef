"""Fitting the table encoders from statistics that merge exactly over partitions of the rows.

The table encoders (:class:`encoders.RecordEncoder`, :class:`encoders.TableRFFEncoder`,
:class:`encoders.TableEncoder`) learn from a table

- the kind of every column and the vocabulary of every categorical column: flags and sets of
  values, merged by OR and by set union;
- the range of every numeric column (``RecordEncoder(quantization="uniform")``): minima and
  maxima over the non-missing values;
- quantiles and percentiles of the numeric columns and the RBF width: these do not merge, so
  they are measured on a sample of rows fixed before the data is read, a function of the
  table's shape and the encoder's random state only (:meth:`TableFit._statistics_plan`): all
  the rows up to 2,000,000 cells (at least 10,000 rows), a random subset beyond.

``fit`` itself is the one-partition case of the protocol of ``encoders/_base.py``::

    plan = encoder._statistics_plan(n_rows, n_columns)
    statistics = encoder._partition_statistics(X, 0, plan)
    encoder._fit_from_statistics(statistics, plan)

so a fit over partitions (``hdc.distributed``) whose statistics are merged with
:meth:`TableFit._merge_statistics` gives the same encoder bit for bit by construction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from encoders._base import BaseEncoder
from encoders._columns import (
    TableColumns,
    _is_number,
    as_table,
    categorical_mask,
    category_key,
    is_dataframe,
    read_columns,
    vocabulary,
)
from hdc._validation import (
    check_random_state,
    validate_data,  # errors naming X / y
)

__all__ = ["MIN_SAMPLE_ROWS", "SAMPLE_CELLS", "TableFit", "TablePlan", "TableStatistics",
           "sample_size"]

#: the statistics that do not merge (quantiles, percentiles) are measured on at most this many
#: cells of sampled rows (16 MB of float64: the memory a fit on partitions gathers) ...
SAMPLE_CELLS = 2_000_000
#: ... and on at least this many rows (as scikit-learn's QuantileTransformer subsamples)
MIN_SAMPLE_ROWS = 10_000


def sample_size(n_columns: int) -> int:
    """Rows sampled for quantiles and percentiles of a table of ``n_columns`` columns.

    Examples
    --------
    >>> sample_size(16), sample_size(784)
    (125000, 10000)
    """
    return max(MIN_SAMPLE_ROWS, SAMPLE_CELLS // max(int(n_columns), 1))


@dataclass
class TablePlan:
    """What a fit fixes before reading the data: the sampled rows and the random generator that
    the fit goes on drawing from."""

    n_rows: int
    sample_rows: np.ndarray
    rng: np.random.Generator


@dataclass
class TableStatistics:
    """Mergeable statistics of some rows of a table (see the module docstring).

    ``categorical[j]``: column ``j`` holds a non-number (or is declared categorical);
    ``unlisted[j]``: it holds numbers whose distinct values were not collected (a column that
    looked numeric in these rows); ``values[j]``: the set of its category keys (None when not
    collected); ``low`` / ``high``: minimum / maximum of the numbers (+inf / -inf without any);
    ``forced``: the mask of the ``categorical`` parameter (None for ``"auto"``); ``sample``:
    the sampled rows that fall in these rows, in order.
    """

    n_rows: int
    categorical: np.ndarray
    unlisted: np.ndarray
    values: list
    low: np.ndarray
    high: np.ndarray
    forced: np.ndarray | None
    sample: Any

    def merge(self, later: TableStatistics) -> TableStatistics:
        """The statistics of these rows followed by ``later``'s."""
        values = [
            a if b is None else b if a is None else a | b
            for a, b in zip(self.values, later.values, strict=True)
        ]
        return TableStatistics(
            self.n_rows + later.n_rows, self.categorical | later.categorical,
            self.unlisted | later.unlisted, values, np.minimum(self.low, later.low),
            np.maximum(self.high, later.high), self.forced,
            np.concatenate([np.asarray(self.sample), np.asarray(later.sample)]),
        )

    def layout(self) -> TableColumns:
        """Column kinds and vocabularies; a ValueError when a column mixes numbers and other
        values across partitions in a way that its collected values cannot describe."""
        if self.forced is not None:
            categorical = self.forced.copy()
        else:
            categorical = self.categorical.copy()
            mixed = np.flatnonzero(categorical & self.unlisted)
            if mixed.size:
                raise ValueError(
                    f"columns {mixed.tolist()} of X hold only numbers in some partitions and "
                    "other values in others; name the categorical columns with categorical="
                )
        vocabularies = [vocabulary(self.values[j] or ()) for j in np.flatnonzero(categorical)]
        empty = [j for j in np.flatnonzero(~categorical) if not self.low[j] <= self.high[j]]
        empty += [j for j, v in zip(np.flatnonzero(categorical), vocabularies, strict=True)
                  if not v]
        if empty:
            warnings.warn(
                f"columns {sorted(int(j) for j in empty)} of X have no value in fit; they "
                "contribute nothing to the codes",
                UserWarning, stacklevel=4,
            )
        return TableColumns(categorical, vocabularies)


def _float_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of every column over its non-NaN values (+-inf without any)."""
    if np.isinf(X).any():
        column = int(np.flatnonzero(np.isinf(X).any(axis=0))[0])
        raise ValueError(f"column {column} of X holds infinity; a missing value is NaN or None")
    low = np.where(np.isnan(X), np.inf, X).min(axis=0, initial=np.inf)
    high = np.where(np.isnan(X), -np.inf, X).max(axis=0, initial=-np.inf)
    return low, high


def _column_statistics(kind: str, values: np.ndarray) -> tuple:
    """``(categorical, unlisted, values set or None, low, high)`` of one column."""
    if kind == "numeric":
        low, high = _float_statistics(values[:, None])
        return False, False, None, low[0], high[0]
    present = [v for v in values.tolist() if v is not None]
    if kind == "categorical" or any(not _is_number(v) for v in present):
        return True, False, {category_key(v) for v in present}, np.inf, -np.inf
    numbers = np.array(present, dtype=np.float64).reshape(-1, 1)
    low, high = _float_statistics(numbers)
    return False, bool(present), None, low[0], high[0]


def table_statistics(X: Any, first_row: int, plan: TablePlan,
                     forced: np.ndarray | None) -> TableStatistics:
    """The statistics of the rows ``X`` (rows ``first_row ...`` of the whole table)."""
    n_rows, n_columns = X.shape
    rows = plan.sample_rows
    local = rows[(rows >= first_row) & (rows < first_row + n_rows)] - first_row
    sample = X.iloc[local] if is_dataframe(X) else X[local]
    if forced is None and not is_dataframe(X) and X.dtype != object:
        low, high = _float_statistics(np.asarray(X, dtype=np.float64))
        none = np.zeros(n_columns, dtype=bool)
        return TableStatistics(n_rows, none, none.copy(), [None] * n_columns, low, high, None,
                               sample)
    parts = [_column_statistics(kind, values) for kind, values in read_columns(X, forced)]
    categorical, unlisted, values, low, high = zip(*parts, strict=True)
    return TableStatistics(
        n_rows, np.array(categorical, dtype=bool), np.array(unlisted, dtype=bool), list(values),
        np.array(low, dtype=np.float64), np.array(high, dtype=np.float64), forced, sample,
    )


class TableFit(BaseEncoder):
    """Base of the table encoders: ``fit``, ``transform`` and the mergeable-statistics
    protocol.

    A subclass sets ``_sample_size(n_columns)`` (rows its statistics need; 0: none) and
    implements
    ``_fit_table(columns, statistics, rng)`` (learn everything else, draw the random vectors)
    and ``_encode_parts(numeric, codes, out)`` (encode the split columns of a batch).
    """

    def _sample_size(self, n_columns: int) -> int:
        return sample_size(n_columns)

    def _validate_table(self, X: Any, reset: bool) -> Any:
        X = as_table(X)
        validate_data(self, X, skip_check_array=True, reset=reset)
        return X

    # ------------------------------------ fitting from mergeable statistics (encoders/_base.py)
    def _fits_from_statistics(self) -> bool:
        return True

    def _statistics_plan(self, n_rows: int, n_columns: int) -> TablePlan:
        """Draw the sampled rows: every row up to ``_sample_size(n_columns)``, else a random
        subset."""
        rng = check_random_state(self.random_state)
        size = self._sample_size(n_columns)
        if size == 0:
            rows = np.zeros(0, dtype=np.int64)
        elif n_rows <= size:
            rows = np.arange(n_rows, dtype=np.int64)
        else:
            rows = np.sort(rng.choice(n_rows, size=size, replace=False)).astype(np.int64)
        return TablePlan(int(n_rows), rows, rng)

    def _partition_statistics(self, X: Any, first_row: int, plan: TablePlan) -> TableStatistics:
        if not (is_dataframe(X) or (isinstance(X, np.ndarray) and X.ndim == 2)):
            X = as_table(X)
        return table_statistics(X, first_row, plan, categorical_mask(X, self.categorical))

    @staticmethod
    def _merge_statistics(a: TableStatistics, b: TableStatistics) -> TableStatistics:
        return a.merge(b)

    def _fit_from_statistics(self, statistics: TableStatistics, plan: TablePlan) -> Any:
        """Fit as ``fit`` does on all the rows whose merged statistics these are."""
        self._check_params()
        return self._fit_layout(statistics.layout(), statistics, plan.rng)

    def _fit_layout(self, columns: TableColumns, statistics: TableStatistics,
                    rng: np.random.Generator) -> Any:
        self.dim_ = self._resolve_dim()
        self.n_features_in_ = columns.n_columns
        self.categorical_ = columns.categorical.copy()
        self.vocabularies_ = columns.vocabularies
        self._columns = columns
        self._fit_table(columns, statistics, rng)
        return self

    def _fit_table(self, columns: TableColumns, statistics: TableStatistics,
                   rng: np.random.Generator) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _encode_parts(self, numeric: np.ndarray, codes: np.ndarray,
                      out: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------ the estimator API
    def fit(self, X: Any, y: Any = None) -> Any:
        """Learn the column kinds, vocabularies and value statistics of ``X``; draw the codes.

        Parameters
        ----------
        X : array-like or DataFrame of shape ``(n_samples, n_columns)``
            A table: numbers, categories and missing values (NaN, None, pandas' NA).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = self._validate_table(X, reset=True)
        plan = self._statistics_plan(X.shape[0], X.shape[1])
        return self._fit_from_statistics(self._partition_statistics(X, 0, plan), plan)

    def _encode_batch(self, X: Any, out: np.ndarray) -> None:
        numeric, codes = self._columns.split(X)
        self._encode_parts(numeric, codes, out)

    def transform(self, X: Any) -> np.ndarray:
        """Encode the rows of ``X`` into packed hypervectors.

        Parameters
        ----------
        X : array-like or DataFrame of shape ``(n_samples, n_features_in_)``

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n_samples, dim_ // 64)``
        """
        check_is_fitted(self, "dim_")
        X = self._validate_table(X, reset=False)
        return self._transform_in_batches(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
