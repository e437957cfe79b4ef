"""Prototypes of issue 12's tabular defaults, measured by ``bench_tabular.py --proto``.

Phase 2 ports these into the library (``encoders/record.py``, ``hdc/classifier.py``,
``hdc/baselines/``); until then they live here so that the measurements in docs/tabular.md are
made with real code. Nothing in the library imports this file.

- :func:`column_kinds`, :func:`split_columns`: numeric / categorical columns of a numpy array
  (float or object) or a pandas DataFrame (duck-typed), missing values as NaN / None.
- :class:`MixedRecordEncoder`: the record encoding for mixed records. A numeric value is a
  level hypervector (per-feature quantile or uniform levels) bound (XOR) to its column's key, a
  categorical value a random ID hypervector bound to its column's key; a missing value and a
  category unseen in ``fit`` contribute nothing: the majority runs over the present columns
  only (:func:`record_bundle_present`).
- :class:`TabularProjectionEncoder`: binarised random Fourier features after a scale-free
  transform of the numeric columns (``scaling``: robust min-max, the one chosen, or
  quantile-normal / quantile-uniform / median-IQR / standard / min-max for the ablations); a
  categorical value adds a random Gaussian ID vector to the projection (the projection of its
  one-hot code, without building it); a missing value adds nothing.
- :class:`ConcatEncoder`: the bits of several encoders side by side (the sum of their kernels).
- :func:`auto_average`, :class:`AutoAverageHDClassifier`: ``average="auto"``.
- :func:`tabular_hdc`: ``HDClassifier`` with one of these encoders; :func:`proposed_hdc`: the
  design chosen for the new ``"auto"`` encoder and defaults.
- :class:`ScaledGLNClassifier`, :class:`ScaledKernelMachine`, :class:`HammingSVM`
  (:func:`hamming_svm`): the baselines with the defaults proposed for them.
- :func:`build_variant`, :func:`register_variants`: the variant names of the benchmark
  (``"hdc:encoder=concat;scaling=robust-minmax;average=auto"``).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numba import njit, prange
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from encoders._base import BaseEncoder
from encoders.record import _quantile_edges
from hdc import HDClassifier
from hdc._batch_retraining import cosine_gaps
from hdc._bitslice import add8, csa
from hdc._parameters import Boolean, Options
from hdc._validation import WORD_BITS, check_random_state
from hdc.items import item_memory, level
from hdc.ops import random as random_hv

__all__ = [
    "AutoAverageHDClassifier",
    "ConcatEncoder",
    "MixedRecordEncoder",
    "ScaledGLNClassifier",
    "ScaledKernelMachine",
    "TabularProjectionEncoder",
    "column_kinds",
    "HammingSVM",
    "auto_average",
    "build_variant",
    "hamming_svm",
    "proposed_hdc",
    "register_variants",
    "split_columns",
    "tabular_hdc",
]


# ------------------------------------------------------------------------- columns and kinds
def _is_missing(value: Any) -> bool:
    """None, NaN (float or numpy) or pandas' NA / NaT (duck-typed: pandas stays optional)."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(value != value)
    return type(value).__name__ in ("NAType", "NaTType")


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _is_dataframe(X: Any) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def column_kinds(X: Any, categorical: Any = "auto") -> np.ndarray:
    """Boolean mask of the categorical columns of ``X``.

    ``categorical="auto"``: a float / int / bool numpy array has none; in an object array a
    column is categorical when some non-missing value is not a real number (a ``str``, a bool,
    any object); in a pandas DataFrame a column is numeric when its dtype is (bool and
    pandas' ``category`` dtype are categorical). Otherwise ``categorical`` is a boolean mask or
    the column indices (or, for a DataFrame, names) of the categorical columns.
    """
    n_columns = X.shape[1]
    if not (isinstance(categorical, str) and categorical == "auto"):
        mask = np.zeros(n_columns, dtype=bool)
        values = np.asarray(categorical)
        if values.dtype == bool:
            if values.shape != (n_columns,):
                raise ValueError(
                    f"categorical as a mask must have {n_columns} entries, got {values.shape}"
                )
            return values.copy()
        for c in values.ravel().tolist():
            if _is_dataframe(X) and not isinstance(c, numbers.Integral):
                c = list(X.columns).index(c)
            if not isinstance(c, numbers.Integral) or not -n_columns <= c < n_columns:
                raise ValueError(f"categorical names column {c!r}, not in 0..{n_columns - 1}")
            mask[c] = True
        return mask
    if _is_dataframe(X):
        return np.array([
            getattr(dtype, "kind", "O") not in "iuf" for dtype in X.dtypes
        ], dtype=bool)
    X = np.asarray(X)
    if X.dtype != object:
        return np.zeros(n_columns, dtype=bool)
    mask = np.zeros(n_columns, dtype=bool)
    for j in range(n_columns):
        mask[j] = any(not _is_missing(v) and not _is_number(v) for v in X[:, j])
    return mask


def split_columns(X: Any, mask: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(numeric float64 (n, n_numeric) with NaN for missing, [object column per categorical
    column with None for missing])``."""
    n = X.shape[0]
    numeric_index = np.flatnonzero(~mask)
    if _is_dataframe(X):
        columns = [X.iloc[:, j] for j in range(X.shape[1])]
        numeric = np.empty((n, numeric_index.size), dtype=np.float64)
        for k, j in enumerate(numeric_index):
            col = columns[j]
            numeric[:, k] = col.to_numpy(dtype=np.float64, na_value=np.nan)
        cats = [np.array([None if _is_missing(v) else v for v in columns[j].to_numpy(object)],
                         dtype=object) for j in np.flatnonzero(mask)]
        return numeric, cats
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples x columns), got shape {X.shape}")
    if X.dtype != object:
        return np.asarray(X[:, numeric_index], dtype=np.float64), [
            X[:, j].astype(object) for j in np.flatnonzero(mask)]
    numeric = np.empty((n, numeric_index.size), dtype=np.float64)
    for k, j in enumerate(numeric_index):
        try:
            numeric[:, k] = [np.nan if _is_missing(v) else float(v) for v in X[:, j]]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"column {j} is numeric but holds a non-number: {exc}") from None
    cats = [np.array([None if _is_missing(v) else v for v in X[:, j]], dtype=object)
            for j in np.flatnonzero(mask)]
    return numeric, cats


def _vocabulary(values: np.ndarray) -> dict:
    """Category -> index, in a fixed order (by type name, then text) whatever the row order."""
    present = {v for v in values.tolist() if v is not None}
    return {v: i for i, v in enumerate(sorted(present, key=lambda v: (type(v).__name__, str(v))))}


def _codes(values: np.ndarray, vocabulary: dict) -> np.ndarray:
    """Index of every value in ``vocabulary``; -1 for a missing or unseen value."""
    get = vocabulary.get
    out = np.fromiter(
        (-1 if v is None else get(v, -1) for v in values.tolist()), dtype=np.int64,
        count=len(values),
    )
    return out


# ------------------------------------------------------------------------- numeric levels
def nan_quantile_edges(X: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`encoders.record._quantile_edges` per column over its non-missing values only."""
    n_features = X.shape[1]
    edges = np.full((n_features, max(n_levels - 1, 0)), np.inf)
    counts = np.zeros(n_features, dtype=np.int64)
    for j in range(n_features):
        present = X[:, j][~np.isnan(X[:, j])]
        if present.size:
            e, c = _quantile_edges(present[:, None], n_levels)
            edges[j], counts[j] = e[0], c[0]
    return edges, counts


def quantile_levels(X: np.ndarray, edges: np.ndarray, n_edges: np.ndarray, n_levels: int):
    """Level of every value as in ``RecordEncoder(quantization="quantile")``; -1 for NaN."""
    count = np.zeros(X.shape, dtype=np.int64)
    for k in range(edges.shape[1]):
        count += X >= edges[:, k]
    m = np.maximum(n_edges, 1)
    out = (2 * (n_levels - 1) * count + m) // (2 * m)
    out[np.isnan(X)] = -1
    return out


def uniform_levels(X: np.ndarray, low: np.ndarray, high: np.ndarray, n_levels: int):
    """Evenly spaced levels between the fitted minimum and maximum, clipped; -1 for NaN."""
    span = np.where(high > low, high - low, 1.0)
    with np.errstate(invalid="ignore"):
        q = np.rint((np.clip(X, low, high) - low) / span * (n_levels - 1))
    q = np.where(high > low, q, 0.0)
    out = np.where(np.isnan(X), -1, q).astype(np.int64)
    return out


# ------------------------------------------------------------------------- the bundling kernel
@njit(cache=True, nogil=True, parallel=True)
def record_bundle_present(index, keys_t, table_t, tie, n_planes, out):
    """Majority over the present columns of ``keys[f] XOR table[index[i, f]]``, per row.

    ``index[i, f] < 0`` marks a missing value (or an unseen category): the column adds no vote,
    and the majority threshold is half the number of present columns of that row. Ties (an even
    number of present columns split evenly) take the bits of ``tie``; a row with no present
    column is ``tie``. Layouts as in :func:`encoders._kernels.record_bundle`: keys_t (W, F),
    table_t (W, T), ``n_planes >= max(4, bit_length(F))``.
    """
    n, n_features = index.shape
    n_words = out.shape[1]
    n_full = n_features - n_features % 16
    for i in prange(n):
        planes = np.zeros(n_planes, dtype=np.uint64)
        v = np.empty(16, dtype=np.uint64)
        row = index[i]
        present = 0
        for f in range(n_features):
            if row[f] >= 0:
                present += 1
        half = present // 2
        even = present % 2 == 0
        for w in range(n_words):
            for lv in range(n_planes):
                planes[lv] = 0
            ones = np.uint64(0)
            twos = np.uint64(0)
            fours = np.uint64(0)
            eights = np.uint64(0)
            for f in range(0, n_full, 16):
                for k in range(16):
                    q = row[f + k]
                    v[k] = keys_t[w, f + k] ^ table_t[w, q] if q >= 0 else np.uint64(0)
                ones, twos, fours, eight_a = add8(
                    ones, twos, fours, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
                )
                ones, twos, fours, eight_b = add8(
                    ones, twos, fours, v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
                )
                eights, carry = csa(eights, eight_a, eight_b)
                for lv in range(4, n_planes):
                    p = planes[lv]
                    planes[lv] = p ^ carry
                    carry = p & carry
            planes[0] = ones
            planes[1] = twos
            planes[2] = fours
            planes[3] = eights
            for f in range(n_full, n_features):
                q = row[f]
                if q < 0:
                    continue
                carry = keys_t[w, f] ^ table_t[w, q]
                for lv in range(n_planes):
                    p = planes[lv]
                    planes[lv] = p ^ carry
                    carry = p & carry
            # bit-sliced comparison of the vertical counts with half
            gt = np.uint64(0)
            eq = ~np.uint64(0)
            for lv in range(n_planes - 1, -1, -1):
                p = planes[lv]
                if (half >> lv) & 1:
                    eq &= p
                else:
                    gt |= eq & p
                    eq &= ~p
            out[i, w] = gt | (eq & tie[w]) if even else gt


# ------------------------------------------------------------------------- record encoder
class MixedRecordEncoder(BaseEncoder):
    """Record encoding of mixed numeric / categorical rows with missing values.

    Row ``x`` becomes ``majority_{f present} key[f] XOR value_f(x_f)``: ``value_f`` is a level
    hypervector (:func:`hdc.level`, ``n_levels`` per numeric column, quantile or uniform edges
    learned on the non-missing values) for a numeric column, a random ID hypervector per
    category for a categorical one. Missing values (NaN, None, pandas' NA) and categories not
    seen in ``fit`` are left out of the majority; rows stay comparable because every code is a
    full binary vector (the majority of whatever is present), ties take a fixed random vector.

    Category IDs come from one pool of ``max cardinality`` random vectors shared by the columns:
    the XOR with each column's random key makes them independent across columns, so memory is
    ``(n_levels + max_cardinality) * dim / 8`` bytes, not one vector per (column, category).
    """

    def __init__(self, dim: int = 10000, n_levels: int = 32, quantization: str = "quantile",
                 categorical: Any = "auto", batch_size: int = 1024, verbose: bool = False,
                 random_state: Any = None) -> None:
        self.dim = dim
        self.n_levels = n_levels
        self.quantization = quantization
        self.categorical = categorical
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> MixedRecordEncoder:
        if self.quantization not in ("quantile", "uniform"):
            raise ValueError(
                f"quantization must be 'quantile' or 'uniform', got {self.quantization!r}"
            )
        self.dim_ = self._resolve_dim()
        self.n_features_in_ = X.shape[1]
        self.categorical_ = column_kinds(X, self.categorical)
        numeric, cats = split_columns(X, self.categorical_)
        n_levels = int(self.n_levels)
        if self.quantization == "quantile":
            self.edges_, self._n_edges = nan_quantile_edges(numeric, n_levels)
        else:
            present = ~np.isnan(numeric)
            any_present = present.any(axis=0)
            self.low_ = np.where(any_present, np.where(present, numeric, np.inf).min(axis=0), 0.0)
            self.high_ = np.where(any_present, np.where(present, numeric, -np.inf).max(axis=0), 0.0)
        self.vocabularies_ = [_vocabulary(c) for c in cats]
        pool = max([len(v) for v in self.vocabularies_], default=0)
        rng = check_random_state(self.random_state)
        self.levels_ = level(n_levels, self.dim_, rng)
        self.keys_ = item_memory(self.n_features_in_, self.dim_, rng)
        words = self.dim_ // WORD_BITS
        self.ids_ = item_memory(pool, self.dim_, rng) if pool else np.zeros((0, words), np.uint64)
        self.tie_ = random_hv(None, self.dim_, rng)
        self._n_levels = n_levels
        # column order of the kernel: numeric columns then categorical ones (the keys follow)
        order = np.concatenate(
            [np.flatnonzero(~self.categorical_), np.flatnonzero(self.categorical_)]
        )
        self._keys_t = np.ascontiguousarray(self.keys_[order].T)
        self._table_t = np.ascontiguousarray(np.concatenate([self.levels_, self.ids_]).T)
        self._n_planes = max(4, int(self.n_features_in_).bit_length())
        return self

    def _index(self, X: Any) -> np.ndarray:
        numeric, cats = split_columns(X, self.categorical_)
        if self.quantization == "quantile":
            q = quantile_levels(numeric, self.edges_, self._n_edges, self._n_levels)
        else:
            q = uniform_levels(numeric, self.low_, self.high_, self._n_levels)
        parts = [q]
        for values, vocabulary in zip(cats, self.vocabularies_, strict=True):
            codes = _codes(values, vocabulary)
            parts.append(np.where(codes >= 0, codes + self._n_levels, -1)[:, None])
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.int64)

    def _encode_batch(self, X: Any, out: np.ndarray) -> None:
        record_bundle_present(self._index(X), self._keys_t, self._table_t, self.tie_,
                              self._n_planes, out)

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "dim_")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} columns, the encoder was fitted on {self.n_features_in_}"
            )
        if _is_dataframe(X):
            X = X.to_numpy(dtype=object)
        return self._transform_in_batches(X)


# ------------------------------------------------------------------------- projection encoder
_SCALINGS = ("quantile-normal", "quantile-uniform", "robust", "standard", "minmax",
             "robust-minmax", "none")


class _ColumnScaler:
    """Scale-free numeric transforms fitted on the non-missing values; NaN stays NaN."""

    def __init__(self, scaling: str, n_quantiles: int = 1000) -> None:
        self.scaling = scaling
        self.n_quantiles = n_quantiles

    def fit(self, X: np.ndarray) -> _ColumnScaler:
        if self.scaling.startswith("quantile"):
            from sklearn.preprocessing import QuantileTransformer

            n = max(1, min(self.n_quantiles, X.shape[0]))
            self.model = QuantileTransformer(n_quantiles=n, output_distribution=self.scaling[9:],
                                             subsample=100_000, random_state=0).fit(X)
        elif self.scaling in ("minmax", "robust-minmax"):
            tail = 1.0 if self.scaling == "robust-minmax" else 0.0
            with np.errstate(all="ignore"):
                low = np.nanpercentile(X, tail, axis=0)
                high = np.nanpercentile(X, 100 - tail, axis=0)
            self.low, self.high = np.nan_to_num(low), np.nan_to_num(high)
            span = self.high - self.low
            self.scale = np.where(span > 0, span, 1.0)
            # the centre a missing value takes: the median, in scaled units
            self.centre = np.nan_to_num(np.nanmedian(X, axis=0))
        elif self.scaling in ("robust", "standard"):
            with np.errstate(all="ignore"):
                if self.scaling == "robust":
                    self.centre = np.nanmedian(X, axis=0)
                    spread = np.nanpercentile(X, 75, axis=0) - np.nanpercentile(X, 25, axis=0)
                    # a quartile range of 0 (mostly one value): fall back to the standard deviation
                    std = np.nanstd(X, axis=0)
                    spread = np.where(spread > 0, spread / 1.349, std)
                else:
                    self.centre = np.nanmean(X, axis=0)
                    spread = np.nanstd(X, axis=0)
            self.centre = np.nan_to_num(self.centre)
            self.scale = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.scaling.startswith("quantile"):
            Z = self.model.transform(X)
            if self.scaling == "quantile-uniform":
                Z = Z - 0.5  # centred, so that a missing value (0) sits at the median
        elif self.scaling in ("minmax", "robust-minmax"):
            Z = (np.clip(X, self.low, self.high) - self.centre) / self.scale
        elif self.scaling == "none":
            Z = X.copy()
        else:
            Z = (X - self.centre) / self.scale
            if self.scaling == "robust":
                Z = np.clip(Z, -5.0, 5.0)
        return Z


def neighbour_sq_distance(Z: np.ndarray, n_rows: int = 1000, seed: int = 0) -> float:
    """Median squared distance from a sampled row to its nearest distinct sampled row."""
    rng = np.random.default_rng([seed, 1])
    rows = np.sort(rng.choice(Z.shape[0], size=min(n_rows, Z.shape[0]), replace=False))
    S = Z[rows].astype(np.float64)
    squares = np.einsum("ij,ij->i", S, S)
    d2 = squares[:, None] + squares[None, :] - 2.0 * (S @ S.T)
    d2[d2 <= 1e-9 * max(float(squares.max(initial=0.0)), 1e-300)] = np.inf
    nearest = d2.min(axis=1, initial=np.inf)
    nearest = nearest[np.isfinite(nearest)]
    return float(np.median(nearest)) if nearest.size else 1.0


class TabularProjectionEncoder(BaseEncoder):
    """Binarised random Fourier features of scale-free numeric columns plus categorical IDs.

    Numeric columns go through ``scaling`` (``"quantile-normal"``: each column's empirical CDF
    then the normal quantile function; ``"robust"``: (x - median) / (IQR / 1.349), clipped to
    +-5; ``"standard"``), a missing value becomes 0 (the centre: it adds nothing to the
    projection ``w . z``). A categorical value adds a random Gaussian vector of its category
    (per column: a pool row times the column's random signs), which is the projection of its
    one-hot code scaled by ``category_scale``; missing or unseen categories add nothing. Bit
    ``j`` is ``cos(z_j + b_j) > 0`` with ``z = sqrt(2 gamma) (W z_num + sum of IDs)``.

    ``gamma="neighbour"``: ``gamma_scale / d2``, ``d2`` the median squared distance to the
    nearest distinct row among up to 1,000 sampled rows (in the transformed space, categorical
    mismatches counting ``2 category_scale^2`` each); ``gamma="dims"``: ``gamma_scale /
    n_features`` (scikit-learn's ``"scale"`` on unit-variance columns); or a number.
    """

    def __init__(self, dim: int = 10000, scaling: str = "quantile-normal", gamma: Any = "neighbour",
                 gamma_scale: float = 0.5, category_scale: float = 0.7071,
                 categorical: Any = "auto",
                 batch_size: int = 1024, verbose: bool = False, random_state: Any = None) -> None:
        self.dim = dim
        self.scaling = scaling
        self.gamma = gamma
        self.gamma_scale = gamma_scale
        self.category_scale = category_scale
        self.categorical = categorical
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    def _features(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Transformed numeric block (NaN -> 0) and category codes (-1 missing / unseen)."""
        numeric, cats = split_columns(X, self.categorical_)
        Z = self.scaler_.transform(numeric) if numeric.shape[1] else numeric
        Z = np.nan_to_num(Z, nan=0.0)
        if cats:
            codes = np.column_stack(
                [_codes(c, v) for c, v in zip(cats, self.vocabularies_, strict=True)]
            )
        else:
            codes = np.zeros((numeric.shape[0], 0), dtype=np.int64)
        return Z, codes

    def _distance_features(self, Z: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Rows whose squared distances equal the kernel's: numeric block, scaled one-hot."""
        if codes.shape[1] == 0:
            return Z
        blocks = [Z]
        for k, vocabulary in enumerate(self.vocabularies_):
            onehot = np.zeros((codes.shape[0], max(1, len(vocabulary))))
            present = codes[:, k] >= 0
            onehot[np.flatnonzero(present), codes[present, k]] = float(self.category_scale)
            blocks.append(onehot)
        return np.hstack(blocks)

    def fit(self, X: Any, y: Any = None) -> TabularProjectionEncoder:
        if self.scaling not in _SCALINGS:
            raise ValueError(f"scaling must be one of {_SCALINGS}, got {self.scaling!r}")
        self.dim_ = self._resolve_dim()
        self.n_features_in_ = X.shape[1]
        self.categorical_ = column_kinds(X, self.categorical)
        numeric, cats = split_columns(X, self.categorical_)
        self.scaler_ = _ColumnScaler(self.scaling).fit(numeric) if numeric.shape[1] else None
        self.vocabularies_ = [_vocabulary(c) for c in cats]
        Z, codes = self._features(X)
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        if isinstance(self.gamma, str) and self.gamma == "neighbour":
            d2 = neighbour_sq_distance(self._distance_features(Z, codes), seed=seed)
            self.gamma_ = float(self.gamma_scale) / d2
        elif isinstance(self.gamma, str) and self.gamma == "dims":
            self.gamma_ = float(self.gamma_scale) / max(1, self.n_features_in_)
        else:
            self.gamma_ = float(self.gamma)
        turns = np.sqrt(2.0 * self.gamma_) / (2.0 * np.pi)  # projections in turns, as the kernel
        self.components_ = (rng.standard_normal((Z.shape[1], self.dim_), dtype=np.float32)
                            * np.float32(turns))
        pool = max([len(v) for v in self.vocabularies_], default=0)
        self.ids_ = rng.standard_normal((pool, self.dim_), dtype=np.float32) * np.float32(
            turns * float(self.category_scale))
        flips = rng.random((len(cats), self.dim_)) < 0.5
        self.signs_ = np.where(flips, -1.0, 1.0).astype(np.float32)
        self.phase_ = rng.random(self.dim_, dtype=np.float32)
        return self

    def _encode_batch(self, X: Any, out: np.ndarray) -> None:
        from encoders import _kernels

        Z, codes = self._features(X)
        P = Z.astype(np.float32) @ self.components_
        for k in range(codes.shape[1]):
            present = codes[:, k] >= 0
            if present.any():
                P[present] += self.ids_[codes[present, k]] * self.signs_[k]
        _kernels.pack_projection(P, self.phase_, True, out)

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "dim_")
        if _is_dataframe(X):
            X = X.to_numpy(dtype=object)
        return self._transform_in_batches(X)


class ConcatEncoder(BaseEncoder):
    """Bits of several encoders side by side: Hamming similarity is the sum of theirs.

    ``encoders`` is a list of (encoder, share of ``dim``); shares are rounded to whole words.
    """

    def __init__(self, encoders: Any = None, dim: int = 10000, random_state: Any = None) -> None:
        self.encoders = encoders
        self.dim = dim
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> ConcatEncoder:
        words = self._resolve_dim() // WORD_BITS
        shares = np.array([s for _, s in self.encoders], dtype=float)
        sizes = np.maximum(1, np.floor(words * shares / shares.sum()).astype(int))
        sizes[-1] = max(1, words - sizes[:-1].sum())
        rng = check_random_state(self.random_state)
        self.encoders_ = []
        for (encoder, _), size in zip(self.encoders, sizes, strict=True):
            e = clone(encoder).set_params(dim=int(size) * WORD_BITS,
                                          random_state=int(rng.integers(2**31 - 1)))
            self.encoders_.append(e.fit(X))
        self.dim_ = int(sizes.sum()) * WORD_BITS
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "dim_")
        return np.ascontiguousarray(np.hstack([e.transform(X) for e in self.encoders_]))


# ------------------------------------------------------------------------- classifiers
def tabular_hdc(encoder: str = "record", dim: int = 10000, epochs: int = 30, lr: float = 1.0,
                margin: Any = "auto", average: Any = False, random_state: Any = None,
                **encoder_params: Any):
    """``HDClassifier`` with a candidate ``"auto"`` encoder: ``"record"``
    (:class:`MixedRecordEncoder`), ``"projection"`` (:class:`TabularProjectionEncoder`) or
    ``"concat"`` (record and projection halves, :class:`ConcatEncoder`; ``share`` = the record
    part's share)."""
    if encoder == "record":
        enc = MixedRecordEncoder(dim=dim, **encoder_params)
    elif encoder == "projection":
        enc = TabularProjectionEncoder(dim=dim, **encoder_params)
    elif encoder == "concat":
        share = encoder_params.pop("share", 0.5)
        record_params = {k[7:]: v for k, v in encoder_params.items() if k.startswith("record_")}
        proj_params = {k: v for k, v in encoder_params.items() if not k.startswith("record_")}
        enc = ConcatEncoder([(MixedRecordEncoder(**record_params), share),
                             (TabularProjectionEncoder(**proj_params), 1.0 - share)], dim=dim)
    else:
        raise ValueError(f"unknown encoder {encoder!r}")
    return AutoAverageHDClassifier(encoder=enc, epochs=epochs, lr=lr, margin=margin,
                                   average=average, random_state=random_state)


def proposed_hdc(dim: int = 10000, random_state: Any = None) -> HDClassifier:
    """The chosen design: record code (quantile levels, categorical IDs) and robust min-max
    RFF code, half the bits each, ``average="auto"``; ``epochs``, ``lr``, ``margin`` as today.
    Benchmark name ``hdc:encoder=concat;scaling=robust-minmax;average=auto``."""
    return tabular_hdc("concat", dim=dim, scaling="robust-minmax", average="auto",
                       random_state=random_state)


# ------------------------------------------------------------------------- named variants
def _parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def parse_variant(name: str) -> tuple[str, dict]:
    """``"hdc:encoder=record;n_levels=16"`` -> ``("hdc", {"encoder": "record", "n_levels":
    16})``."""
    family, _, rest = name.partition(":")
    params = {}
    for item in filter(None, rest.split(";")):
        key, _, value = item.partition("=")
        params[key] = _parse_value(value)
    return family, params


def build_variant(name: str, table: Any, seed: int) -> Any:
    """The estimator of a variant name for a :class:`hdkit.tabular.Table` (no preprocessing:
    the prototypes take mixed records as they are)."""
    family, params = parse_variant(name)
    if family == "hdc":
        return tabular_hdc(random_state=seed, **params)
    if family == "hdc1hot":  # the same model behind median imputation and one-hot columns
        from hdkit.tabular import _with_preprocessing

        return _with_preprocessing(table, tabular_hdc(random_state=seed, **params), scale=False,
                                   dense=True)
    if family == "hdcprep":  # a scikit-learn transform first, then HDClassifier's own "auto"
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import QuantileTransformer, RobustScaler, StandardScaler

        from hdc import HDClassifier
        from hdkit.tabular import preprocessor

        scaler = {"standard": StandardScaler(), "robust": RobustScaler(),
                  "quantile": QuantileTransformer(output_distribution="normal",
                                                  n_quantiles=min(1000, table.n_rows))}[
            params.pop("scaler")]
        return make_pipeline(preprocessor(table, scale=False, dense=True), scaler,
                             HDClassifier(random_state=seed, **params))
    if family == "gln":
        model = ScaledGLNClassifier(random_state=seed, **params)
    elif family == "kernel":
        model = ScaledKernelMachine(random_state=seed, **params)
    elif family == "hamming":
        model = hamming_svm(random_state=seed, **params)
    else:
        raise ValueError(f"unknown variant family {family!r} in {name!r}")
    # the baselines take numbers: categorical columns one-hot, missing numbers imputed
    from hdkit.tabular import _with_preprocessing

    return _with_preprocessing(table, model, scale=False, dense=True)


def register_variants(names: list[str]) -> None:
    """Add variant names to :data:`hdkit.tabular.MODELS`."""
    from hdkit.tabular import ModelSpec, register_model

    for name in names:
        family = parse_variant(name)[0]
        preprocessing = ("none (mixed records as they are)" if family == "hdc" else
                         "median imputation of numeric columns, one-hot categoricals (dense); "
                         "the model scales its inputs itself")
        register_model(ModelSpec(name, name, lambda table, seed, name=name: build_variant(
            name, table, seed), preprocessing))


# ------------------------------------------------------------------------- baselines
def _scaler(scaling: str, n_rows: int) -> Any:
    from sklearn.preprocessing import QuantileTransformer, StandardScaler

    if scaling == "standard":
        return StandardScaler()
    if scaling == "quantile":
        return QuantileTransformer(n_quantiles=max(1, min(1000, n_rows)),
                                   output_distribution="normal", random_state=0)
    if scaling == "none":
        return None
    raise ValueError(f"scaling must be 'standard', 'quantile' or 'none', got {scaling!r}")


class ScaledGLNClassifier(ClassifierMixin, BaseEstimator):
    """``GLNClassifier`` with the proposed defaults: inputs standardised per feature and clipped
    (``clip`` standard deviations), the samples visited in a fresh random order every epoch,
    ``epochs="auto"``: ``ceil(min_visits / n)`` passes, at most ``max_epochs`` (enough sample
    visits on small data), and ``learning_rate_scale="auto"``: ``max(lr_floor, n *
    lr_per_sample)`` (the ``c`` of ``lr_t = min(c / t, learning_rate)``)."""

    def __init__(self, scaling: str = "standard", clip: float = 5.0, epochs: Any = "auto",
                 min_visits: int = 20000, max_epochs: int = 20, learning_rate_scale: Any = "auto",
                 lr_per_sample: float = 1 / 300, lr_floor: float = 10.0, shuffle: bool = True,
                 layer_sizes=(16, 16),
                 context_dim: int = 4, learning_rate: float = 0.01, base: str = "minmax",
                 random_state: Any = None) -> None:
        self.scaling = scaling
        self.clip = clip
        self.epochs = epochs
        self.min_visits = min_visits
        self.max_epochs = max_epochs
        self.learning_rate_scale = learning_rate_scale
        self.lr_per_sample = lr_per_sample
        self.lr_floor = lr_floor
        self.shuffle = shuffle
        self.layer_sizes = layer_sizes
        self.context_dim = context_dim
        self.learning_rate = learning_rate
        self.base = base
        self.random_state = random_state

    def _epochs(self, n: int) -> int:
        if self.epochs == "auto":
            return int(min(self.max_epochs, max(1, int(np.ceil(self.min_visits / max(n, 1))))))
        return int(self.epochs)

    def fit(self, X: Any, y: Any) -> ScaledGLNClassifier:
        from hdc.baselines import GLNClassifier

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.scaler_ = _scaler(self.scaling, X.shape[0])
        Z = X if self.scaler_ is None else self.scaler_.fit_transform(X)
        if self.clip:
            Z = np.clip(Z, -self.clip, self.clip)
        n = Z.shape[0]
        scale = (max(float(self.lr_floor), n * float(self.lr_per_sample))
                 if self.learning_rate_scale == "auto"
                 else float(self.learning_rate_scale))
        rng = check_random_state(self.random_state)
        self.gln_ = GLNClassifier(layer_sizes=self.layer_sizes, context_dim=self.context_dim,
                                  learning_rate=self.learning_rate, learning_rate_scale=scale,
                                  base=self.base, random_state=int(rng.integers(2**31 - 1)))
        classes = np.unique(y)
        self.epochs_ = self._epochs(n)
        for _ in range(self.epochs_):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            self.gln_.partial_fit(Z[order], y[order], classes=classes)
        self.classes_ = self.gln_.classes_
        return self

    def _z(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        Z = X if self.scaler_ is None else self.scaler_.transform(X)
        return np.clip(Z, -self.clip, self.clip) if self.clip else Z

    def predict(self, X: Any) -> np.ndarray:
        return self.gln_.predict(self._z(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.gln_.predict_proba(self._z(X))


class ScaledKernelMachine(ClassifierMixin, BaseEstimator):
    """``KernelMachineClassifier`` whose float inputs are standardised first (``scale``)."""

    def __init__(self, kernel: str = "rbf", C: float = 1.0, scale: bool = True,
                 random_state: Any = None) -> None:
        self.kernel = kernel
        self.C = C
        self.scale = scale
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> ScaledKernelMachine:
        from sklearn.preprocessing import StandardScaler

        from hdc.baselines import KernelMachineClassifier

        X = np.asarray(X, dtype=np.float64)
        self.scaler_ = StandardScaler().fit(X) if self.scale else None
        Z = X if self.scaler_ is None else self.scaler_.transform(X)
        self.svm_ = KernelMachineClassifier(kernel=self.kernel, C=self.C,
                                            random_state=self.random_state).fit(Z, y)
        self.classes_ = self.svm_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return self.svm_.predict(X if self.scaler_ is None else self.scaler_.transform(X))


class HammingSVM(ClassifierMixin, BaseEstimator):
    """SVC on packed hypervectors with a normalised Hamming kernel.

    ``normalisation``: ``"none"``: ``K = 1 - 2 h / dim`` (today's kernel); ``"spread"``: the
    same kernel divided by ``1 - m``, ``m`` the mean off-diagonal value of the training Gram
    matrix (for an SVM with a bias this equals ``C / (1 - m)``: the penalty measured against the
    typical distance between codes); ``"exp"``: ``exp(-h / mean_h)``, a Laplacian kernel on
    the codes whose width is the mean Hamming distance (``gamma="scale"``'s idea).
    """

    def __init__(self, C: float = 1.0, normalisation: str = "spread") -> None:
        self.C = C
        self.normalisation = normalisation

    def _gram(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        from hdc.baselines.kernel_machine import hamming_kernel

        K = hamming_kernel(A, B)
        if self.normalisation == "spread":
            return K / self.spread_
        if self.normalisation == "exp":
            return np.exp(-(1.0 - K) / 2.0 / self.mean_distance_)
        return K

    def fit(self, H: np.ndarray, y: Any) -> HammingSVM:
        from sklearn.svm import SVC

        from hdc.baselines.kernel_machine import hamming_kernel

        K = hamming_kernel(H, H)
        off = K[~np.eye(K.shape[0], dtype=bool)]
        mean = float(off.mean()) if off.size else 0.0
        self.spread_ = max(1e-3, 1.0 - mean)
        self.mean_distance_ = max(1e-6, (1.0 - mean) / 2.0)
        self.train_ = H
        self.svm_ = SVC(kernel="precomputed", C=self.C).fit(self._gram(H, H), y)
        self.classes_ = self.svm_.classes_
        return self

    def predict(self, H: np.ndarray) -> np.ndarray:
        return self.svm_.predict(self._gram(H, self.train_))


def hamming_svm(dim: int = 10240, C: float = 1.0, normalisation: str = "spread",
                quantization: str = "uniform", random_state: Any = None) -> Any:
    """``RecordEncoder(dim)`` (numeric input, as today) + :class:`HammingSVM`."""
    from sklearn.pipeline import make_pipeline

    from encoders import RecordEncoder

    encoder = RecordEncoder(dim=dim, quantization=quantization, random_state=random_state)
    return make_pipeline(encoder, HammingSVM(C=C, normalisation=normalisation))


# ------------------------------------------------------------------------- averaging "auto"
def auto_average(gaps: np.ndarray) -> bool:
    """``average="auto"``: average when the bundled class prototypes win at most half of the
    training rows (median gap <= 0, the case where ``margin="auto"`` resolves to 0).

    Classes that overlap that much (label noise, a high Bayes error) make the last perceptron
    iterate chase noise; the averaged perceptron (Freund & Schapire 1999) is the remedy. On
    separable data it costs a little accuracy and one more vector update per retraining update,
    so it stays off there.
    """
    return bool(gaps.size and float(np.median(gaps)) <= 0.0)


class AutoAverageHDClassifier(HDClassifier):
    """``HDClassifier`` with ``average="auto"`` (:func:`auto_average`); the choice made is
    stored in ``average_``."""

    _parameter_rules = {
        **HDClassifier._parameter_rules,
        "average": (Options("auto"), Boolean()),
    }

    def _retrain(self, H, y_idx, epochs, rng):
        average = self.average
        if isinstance(average, str):
            self.average_ = auto_average(cosine_gaps(H, y_idx, self.counters_)) if epochs else False
        else:
            self.average_ = bool(average)
        self.average = self.average_
        try:
            super()._retrain(H, y_idx, epochs, rng)
        finally:
            self.average = average
