"""Record encoding: a feature vector as the bundle of (feature ID XOR level of its value)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from encoders import _kernels
from encoders._base import SHARED_RULES, BaseEncoder
from hdc._parameters import Integer, Options
from hdc._validation import WORD_BITS, check_random_state
from hdc.items import item_memory, level
from hdc.ops import permute, random

__all__ = ["RecordEncoder"]


def _quantile_edges(X: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(n_features, n_levels - 1)`` (ascending, unused slots +inf) and their counts.

    The quantiles at ``k / n_levels`` of every column, an edge at the column's minimum moved to
    the smallest value above it (so a tied minimum gets level 0 alone), duplicates removed.
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


class RecordEncoder(BaseEncoder):
    """Encode dense feature vectors as bundles of bound (feature, value) pairs.

    Each feature ``f`` has a random ID hypervector; its value is quantised to one of
    ``n_levels`` correlated level hypervectors (:func:`hdc.level`: nearby values get nearby
    vectors, the two ends are orthogonal). A sample is the bitwise majority over features of
    ``ID[f] XOR level[q_f]`` (``binding="id"``) or of ``level[q_f]`` rotated by ``f`` bits
    (``binding="permute"``, :func:`hdc.permute`). Every output bit is a random threshold unit of
    the quantised features, so the encoding is non-linear, which is what lets a linear
    associative memory on top of it separate classes that are not linearly separable.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits of the hypervectors; rounded up to a multiple of 64 (``dim_``).
    n_levels : int, default=32
        Number of quantisation levels (and level hypervectors) per feature.
    binding : {"id", "permute"}, default="id"
        How the level of a value is tied to its feature: XOR with a random feature ID, or a
        cyclic rotation by the feature's index (no ID memory, but ``n_features * n_levels``
        rotated levels are precomputed).
    quantization : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: levels evenly spaced between the per-feature minimum and maximum seen in
        ``fit``; ``"quantile"``: level edges at the per-feature quantiles (equal-mass bins, see
        ``edges_``). Either way the map from value to level is monotone, the fitted minimum and
        any value below it get level 0, the fitted maximum and any value above it get level
        ``n_levels - 1`` (a constant feature only ever gets level 0).
    batch_size : int, default=1024
        Rows encoded at a time; memory stays ``O(batch_size * n_features)`` beyond the output.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches (needs ``tqdm``).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the ID, level and tie-breaking hypervectors.

    Attributes
    ----------
    dim_ : int
        Number of bits used (``dim`` rounded up to a multiple of 64).
    n_features_in_ : int
        Number of features seen in ``fit``.
    keys_ : numpy.ndarray of uint64, shape ``(n_features_in_, dim_ // 64)``
        Feature IDs (all zeros for ``binding="permute"``).
    levels_ : numpy.ndarray of uint64, shape ``(n_levels, dim_ // 64)``
        Level hypervectors.
    low_, high_ : numpy.ndarray of float64, shape ``(n_features_in_,)``
        Fitted range per feature (``"uniform"``).
    edges_ : numpy.ndarray of float64, shape ``(n_features_in_, n_levels - 1)``
        Level edges per feature (``"quantile"``), ascending: the distinct quantiles at
        ``1/n_levels, ..., (n_levels - 1)/n_levels`` of the training values, an edge at the
        minimum being moved to the smallest training value above it; the unused slots (tied
        quantiles, constant feature) hold ``+inf``. With ``m`` finite edges, a value ``x`` with
        ``c`` edges ``<= x`` gets level ``round(c * (n_levels - 1) / m)`` (level 0 if ``m == 0``).
        Untied data have ``m = n_levels - 1`` edges and equal-mass levels; a tied mass of values
        shares one level, and the levels left free are spread evenly over the remaining edges.

    Notes
    -----
    With an even number of features a bit can tie; ties take the bits of a fixed random vector
    (``tie_``), so the encoding is a deterministic function of the input. NaN or infinite values
    raise a ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import RecordEncoder
    >>> X = np.array([[0.0, 1.0], [0.5, 0.2], [1.0, 0.0]])
    >>> enc = RecordEncoder(dim=1000, n_levels=8, random_state=0).fit(X)
    >>> H = enc.transform(X)
    >>> H.shape, H.dtype, enc.dim_
    ((3, 16), dtype('uint64'), 1024)
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        n_levels: int = 32,
        binding: str = "id",
        quantization: str = "uniform",
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.n_levels = n_levels
        self.binding = binding
        self.quantization = quantization
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    _parameter_rules = {
        "n_levels": Integer(1),
        "binding": Options("id", "permute"),
        "quantization": Options("uniform", "quantile"),
        **SHARED_RULES,
    }

    def fit(self, X: Any, y: Any = None) -> RecordEncoder:
        """Learn the per-feature ranges and draw the ID and level hypervectors.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features)``
            Finite numeric features.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True)
        self.dim_ = self._resolve_dim()
        n_features = X.shape[1]
        n_levels = int(self.n_levels)
        # transform uses the parameters fitted, whatever set_params changes afterwards
        self._n_levels, self._binding = n_levels, self.binding
        self._quantization = self.quantization
        rng = check_random_state(self.random_state)
        self.levels_ = level(n_levels, self.dim_, rng)
        if self.binding == "id":
            self.keys_ = item_memory(n_features, self.dim_, rng)
            self._table = self.levels_
        else:
            self.keys_ = np.zeros((n_features, self.dim_ // WORD_BITS), dtype=np.uint64)
            self._table = np.concatenate([permute(self.levels_, f) for f in range(n_features)])
        self.tie_ = random(None, self.dim_, rng)
        # word-major copies for the kernel (its inner loop runs over features)
        self._keys_t = np.ascontiguousarray(self.keys_.T)
        self._table_t = np.ascontiguousarray(self._table.T)
        del self._table
        if self.quantization == "uniform":
            self.low_ = X.min(axis=0)
            self.high_ = X.max(axis=0)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                span = self.high_ - self.low_
                # a span beyond the largest float (inf) is measured on halves
                half = 0.5 * self.high_ - 0.5 * self.low_
                safe = np.where(span > 0, span, 1.0)
                wide = 0.5 * (n_levels - 1) / half
                scale = np.where(np.isfinite(span), (n_levels - 1) / safe, wide)
            self._scale = np.where(span > 0, scale, 0.0)
        else:
            self.edges_, self._n_edges = _quantile_edges(X, n_levels)
        self._n_planes = max(4, n_features.bit_length())
        return self

    # ------------------------------------ fitting from mergeable statistics (see encoders._base)
    def _fits_from_statistics(self) -> bool:
        """True for ``quantization="uniform"``: the fit needs only per-feature minima, maxima."""
        return self.quantization == "uniform"

    def _partition_statistics(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-feature minimum and maximum of a partition (+inf and -inf when it has no rows)."""
        return X.min(axis=0, initial=np.inf), X.max(axis=0, initial=-np.inf)

    @staticmethod
    def _merge_statistics(
        a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        return np.minimum(a[0], b[0]), np.maximum(a[1], b[1])

    def _fit_from_statistics(self, statistics: tuple[np.ndarray, np.ndarray]) -> RecordEncoder:
        """Fit from the minima and maxima of all the rows: the same as ``fit`` on the rows."""
        if not self._fits_from_statistics():
            raise ValueError(
                f"quantization={self.quantization!r} needs the rows themselves; only "
                "quantization='uniform' is fitted from minima and maxima"
            )
        low, high = statistics
        return self.fit(np.vstack([low, high]))

    def _quantize(self, X: np.ndarray) -> np.ndarray:
        """Level index (n, n_features) int64 of every value."""
        if self._quantization == "uniform":
            q = np.empty(X.shape, dtype=np.int64)
            _kernels.quantize_uniform(X, self.low_, self.high_, self._scale, self._n_levels, q)
            return q
        count = np.zeros(X.shape, dtype=np.int64)
        for k in range(self.edges_.shape[1]):
            count += X >= self.edges_[:, k]  # +inf slots never count
        # round(count * (n_levels - 1) / m), halves up, in exact integer arithmetic
        m = np.maximum(self._n_edges, 1)
        return (2 * (self._n_levels - 1) * count + m) // (2 * m)

    def _encode_batch(self, X: np.ndarray, out: np.ndarray) -> None:
        index = self._quantize(np.ascontiguousarray(X))
        if self._binding == "permute":
            index += np.arange(X.shape[1], dtype=np.int64) * self._n_levels
        _kernels.record_bundle(index, self._keys_t, self._table_t, self.tie_, self._n_planes, out)

    def quantize(self, X: Any) -> np.ndarray:
        """Level index of every value of ``X``, shape ``(n_samples, n_features)``, int64.

        Examples
        --------
        >>> import numpy as np
        >>> from encoders import RecordEncoder
        >>> enc = RecordEncoder(dim=64, n_levels=5, random_state=0).fit([[0.0], [1.0]])
        >>> enc.quantize([[-1.0], [0.26], [0.5], [2.0]]).ravel().tolist()
        [0, 1, 2, 4]
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True, reset=False)
        return self._quantize(np.ascontiguousarray(X))

    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X`` into packed hypervectors.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features_in_)``

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n_samples, dim_ // 64)``
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True, reset=False)
        return self._transform_in_batches(X)
