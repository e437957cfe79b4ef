"""Batch retraining of HDClassifier: updates decided against fixed prototypes, then summed.

In a batch epoch every training sample is compared with the prototypes as they stood at the
start of the epoch; each sample that its true class does not win by more than ``margin`` adds
its bipolar vector to the true class and subtracts it from the best rival. The epoch's update is
the integer sum of those contributions, so it can be computed on any partition of the data and
added up in any order with the same result: the property that lets :mod:`hdc.distributed` fit on
Dask and equal an in-memory fit bit for bit.
"""

from __future__ import annotations

import numpy as np

from hdc import _learn_kernels
from hdc._validation import WORD_BITS
from hdc.bundling import counts as bit_counts

# rows sampled to set the RBF width of HDClassifier's "auto" encoder
GAMMA_SAMPLE_ROWS = 1000
# gamma times the median squared distance from a sampled row to its nearest distinct sampled row
GAMMA_NEIGHBOUR_SCALE = 0.5


def gamma_sample_rows(n_samples: int, seed: int) -> np.ndarray:
    """Sorted indices of the rows the ``"auto"`` encoder's RBF width is measured on.

    A function of ``n_samples`` and ``seed`` only, so an in-memory fit and a Dask fit
    (:mod:`hdc.distributed`) pick the same rows.
    """
    size = min(n_samples, GAMMA_SAMPLE_ROWS)
    rng = np.random.default_rng([seed, 1])
    return np.sort(rng.choice(n_samples, size=size, replace=False))


def neighbour_gamma(sample: np.ndarray) -> float:
    """RBF width ``gamma`` for binarised random Fourier features, from a sample of rows.

    ``GAMMA_NEIGHBOUR_SCALE / median_i min_j ||x_i - x_j||^2`` over the distinct rows ``x_j !=
    x_i`` of the sample: near neighbours get a kernel value of about ``exp(-0.5)`` whatever the
    dimension, the scale or the intrinsic dimension of the data (a width from the average
    distance is far too narrow for isotropic high-dimensional data). 1.0 when all rows are
    equal.
    """
    S = np.asarray(sample, dtype=np.float64)
    S = S - S.mean(axis=0) if S.shape[0] else S
    squares = np.einsum("ij,ij->i", S, S)
    d2 = squares[:, None] + squares[None, :] - 2.0 * (S @ S.T)
    # equal rows (and each row with itself) are not neighbours; rounding leaves tiny residues
    d2[d2 <= 1e-9 * max(float(squares.max(initial=0.0)), 1e-300)] = np.inf
    nearest = d2.min(axis=1, initial=np.inf)
    nearest = nearest[np.isfinite(nearest)]
    if nearest.size == 0:
        return 1.0
    return GAMMA_NEIGHBOUR_SCALE / float(np.median(nearest))


def plane_bits(max_abs: int) -> int:
    """Number of two's-complement bits that hold every integer in ``[-max_abs, max_abs]``."""
    return max(2, int(max_abs).bit_length() + 1)


def integer_planes(
    counters: np.ndarray, growth: float = 0
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray] | None:
    """Bit planes of integer-valued class counters, for exact popcount dot products.

    Returns ``(planes, K, bounds, row_sums)``: ``planes`` (C, K_max, W) uint64 whose first ``K``
    planes are the two's-complement bits of ``counters`` (the rest is room for the counters to
    grow by ``growth`` in absolute value), ``bounds`` the largest ``|counter|`` of each row and
    ``row_sums`` the row sums, both int64. None when the counters are not all integers or so
    large that a dot product could reach 2**53: the callers then use the float64 kernels.
    """
    n_classes, dim = counters.shape
    if counters.size == 0 or not np.all(counters == np.rint(counters)):
        return None  # also rejects inf and NaN
    bounds = np.abs(counters).max(axis=1)
    top = float(bounds.max()) + float(growth)
    # every dot product (at most dim * top) must stay below 2^53: then it is exact in int64,
    # in float64 and in the float64 kernels, which are matched bit for bit
    if not np.isfinite(top) or top * dim >= 2.0**53:
        return None
    k_max = plane_bits(int(top))
    k = plane_bits(int(bounds.max()))
    planes = np.zeros((n_classes, k_max, dim // WORD_BITS), dtype=np.uint64)
    _learn_kernels.to_planes(counters, k, planes)
    row_sums = counters.astype(np.int64).sum(axis=1)
    return planes, k, bounds.astype(np.int64), row_sums


def integer_cosines(
    H: np.ndarray,
    counters: np.ndarray,
    norms: np.ndarray,
    out: np.ndarray,
    planes: tuple[np.ndarray, int, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``out[i, c]`` = cosine of the bipolar ``H[i]`` with ``counters[c]`` (0 for a zero row).

    Integer counters are scored by popcount on their bit planes (``planes``, from
    :func:`integer_planes`, built here when not given), other counters by the float64 kernel;
    both give the same values (the dot products are exact integers either way).
    """
    if planes is None:
        planes = integer_planes(counters)
    if planes is None:
        _learn_kernels.cosine_integer(H, counters, norms, out)
        return out
    bits, k, _, row_sums = planes
    _learn_kernels.bipolar_dots_planes(H, bits, k, row_sums, out)
    scale = norms * np.sqrt(float(H.shape[1] * WORD_BITS))
    nonzero = norms > 0
    out[:, nonzero] /= scale[nonzero]
    out[:, ~nonzero] = 0.0
    return out


def margin_from_gaps(gaps: np.ndarray) -> float:
    """The ``"auto"`` retraining margin: the median gap, or 0 when it is negative or empty."""
    return max(0.0, float(np.median(gaps))) if gaps.size else 0.0


def class_sums(H: np.ndarray, y_idx: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Bipolar sums of the members of every class, int64 ``(C, dim)``, and class sizes."""
    dim = H.shape[1] * WORD_BITS
    sums = np.zeros((n_classes, dim), dtype=np.int64)
    sizes = np.bincount(y_idx, minlength=n_classes).astype(np.int64)
    for c in np.flatnonzero(sizes):
        members = H[y_idx == c]
        sums[c] = 2 * bit_counts(members).astype(np.int64) - members.shape[0]
    return sums, sizes


def batch_updates(
    H: np.ndarray,
    y_idx: np.ndarray,
    counters: np.ndarray,
    prototypes: np.ndarray | None,
    margin: float,
) -> tuple[np.ndarray, int]:
    """Integer update ``U`` (C, dim) of one batch epoch over ``H`` and the number of updates.

    Similarities are the cosines of :class:`hdc.HDClassifier`: to the integer ``counters`` when
    ``prototypes`` is None, else Hamming cosines to the packed binary ``prototypes``.
    """
    n_classes, dim = counters.shape
    U = np.zeros((n_classes, dim), dtype=np.int64)
    if H.shape[0] == 0:
        return U, 0
    scores = np.empty((H.shape[0], n_classes), dtype=np.float64)
    if prototypes is None:
        norms = np.sqrt(np.einsum("ij,ij->i", counters, counters))
        integer_cosines(H, counters, norms, scores)
    else:
        _learn_kernels.cosine_binary(H, prototypes, scores)
    rows = np.arange(H.shape[0])
    true_scores = scores[rows, y_idx]
    rivals = scores.copy()
    rivals[rows, y_idx] = -np.inf
    rival = np.argmax(rivals, axis=1)  # lowest index on ties, as in online retraining
    update = true_scores - rivals[rows, rival] <= margin
    if n_classes < 2 or not update.any():
        return U, 0
    picked = np.flatnonzero(update)
    members = H[picked]
    t, r = y_idx[picked], rival[picked]
    for c in np.union1d(t, r):
        weights = (t == c).astype(np.int64) - (r == c).astype(np.int64)
        if not weights.any():
            continue
        U[c] = 2 * bit_counts(members, weights).astype(np.int64) - weights.sum()
    return U, int(picked.size)
