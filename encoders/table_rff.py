"""Binarised random Fourier features of a table: robustly scaled numbers plus category IDs."""

from __future__ import annotations

from typing import Any

import numpy as np

from encoders import _kernels
from encoders._base import SHARED_RULES
from encoders._columns import ColumnSelection, TableColumns
from encoders._table_fit import TableFit, TableStatistics
from hdc._exact_matmul import exact_matmul
from hdc._parallel import rows_per_chunk, run_rows
from hdc._parameters import Options, Real
from hdc._rbf_width import gamma_sample_rows, neighbour_gamma
from hdc._validation import readonly

__all__ = ["TableRFFEncoder"]

#: percentiles a numeric column is clipped to before scaling
CLIP_PERCENTILES = (1.0, 99.0)
#: a category's projection is that of its one-hot code scaled by this (a mismatch of two
#: categories then weighs as a distance of 1, as the 1st-99th percentile range of a number)
CATEGORY_SCALE = float(np.sqrt(0.5))


def _robust_range(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(low, high, centre)`` of every column of ``sample`` over its non-missing values: the
    1st and 99th percentiles and the median; zeros for a column without any value."""
    n_columns = sample.shape[1]
    low, high, centre = np.zeros(n_columns), np.zeros(n_columns), np.zeros(n_columns)
    for j in range(n_columns):
        present = sample[~np.isnan(sample[:, j]), j]
        if present.size:
            low[j], high[j] = np.percentile(present, CLIP_PERCENTILES)
            centre[j] = np.median(present)
    return low, high, centre


def _category_sq_distances(codes: np.ndarray) -> np.ndarray:
    """Squared distances between rows of their scaled one-hot codes, without building them:
    ``CATEGORY_SCALE**2`` per side present and not shared (a missing value has no one-hot)."""
    m = codes.shape[0]
    d2 = np.zeros((m, m))
    for c in codes.T:
        present = (c >= 0).astype(np.float64)
        same = (c[:, None] == c[None, :]) & (c[:, None] >= 0)
        d2 += present[:, None] + present[None, :] - 2.0 * same
    return d2 * CATEGORY_SCALE**2


class TableRFFEncoder(TableFit):
    """Binarised random Fourier features of a table's rows, after a robust scaling.

    Numeric columns are scaled so that their units do not matter: each value is clipped to the
    column's 1st-99th percentile range in ``fit`` and ``z = (x - median) / (p99 - p1)``, so
    every column spans about 1 whatever its units, an outlier cannot stretch the scale, and a
    column that is almost always 0 stays small instead of being blown up as standardisation
    would. A missing value becomes 0 (the median): it adds nothing to the projection. A
    categorical value adds a random Gaussian vector of its category (the projection of its
    one-hot code scaled by ``1 / sqrt(2)``, never built; one pool of vectors for all columns,
    made independent per column by random signs); a missing or unseen category adds nothing.
    Bit ``j`` is ``cos(w_j . z + b_j) > 0`` (Rahimi & Recht 2007; Raginsky & Lazebnik 2009),
    whose expected Hamming similarity is a monotone function of the RBF kernel ``exp(-gamma
    ||z - z'||^2)`` in that scaled space.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (``dim_``).
    categorical : "auto", boolean mask or list of column indices or names, default="auto"
        The categorical columns, as in :class:`encoders.RecordEncoder`.
    gamma : "auto" or float, default="auto"
        RBF width. ``"auto"``: ``0.5 / d2``, ``d2`` the median squared distance from a row to
        its nearest distinct row among up to 1,000 sampled rows, in the scaled space (near
        neighbours get a kernel value of about ``exp(-0.5)``;
        :func:`hdc._rbf_width.neighbour_gamma`).
    batch_size : int, default=1024
        Rows projected at a time; the ``(batch_size, dim)`` float32 block is the only
        temporary.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches.
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the projection, phases and category vectors (and of the sampled rows).

    Attributes
    ----------
    dim_, n_features_in_, feature_names_in_, categorical_, vocabularies_ :
        As in :class:`encoders.RecordEncoder`.
    low_, high_, centre_ : numpy.ndarray of float64, shape ``(n_numeric,)``
        1st and 99th percentiles and median of every numeric column, measured on all the rows
        up to 2,000,000 cells (at least 10,000 rows), on rows sampled by ``random_state``
        beyond.
    scale_ : numpy.ndarray of float64, shape ``(n_numeric,)``
        ``high_ - low_`` (1 for a column of one value).
    gamma_ : float
        RBF width used.
    components_ : numpy.ndarray of float32, shape ``(n_numeric, dim_)``
        Projection of the scaled numeric columns, in turns (``N(0, 2 gamma_) / (2 pi)``).
    ids_ : numpy.ndarray of float32, shape ``(n_ids, dim_)``
        Category vectors in turns, ``n_ids`` the largest number of categories of a column;
        memory ``4 * n_ids * dim_`` bytes.
    signs_ : numpy.ndarray of float32, shape ``(n_categorical, dim_)``
        Random signs that make the pool's vectors independent per column.
    phase_ : numpy.ndarray of float32, shape ``(dim_,)``
        Random phases in turns.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import TableRFFEncoder
    >>> X = np.array([[1.0, "a"], [250.0, "b"], [np.nan, "a"], [3.5, None]], dtype=object)
    >>> enc = TableRFFEncoder(dim=256, random_state=0).fit(X)
    >>> enc.transform(X).shape, enc.categorical_.tolist()
    ((4, 4), [False, True])
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        categorical: Any = "auto",
        gamma: float | str = "auto",
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.categorical = categorical
        self.gamma = gamma
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    _parameter_rules = {
        "categorical": ColumnSelection(),
        "gamma": (Options("auto"), Real(0, low_open=True)),
        **SHARED_RULES,
    }

    def _scaled(self, numeric: np.ndarray) -> np.ndarray:
        """Clipped, centred and scaled numeric columns; 0 for a missing value."""
        Z = (np.clip(numeric, self.low_, self.high_) - self.centre_) / self.scale_
        return np.nan_to_num(Z, nan=0.0)

    def _fit_table(self, columns: TableColumns, statistics: TableStatistics,
                   rng: np.random.Generator) -> None:
        numeric, codes = columns.split(statistics.sample)
        self.low_, self.high_, self.centre_ = _robust_range(numeric)
        span = self.high_ - self.low_
        self.scale_ = np.where(span > 0, span, 1.0)
        seed = int(rng.integers(2**31 - 1))
        if isinstance(self.gamma, str):
            rows = gamma_sample_rows(numeric.shape[0], seed)
            self.gamma_ = neighbour_gamma(self._scaled(numeric[rows]),
                                          _category_sq_distances(codes[rows]))
        else:
            self.gamma_ = float(self.gamma)
        turns = np.sqrt(2.0 * self.gamma_) / (2.0 * np.pi)  # the kernel works in turns
        self.components_ = (rng.standard_normal((numeric.shape[1], self.dim_), dtype=np.float32)
                            * np.float32(turns))
        n_ids = int(columns.cardinalities.max(initial=0))
        self.ids_ = (rng.standard_normal((n_ids, self.dim_), dtype=np.float32)
                     * np.float32(turns * CATEGORY_SCALE))
        flips = rng.random((codes.shape[1], self.dim_)) < 0.5
        self.signs_ = np.where(flips, -1.0, 1.0).astype(np.float32)
        self.phase_ = rng.random(self.dim_, dtype=np.float32)

    def _encode_parts(self, numeric: np.ndarray, codes: np.ndarray, out: np.ndarray) -> None:
        # exact: a row's code depends neither on its batch nor on the BLAS threads
        P = exact_matmul(self._scaled(numeric), self.components_).astype(np.float32)
        for k in range(codes.shape[1]):
            present = np.flatnonzero(codes[:, k] >= 0)
            if present.size:
                P[present] += self.ids_[codes[present, k]] * self.signs_[k]
        P, phase = readonly(np.ascontiguousarray(P)), readonly(self.phase_)  # one signature
        run_rows(lambda s, e, dest: _kernels.pack_projection(P[s:e], phase, True, dest),
                 out, rows_per_chunk(P.shape[1]))
