"""Two's-complement bit planes of integer class counters, for exact popcount scoring.

Integer-valued class counters are held as ``K`` packed bit planes per class; the dot product of
a bipolar query with a counter row is then a handful of popcounts (:mod:`hdc._learn_kernels`),
exact and equal to the float64 dot product as long as it stays below ``2**53``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hdc import _learn_kernels
from hdc._validation import WORD_BITS


class CounterPlanes(NamedTuple):
    """Bit planes of integer class counters (see :func:`integer_planes`).

    Attributes
    ----------
    bits : numpy.ndarray of uint64, shape ``(n_classes, max_planes, dim // 64)``
        ``bits[c, k]`` is plane ``k`` (bit ``k`` of the two's-complement value) of class ``c``;
        planes past ``n_planes`` are room for the counters to grow during retraining.
    n_planes : int
        Planes in use: enough two's-complement bits for every counter.
    bounds : numpy.ndarray of int64, shape ``(n_classes,)``
        Largest ``|counter|`` of each class.
    row_sums : numpy.ndarray of int64, shape ``(n_classes,)``
        Sum of the counters of each class.
    """

    bits: np.ndarray
    n_planes: int
    bounds: np.ndarray
    row_sums: np.ndarray


def plane_bits(max_abs: int) -> int:
    """Number of two's-complement bits that hold every integer in ``[-max_abs, max_abs]``.

    Examples
    --------
    >>> plane_bits(1), plane_bits(7), plane_bits(8)
    (2, 4, 5)
    """
    return max(2, int(max_abs).bit_length() + 1)


def integer_planes(counters: np.ndarray, growth: float = 0) -> CounterPlanes | None:
    """Bit planes of integer-valued class counters, for exact popcount dot products.

    The first ``n_planes`` planes hold the two's-complement bits of ``counters``; the planes
    past them leave room for the counters to grow by ``growth`` in absolute value. None when
    the counters are not all integers or so large that a dot product could reach 2**53: the
    callers then use the float64 kernels.

    Examples
    --------
    >>> import numpy as np
    >>> planes = integer_planes(np.array([[3.0] * 64, [-2.0] * 64]))
    >>> planes.n_planes, planes.bounds.tolist(), planes.row_sums.tolist()
    (3, [3, 2], [192, -128])
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
    bits = np.zeros((n_classes, k_max, dim // WORD_BITS), dtype=np.uint64)
    _learn_kernels.to_planes(counters, k, bits)
    row_sums = counters.astype(np.int64).sum(axis=1)
    return CounterPlanes(bits, k, bounds.astype(np.int64), row_sums)


def integer_cosines(
    H: np.ndarray,
    counters: np.ndarray,
    norms: np.ndarray,
    out: np.ndarray,
    planes: CounterPlanes | None = None,
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
    _learn_kernels.bipolar_dots_planes(H, planes.bits, planes.n_planes, planes.row_sums, out)
    scale = norms * np.sqrt(float(H.shape[1] * WORD_BITS))
    nonzero = norms > 0
    out[:, nonzero] /= scale[nonzero]
    out[:, ~nonzero] = 0.0
    return out
