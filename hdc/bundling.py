"""Bundling: bitwise majority of many hypervectors, and its integer counters.

Counting is bit-sliced: 64 bits at a time go through carry-save adders into vertical counters, so
no hypervector is ever expanded to one byte per bit. Learners accumulate the integer counts of
:func:`counts` and binarise them later with :func:`threshold`.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from hdc import _kernels
from hdc._parallel import CHUNK_WORDS, run_chunks
from hdc._validation import WORD_BITS, as_hypervectors, check_dim, check_random_state, readonly

__all__ = ["counts", "threshold", "bundle"]

_TIES = ("random", "zero", "one")
_INT32_MAX = np.iinfo(np.int32).max


def _check_weights(weights: Any, n: int) -> np.ndarray:
    w = np.asarray(weights)
    if w.dtype == bool:
        w = w.astype(np.int64)
    if not np.issubdtype(w.dtype, np.integer):
        raise TypeError(f"weights must be integers, got dtype {w.dtype}")
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},), one per hypervector, got {w.shape}")
    # range checked in the weights' own type, before any cast or abs() can wrap
    # (abs(int64 min) is int64 min; uint64 2**64 - 1 cast to int64 is -1)
    if w.size and (w.max() > _INT32_MAX or w.min() < -_INT32_MAX):
        raise ValueError(
            f"weights must lie in [-{_INT32_MAX}, {_INT32_MAX}] (int32 counters), got values "
            f"in [{w.min()}, {w.max()}]"
        )
    w = w.astype(np.int64)
    if np.abs(w).sum() > _INT32_MAX:
        raise ValueError("weights are too large: the total |weight| must fit in int32 counters")
    return w


def _levels_for(n: int) -> int:
    # the 16-row trees fill 4 levels at a time: leave room above the largest count
    return int(n).bit_length() + 4


def _count_planes(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Vertical counters (n_parts, levels, W) of x[rows], summed over the first axis.

    Chunks of rows are counted by the workers of :func:`hdc._parallel.run_chunks`, each into a
    counter of its own (:func:`hdc._kernels.count_rows`); the serial path counts everything
    into one.
    """
    levels = _levels_for(rows.size)
    parts: list[np.ndarray] = []

    def compute(start: int, stop: int) -> np.ndarray:
        planes = np.zeros((levels, x.shape[1]), dtype=np.uint64)
        _kernels.count_rows(x, rows[start:stop], planes)
        return planes

    # whole 16-row trees per chunk
    chunk = max(64, (CHUNK_WORDS // max(1, x.shape[1])) // 16 * 16)
    run_chunks(compute, lambda start, stop, planes: parts.append(planes), rows.size, chunk)
    if not parts:
        return np.zeros((1, levels, x.shape[1]), dtype=np.uint64)
    return np.stack(parts) if len(parts) > 1 else parts[0][None]


def _weighted_counts(x: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    total = np.zeros(x.shape[1] * WORD_BITS, dtype=np.int64)
    if weights is None:
        rows = np.arange(x.shape[0], dtype=np.int64)
        _kernels.planes_to_counts(_count_planes(x, rows), 1, total)
        return total
    # sum_i w_i x_i = sum_k 2**k (sum over rows with bit k of |w_i| set, signed by w_i)
    magnitude = np.abs(weights)
    for sign in (1, -1):
        side = weights > 0 if sign > 0 else weights < 0
        for k in range(int(magnitude.max()).bit_length() if magnitude.size else 0):
            rows = np.flatnonzero(side & (((magnitude >> k) & 1) == 1)).astype(np.int64)
            if rows.size:
                _kernels.planes_to_counts(_count_planes(x, rows), sign << k, total)
    return total


def _majority(x: np.ndarray, tie_bits: np.ndarray) -> np.ndarray:
    """Unweighted majority straight from the vertical counters (no per-bit counts)."""
    n = x.shape[0]
    planes = _count_planes(x, np.arange(n, dtype=np.int64))
    if planes.shape[0] > 1:
        _kernels.merge_planes(planes)
    out = np.empty(x.shape[1], dtype=np.uint64)
    _kernels.majority_from_planes(planes[0], n, tie_bits, out)
    return out


def counts(hvs: np.ndarray, weights: Any = None) -> np.ndarray:
    """Per-bit (weighted) number of ones over a batch of hypervectors.

    Parameters
    ----------
    hvs : numpy.ndarray of uint64, shape ``(n, W)`` (or ``(W,)`` for one vector)
    weights : array-like of int, shape ``(n,)``, optional
        Integer weight of each hypervector (negative weights subtract).

    Returns
    -------
    numpy.ndarray of int32, shape ``(64 * W,)``
        ``sum_i weights[i] * bit_j(hvs[i])`` for every bit ``j``.

    Examples
    --------
    >>> import numpy as np, hdc
    >>> x = hdc.pack(np.array([[1] * 64, [1] * 32 + [0] * 32]))
    >>> c = hdc.counts(x)
    >>> int(c[0]), int(c[63])
    (2, 1)
    """
    x = as_hypervectors(hvs, "hvs").reshape(-1, np.shape(hvs)[-1])
    w = None if weights is None else _check_weights(weights, x.shape[0])
    if w is None and x.shape[0] > _INT32_MAX:
        raise ValueError("too many hypervectors for int32 counters")
    return _weighted_counts(x, w).astype(np.int32)


def _tie_bits(tie: str, n_words: int, random_state: Any) -> np.ndarray:
    if tie not in _TIES:
        raise ValueError(f"tie must be one of {_TIES}, got {tie!r}")
    if tie == "zero":
        return np.zeros(n_words, dtype=np.uint64)
    if tie == "one":
        return np.full(n_words, np.iinfo(np.uint64).max, dtype=np.uint64)
    if random_state is None:
        return _seed0_tie_bits(n_words).copy()
    rng = check_random_state(random_state)
    return rng.integers(0, 2**64, size=n_words, dtype=np.uint64)


@functools.lru_cache(maxsize=32)
def _seed0_tie_bits(n_words: int) -> np.ndarray:
    """The tie bits of ``random_state=None`` (seed 0), made once per width: creating a numpy
    Generator on every call would cost as much as a small bundle."""
    return check_random_state(0).integers(0, 2**64, size=n_words, dtype=np.uint64)


def _threshold_operands(rows: np.ndarray, n: Any) -> tuple[np.ndarray, np.ndarray]:
    """int64 ``(counts, totals)`` for the kernel, which compares ``2 * count`` with the total.

    Small values go as they are. Otherwise each count is replaced by its comparison with
    ``h = n // 2`` (-1, 0 or 1) and the total by ``n - 2h`` (0 or 1): ``2c > n`` exactly when
    ``c > h``, and a tie needs an even ``n`` and ``c == h``, so the result is the same and no
    ``2 * count`` can overflow (counts up to uint64's maximum, totals in int64's range).
    """
    total = np.asarray(n)
    if total.dtype == bool or not np.issubdtype(total.dtype, np.integer):
        raise TypeError(f"n must be an integer (or one integer per row of counts), got {n!r}")
    if total.ndim > 1 or total.size not in (1, rows.shape[0]):
        raise ValueError(
            f"n must be one integer or {rows.shape[0]} integers (one per row of counts), got "
            f"shape {total.shape}"
        )
    if total.dtype.kind == "u" and total.size and total.max() > np.iinfo(np.int64).max:
        raise ValueError(f"n must fit in int64, got {total.max()}")
    total = np.broadcast_to(total.astype(np.int64).reshape(-1), (rows.shape[0],)).copy()
    small = 2**31
    if rows.dtype.itemsize <= 4 and (not total.size or np.abs(total).max() < small):
        return rows.astype(np.int64), total  # abs of an int64 below 2**62 is exact
    if rows.dtype.kind == "u":
        # above int64's range a count beats every half total (at most 2**62)
        rows = np.minimum(rows, np.uint64(np.iinfo(np.int64).max)).astype(np.int64)
    rows = rows.astype(np.int64, copy=False)
    half = total // 2
    side = (rows > half[:, None]).astype(np.int64) - (rows < half[:, None])
    return side, total - 2 * half


def threshold(
    counts: Any, n: Any, tie: str = "random", random_state: Any = None
) -> np.ndarray:
    """Binarise per-bit counts: bit = 1 where ``2 * counts > n``, 0 where ``2 * counts < n``.

    Parameters
    ----------
    counts : array-like of int, shape ``(dim,)`` or ``(m, dim)``
        Per-bit counts, e.g. from :func:`counts`; ``dim`` a positive multiple of 64.
    n : int or array-like of int, shape ``(m,)``
        Number (or total weight) of the bundled vectors; the majority threshold is ``n / 2``.
    tie : {"random", "zero", "one"}
        Value of bits whose count is exactly ``n / 2``. ``"random"`` takes them from a random
        tie-breaking vector drawn from ``random_state`` (seed 0 when None, so bundling is a
        deterministic function of its inputs); the same vector serves every row.
    random_state : int, numpy Generator or None

    Returns
    -------
    numpy.ndarray of uint64, shape ``(dim // 64,)`` or ``(m, dim // 64)``

    Examples
    --------
    >>> import numpy as np, hdc
    >>> hv = hdc.threshold(np.array([3] * 32 + [0] * 32), n=4)
    >>> hex(int(hv[0]))
    '0xffffffff'
    """
    c = np.asarray(counts)
    if c.dtype == bool or not np.issubdtype(c.dtype, np.integer):
        raise TypeError(f"counts must be an integer array, got dtype {c.dtype}")
    if c.ndim not in (1, 2):
        raise ValueError(f"counts must have shape (dim,) or (m, dim), got {c.shape}")
    check_dim(c.shape[-1], "counts.shape[-1] (dim)")
    rows, total = _threshold_operands(c.reshape(-1, c.shape[-1]), n)
    n_words = c.shape[-1] // WORD_BITS
    out = np.empty((rows.shape[0], n_words), dtype=np.uint64)
    tie_bits = _tie_bits(tie, n_words, random_state)
    # inputs read-only: one compiled signature for loaded and computed counts
    _kernels.threshold_rows(readonly(np.ascontiguousarray(rows)), readonly(total),
                            readonly(tie_bits), out)
    return out[0] if c.ndim == 1 else out


def bundle(
    hvs: np.ndarray, weights: Any = None, tie: str = "random", random_state: Any = None
) -> np.ndarray:
    """Bundle hypervectors by bitwise (weighted) majority.

    The result is similar to every member and dissimilar to unrelated vectors. With an even
    number of votes a bit may tie; ``tie`` decides it (see :func:`threshold`), deterministically.

    Parameters
    ----------
    hvs : numpy.ndarray of uint64, shape ``(n, W)``, n >= 1
    weights : array-like of int, shape ``(n,)``, optional
        Integer vote of each vector; the majority is over the total weight.
    tie : {"random", "zero", "one"}
    random_state : int, numpy Generator or None
        Source of the tie-breaking bits for ``tie="random"`` (seed 0 when None).

    Returns
    -------
    numpy.ndarray of uint64, shape ``(W,)``

    Examples
    --------
    >>> import hdc
    >>> members = hdc.random(5, 1024, random_state=0)
    >>> b = hdc.bundle(members)
    >>> bool(hdc.similarity(b, members).min() > 0.6)
    True
    """
    x = as_hypervectors(hvs, "hvs")
    x = x.reshape(-1, x.shape[-1])
    if x.shape[0] == 0:
        raise ValueError("hvs is empty: bundling needs at least one hypervector")
    if weights is None:
        return _majority(x, _tie_bits(tie, x.shape[1], random_state))
    w = _check_weights(weights, x.shape[0])
    return threshold(_weighted_counts(x, w), int(w.sum()), tie=tie, random_state=random_state)
