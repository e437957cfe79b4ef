"""Record encoding: a row of a table as the bundle of (column ID XOR code of its value).

Numeric values are quantised to level hypervectors, categorical values get random ID
hypervectors, and a missing value is left out of the bundle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from encoders import _kernels
from encoders._base import SHARED_RULES
from encoders._columns import ColumnSelection, TableColumns
from encoders._table_fit import TableFit, TableStatistics, sample_size
from hdc._parallel import rows_per_chunk, run_rows
from hdc._parameters import Integer, Options
from hdc._validation import WORD_BITS, readonly
from hdc.items import item_memory, level
from hdc.ops import permute, random

__all__ = ["RecordEncoder"]


def _quantile_edges(X: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(n_features, n_levels - 1)`` (ascending, unused slots +inf) and their counts.

    The quantiles at ``k / n_levels`` of every column (of finite values, at least one row), an
    edge at the column's minimum moved to the smallest value above it (so a tied minimum gets
    level 0 alone), duplicates removed.
    """
    probs = np.arange(1, n_levels) / n_levels
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.quantile(X, probs, axis=0).T
    bad = ~np.isfinite(edges).all(axis=1)
    if bad.any():  # the interpolation overflowed (values near +-1.8e308): work on halves
        edges[bad] = 2.0 * np.quantile(0.5 * X[:, bad], probs, axis=0).T
    low = X.min(axis=0)
    above = np.where(X > low, X, np.inf).min(axis=0)  # +inf for a constant column
    edges = np.where(edges <= low[:, None], above[:, None], edges)
    edges.sort(axis=1)
    edges[:, 1:][edges[:, 1:] == edges[:, :-1]] = np.inf
    edges.sort(axis=1)
    return np.ascontiguousarray(edges), np.isfinite(edges).sum(axis=1)


def nan_quantile_edges(X: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_quantile_edges` of every column over its non-missing (non-NaN) values; a column
    without any value has no edge."""
    missing = np.isnan(X)
    if not missing.any() and X.shape[0]:
        return _quantile_edges(X, n_levels)
    edges = np.full((X.shape[1], max(n_levels - 1, 0)), np.inf)
    counts = np.zeros(X.shape[1], dtype=np.int64)
    for j in range(X.shape[1]):
        present = X[~missing[:, j], j]
        if present.size:
            column_edges, column_counts = _quantile_edges(present[:, None], n_levels)
            edges[j], counts[j] = column_edges[0], column_counts[0]
    return edges, counts


def _uniform_scale(low: np.ndarray, high: np.ndarray, n_levels: int) -> np.ndarray:
    """``(n_levels - 1) / (high - low)`` per column, 0 for a constant column, computed on
    halves when the span overflows (see :func:`encoders._kernels.quantize_uniform`)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        span = high - low
        half = 0.5 * high - 0.5 * low
        safe = np.where(span > 0, span, 1.0)
        wide = 0.5 * (n_levels - 1) / half
        scale = np.where(np.isfinite(span), (n_levels - 1) / safe, wide)
    return np.where(span > 0, scale, 0.0)


class RecordEncoder(TableFit):
    """Encode the rows of a table as bundles of bound (column, value) pairs.

    Each column ``f`` has a random ID hypervector ``key[f]``. A numeric value is quantised to
    one of ``n_levels`` correlated level hypervectors (:func:`hdc.level`: nearby values get
    nearby vectors, the two ends are orthogonal); a categorical value gets a random ID
    hypervector of its category (no one-hot columns). A row is the bitwise majority over its
    columns of ``key[f] XOR value_f`` (``binding="id"``), or of ``value_f`` rotated by ``f``
    bits (``binding="permute"``, :func:`hdc.permute`). Every output bit is a random threshold
    unit of the quantised values, so the encoding is non-linear, which is what lets a linear
    associative memory on top of it separate classes that are not linearly separable.

    The input is a numeric array, a numpy object array or a pandas DataFrame whose columns are
    numeric or categorical (see ``categorical``). **A missing value** (NaN, None, pandas' NA)
    **contributes nothing**: its column is left out of the row's majority, which runs over the
    present columns only (the threshold is half their number), so no imputation is needed and
    every row keeps a full binary code. A category not seen in ``fit`` is treated the same way
    and never raises. A row with no present column encodes as ``tie_``.

    Category IDs come from one pool of random vectors shared by the categorical columns (as
    many as the largest number of categories of a column): the XOR with each column's key
    makes them independent across columns, so a column of 10,000 categories costs 10,000
    vectors, not 10,000 features.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits of the hypervectors; rounded up to a multiple of 64 (``dim_``).
    n_levels : int, default=32
        Number of quantisation levels (and level hypervectors) of the numeric columns.
    binding : {"id", "permute"}, default="id"
        How a value is tied to its column: XOR with a random column ID, or a cyclic rotation
        by the column's index (no ID memory, but a rotated copy of the levels or of the
        category pool is precomputed for every column).
    quantization : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: levels evenly spaced between the minimum and maximum of each column in
        ``fit``; ``"quantile"``: level edges at the column's quantiles (equal-mass bins, see
        ``edges_``), measured on all the rows up to 2,000,000 cells (at least 10,000 rows), on
        rows sampled by ``random_state`` beyond. Either way the map from value to level is
        monotone, values at or below the fitted minimum get level 0, values at or above the
        fitted maximum level ``n_levels - 1`` (a constant column only ever gets level 0).
    categorical : "auto", boolean mask or list of column indices or names, default="auto"
        The categorical columns. ``"auto"``: none in a numeric array; in an object array (or an
        ``object`` DataFrame column) a column is categorical when some non-missing value is not
        a real number (a string, a bool, any object); a DataFrame column is numeric when its
        dtype is, categorical otherwise (``bool``, ``category``, ``string``).
    batch_size : int, default=1024
        Rows encoded at a time; memory stays ``O(batch_size * n_columns)`` beyond the output.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches (needs ``tqdm``).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the ID, level and tie-breaking hypervectors (and of the sampled rows).

    Attributes
    ----------
    dim_ : int
        Number of bits used (``dim`` rounded up to a multiple of 64).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : numpy.ndarray of str
        Column names, when ``fit`` got a DataFrame with string column names.
    categorical_ : numpy.ndarray of bool, shape ``(n_features_in_,)``
        True for the categorical columns.
    vocabularies_ : list of dict
        For every categorical column (in column order), category -> index in ``ids_``; the
        categories are sorted (strings, then numbers, then other values).
    keys_ : numpy.ndarray of uint64, shape ``(n_features_in_, dim_ // 64)``
        Column IDs (all zeros for ``binding="permute"``).
    levels_ : numpy.ndarray of uint64, shape ``(n_levels, dim_ // 64)``
        Level hypervectors.
    ids_ : numpy.ndarray of uint64, shape ``(n_ids, dim_ // 64)``
        Category IDs, ``n_ids`` the largest number of categories of a column (0 rows without
        categorical columns).
    tie_ : numpy.ndarray of uint64, shape ``(dim_ // 64,)``
        Bits taken where the present columns' votes tie.
    low_, high_ : numpy.ndarray of float64, shape ``(n_numeric,)``
        Fitted range of every numeric column, in column order (``"uniform"``).
    edges_ : numpy.ndarray of float64, shape ``(n_numeric, n_levels - 1)``
        Level edges of every numeric column (``"quantile"``), ascending: the distinct
        quantiles at ``1/n_levels, ..., (n_levels - 1)/n_levels`` of the sampled non-missing
        values, an edge at the minimum being moved to the smallest value above it; the unused
        slots (tied quantiles, constant column) hold ``+inf``. With ``m`` finite edges, a value
        ``x`` with ``c`` edges ``<= x`` gets level ``round(c * (n_levels - 1) / m)`` (level 0
        if ``m == 0``). Untied data have ``m = n_levels - 1`` edges and equal-mass levels.

    Notes
    -----
    Ties (an even number of present columns whose votes split evenly) take the bits of the
    fixed random vector ``tie_``, so the encoding is a deterministic function of the input.
    Infinite values raise a ``ValueError``. A column without any value in ``fit`` contributes
    nothing (a warning names it). Fitting on a Dask collection
    (:func:`hdc.distributed.fit_dask`) gives the same encoder as fitting in memory: ranges,
    vocabularies and the sampled rows merge exactly over partitions.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import RecordEncoder
    >>> X = np.array([[0.0, 1.0], [0.5, 0.2], [1.0, 0.0]])
    >>> enc = RecordEncoder(dim=1000, n_levels=8, random_state=0).fit(X)
    >>> H = enc.transform(X)
    >>> H.shape, H.dtype, enc.dim_
    ((3, 16), dtype('uint64'), 1024)

    Mixed columns and missing values, no preprocessing:

    >>> rows = np.array([[1.5, "red"], [np.nan, "blue"], [0.2, None]], dtype=object)
    >>> enc = RecordEncoder(dim=256, random_state=0).fit(rows)
    >>> enc.categorical_.tolist(), enc.vocabularies_
    ([False, True], [{'blue': 0, 'red': 1}])
    >>> enc.quantize([[0.2, "green"]]).tolist()  # an unseen category is left out, as missing
    [[0, -1]]
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        n_levels: int = 32,
        binding: str = "id",
        quantization: str = "uniform",
        categorical: Any = "auto",
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.n_levels = n_levels
        self.binding = binding
        self.quantization = quantization
        self.categorical = categorical
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    _parameter_rules = {
        "n_levels": Integer(1),
        "binding": Options("id", "permute"),
        "quantization": Options("uniform", "quantile"),
        "categorical": ColumnSelection(),
        **SHARED_RULES,
    }

    def _sample_size(self, n_columns: int) -> int:
        """Quantile edges are measured on sampled rows; uniform ranges need none."""
        return sample_size(n_columns) if self.quantization == "quantile" else 0

    def _fit_table(self, columns: TableColumns, statistics: TableStatistics,
                   rng: np.random.Generator) -> None:
        """Learn the value levels and draw the hypervectors (see ``TableFit``)."""
        n_levels = int(self.n_levels)
        # transform uses the parameters fitted, whatever set_params changes afterwards
        self._n_levels, self._binding = n_levels, self.binding
        self._quantization = self.quantization
        numeric = columns.numeric_index
        if self.quantization == "uniform":
            low, high = statistics.low[numeric], statistics.high[numeric]
            self._empty = ~(low <= high)  # no value in fit
            self.low_ = np.where(self._empty, 0.0, low)
            self.high_ = np.where(self._empty, 0.0, high)
            self._scale = _uniform_scale(self.low_, self.high_, n_levels)
        else:
            sample, _ = columns.split(statistics.sample)
            self.edges_, self._n_edges = nan_quantile_edges(sample, n_levels)
            self._empty = ~(statistics.low[numeric] <= statistics.high[numeric])
        self._draw(columns, rng)

    def _draw(self, columns: TableColumns, rng: np.random.Generator) -> None:
        """Levels, column IDs, category IDs and tie bits; the kernel's tables and offsets."""
        n_columns = columns.n_columns
        words = self.dim_ // WORD_BITS
        self.levels_ = level(self._n_levels, self.dim_, rng)
        if self._binding == "id":
            self.keys_ = item_memory(n_columns, self.dim_, rng)
        else:
            self.keys_ = np.zeros((n_columns, words), dtype=np.uint64)
        n_ids = int(columns.cardinalities.max(initial=0))
        self.ids_ = item_memory(n_ids, self.dim_, rng) if n_ids else np.zeros((0, words), np.uint64)
        self.tie_ = random(None, self.dim_, rng)
        # every column indexes a block of the table: its levels or the category IDs
        sizes = np.where(columns.categorical, n_ids, self._n_levels).astype(np.int64)
        if self._binding == "id":
            offsets = np.where(columns.categorical, self._n_levels, 0).astype(np.int64)
            table = np.concatenate([self.levels_, self.ids_])
        else:
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            table = np.concatenate(
                [permute(self.ids_ if c else self.levels_, f) if s else np.zeros((0, words),
                 np.uint64) for f, (c, s) in enumerate(zip(columns.categorical, sizes,
                                                            strict=True))]
                or [np.zeros((0, words), np.uint64)]
            )
        if table.shape[0] == 0:  # no level and no category: the kernel still reads column 0
            table = np.zeros((1, words), dtype=np.uint64)
        self._offsets, self._sizes = offsets, sizes
        # word-major copies for the kernel (its inner loop runs over columns)
        self._keys_t = np.ascontiguousarray(self.keys_.T)
        self._table_t = np.ascontiguousarray(table.T)
        self._n_planes = max(4, n_columns.bit_length())

    def _levels(self, numeric: np.ndarray) -> np.ndarray:
        """Level of every numeric value (n, n_numeric) int64; -1 for a missing value."""
        X = np.ascontiguousarray(numeric, dtype=np.float64)
        if self._quantization == "uniform":
            q = np.empty(X.shape, dtype=np.int64)
            # inputs read-only: one compiled signature for fitted, loaded and frozen encoders
            X_in, low, high, scale = (readonly(a) for a in (X, self.low_, self.high_, self._scale))
            run_rows(
                lambda s, e, dest: _kernels.quantize_uniform(
                    X_in[s:e], low, high, scale, self._n_levels, dest
                ),
                q,
                rows_per_chunk(X.shape[1]),
            )
        else:
            count = np.zeros(X.shape, dtype=np.int64)
            for k in range(self.edges_.shape[1]):
                count += X >= self.edges_[:, k]  # +inf slots and NaN never count
            # round(count * (n_levels - 1) / m), halves up, in exact integer arithmetic
            m = np.maximum(self._n_edges, 1)
            q = (2 * (self._n_levels - 1) * count + m) // (2 * m)
        q[np.isnan(X) | self._empty] = -1
        return q

    def _local_index(self, numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Level or category code of every value, in column order; -1 where missing."""
        index = np.empty((numeric.shape[0], self.n_features_in_), dtype=np.int64)
        index[:, self._columns.numeric_index] = self._levels(numeric)
        index[:, self._columns.categorical_index] = codes
        return index

    def _encode_parts(self, numeric: np.ndarray, codes: np.ndarray, out: np.ndarray) -> None:
        local = self._local_index(numeric, codes)
        # the kernel reads table columns offset + local: bound them here (numba checks nothing)
        if local.size and ((local < -1) | (local >= self._sizes)).any():
            raise ValueError("level or category index out of the fitted tables' bounds")
        index = np.where(local >= 0, local + self._offsets, -1)
        index, keys_t, table_t, tie = (
            readonly(a) for a in (index, self._keys_t, self._table_t, self.tie_))
        run_rows(
            lambda s, e, dest: _kernels.record_bundle_present(
                index[s:e], keys_t, table_t, tie, self._n_planes, dest
            ),
            out,
            rows_per_chunk(index.shape[1] * out.shape[1]),
        )

    def quantize(self, X: Any) -> np.ndarray:
        """Level (numeric column) or category index (categorical column) of every value of
        ``X``, shape ``(n_samples, n_features_in_)``, int64; -1 for a missing value or an
        unseen category.

        Examples
        --------
        >>> import numpy as np
        >>> from encoders import RecordEncoder
        >>> enc = RecordEncoder(dim=64, n_levels=5, random_state=0).fit([[0.0], [1.0]])
        >>> enc.quantize([[-1.0], [0.26], [0.5], [2.0], [np.nan]]).ravel().tolist()
        [0, 1, 2, 4, -1]
        """
        check_is_fitted(self, "dim_")
        X = self._validate_table(X, reset=False)
        return self._local_index(*self._columns.split(X))
