"""Compiled kernels of the learners (numba): similarities to class prototypes and retraining.

Queries are packed hypervectors ``(n, W)``; a query's bipolar view is ``+1`` for a set bit and
``-1`` otherwise, never materialised. Integer prototypes are float64 accumulators ``(C, 64 W)``
(integer-valued while the learning rate is an integer); binary prototypes are their packed signs.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(labels below the number of classes, sample orders within the batch, queries as wide as the
prototypes, bit planes sized for the largest counter); numba does no bounds checks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hdc._bitslice import csa
from hdc._compile_note import note_if_cold
from hdc._parallel import rows_per_chunk, run_rows
from hdc._validation import readonly
from hdc._wide import popcount64


@njit(inline="always")
def _unpack_bipolar(h, q):
    """q[j] = +1.0 if bit j of the packed query h (W,) is set, else -1.0."""
    for w in range(h.shape[0]):
        word = h[w]
        base = 64 * w
        for b in range(64):
            q[base + b] = np.float64((word >> np.uint64(b)) & np.uint64(1)) * 2.0 - 1.0


@njit(fastmath=True, cache=True, nogil=True)
def _dot(row, q):
    """row . q (exact for integer-valued rows below 2**53, whatever the summation order)."""
    total = 0.0
    for j in range(q.shape[0]):
        total += row[j] * q[j]
    return total


@njit(fastmath=True, cache=True, nogil=True)
def _axpy(step, q, row):
    """row += step * q."""
    for j in range(q.shape[0]):
        row[j] += step * q[j]


@njit(inline="always")
def _sign_word(row, base, tie_word):
    """Packed sign of row[base:base + 64]: bit = 1 where > 0, tie bit where == 0."""
    word = np.uint64(0)
    for b in range(64):
        v = row[base + b]
        bit = np.uint64(1) << np.uint64(b)
        if v > 0 or (v == 0 and (tie_word & bit)):
            word |= bit
    return word


@njit(cache=True, nogil=True)
def _cosine_integer_rows(H, P, norms, out):
    n_classes = P.shape[0]
    root = np.sqrt(64.0 * H.shape[1])
    q = np.empty(P.shape[1])
    for i in range(H.shape[0]):
        _unpack_bipolar(H[i], q)
        for c in range(n_classes):
            if norms[c] > 0:
                out[i, c] = _dot(P[c], q) / (norms[c] * root)
            else:
                out[i, c] = 0.0


def cosine_integer(H: np.ndarray, P: np.ndarray, norms: np.ndarray, out: np.ndarray) -> None:
    """out[i, c] = bipolar(H[i]) . P[c] / (norms[c] * sqrt(dim)); 0 where norms[c] == 0."""
    H, P, norms = readonly(H), readonly(P), readonly(norms)
    run_rows(lambda s, e, dest: _cosine_integer_rows(H[s:e], P, norms, dest), out,
             rows_per_chunk(P.size))


@njit(cache=True, nogil=True)
def _cosine_binary_rows(H, B, out):
    n, n_words = H.shape
    n_classes = B.shape[0]
    dim = 64.0 * n_words
    for i in range(n):
        for c in range(n_classes):
            total = np.uint64(0)
            for w in range(n_words):
                total += popcount64(H[i, w] ^ B[c, w])
            out[i, c] = 1.0 - 2.0 * np.float64(total) / dim


def cosine_binary(H: np.ndarray, B: np.ndarray, out: np.ndarray) -> None:
    """out[i, c] = 1 - 2 hamming(H[i], B[c]) / dim (the cosine of the bipolar views)."""
    H, B = readonly(H), readonly(B)
    run_rows(lambda s, e, dest: _cosine_binary_rows(H[s:e], B, dest), out,
             rows_per_chunk(B.size))


@njit(inline="always")
def _runner_up(scores, y):
    """Index of the highest score other than y (lowest index on ties)."""
    best = -1
    for c in range(scores.shape[0]):
        if c != y and (best < 0 or scores[c] > scores[best]):
            best = c
    return best


@njit(inline="always")
def _move(P, S, norms2, dots, q, t, r, lr, step):
    """The retraining update: q (bipolar) times lr into class t, out of class r.

    ``dots`` holds q . P[c] before the update, which keeps the squared norms ``norms2`` exact;
    a non-empty ``S`` also gets the update times ``step`` (for the averaged perceptron).
    """
    dim = np.float64(q.shape[0])
    _axpy(lr, q, P[t])
    _axpy(-lr, q, P[r])
    if S.shape[0] > 0:
        _axpy(lr * step, q, S[t])
        _axpy(-lr * step, q, S[r])
    norms2[t] += 2.0 * lr * dots[t] + lr * lr * dim
    norms2[r] += -2.0 * lr * dots[r] + lr * lr * dim


@njit(cache=True, nogil=True)
def retrain_integer(H, y, order, P, norms2, lr, margin, S, step):
    """One retraining pass with integer prototypes, samples in ``order``; returns the updates.

    A sample whose true class does not beat the best other class by ``margin`` (in cosine) is
    added to its class (``+lr``) and subtracted from that rival (``-lr``). ``norms2`` holds the
    squared norms of the rows of ``P`` and is kept up to date. ``S`` accumulates every update
    times the number of samples visited before it (``step`` before this pass), from which the
    caller gets the averaged prototypes ``P - S / steps`` (averaged perceptron); an empty ``S``
    (0 rows) skips that bookkeeping.
    """
    n_classes = P.shape[0]
    root = np.sqrt(64.0 * H.shape[1])
    scores = np.empty(n_classes)
    dots = np.empty(n_classes)
    q = np.empty(P.shape[1])
    updates = 0
    for i in order:
        _unpack_bipolar(H[i], q)
        for c in range(n_classes):
            dots[c] = _dot(P[c], q)
            scores[c] = dots[c] / (np.sqrt(norms2[c]) * root) if norms2[c] > 0 else 0.0
        t = y[i]
        r = _runner_up(scores, t)
        if r >= 0 and scores[t] - scores[r] <= margin:
            _move(P, S, norms2, dots, q, t, r, lr, step)
            updates += 1
        step += 1
    return updates


@njit(cache=True, nogil=True)
def retrain_binary(H, y, order, P, B, tie, lr, margin, S, step):
    """One retraining pass with binary prototypes ``B`` = packed sign of ``P``; returns updates.

    Similarities are Hamming cosines to the current binary prototypes; a mistake (or a win by
    at most ``margin``) updates the accumulators of the two classes and re-binarises them.
    ``S`` and ``step`` as in :func:`retrain_integer`.
    """
    track = S.shape[0] > 0
    n_classes, n_words = B.shape
    dim = 64.0 * n_words
    scores = np.empty(n_classes)
    q = np.empty(P.shape[1])
    updates = 0
    for i in order:
        h = H[i]
        for c in range(n_classes):
            total = np.uint64(0)
            for w in range(n_words):
                total += popcount64(h[w] ^ B[c, w])
            scores[c] = 1.0 - 2.0 * np.float64(total) / dim
        t = y[i]
        r = _runner_up(scores, t)
        if r >= 0 and scores[t] - scores[r] <= margin:
            _unpack_bipolar(h, q)
            _axpy(lr, q, P[t])
            _axpy(-lr, q, P[r])
            if track:
                _axpy(lr * step, q, S[t])
                _axpy(-lr * step, q, S[r])
            for w in range(n_words):
                B[t, w] = _sign_word(P[t], 64 * w, tie[w])
                B[r, w] = _sign_word(P[r], 64 * w, tie[w])
            updates += 1
        step += 1
    return updates


@njit(cache=True, nogil=True)
def _sign_rows(P, tie, out):
    n_classes, n_words = out.shape
    for c in range(n_classes):
        for w in range(n_words):
            out[c, w] = _sign_word(P[c], 64 * w, tie[w])


def sign_rows(P: np.ndarray, tie: np.ndarray, out: np.ndarray) -> None:
    """Packed sign of every row of P (C, 64 W): bit = 1 where > 0, ``tie`` bit where == 0."""
    P, tie = readonly(P), readonly(tie)
    run_rows(lambda s, e, dest: _sign_rows(P[s:e], tie, dest), out, rows_per_chunk(P.shape[1]))


# --------------------------------------------------------------------------------------------
# Bit-sliced integer counters: exact dot products by popcount
# --------------------------------------------------------------------------------------------
# While the counters are integers, a row P[c] is held as K two's-complement bit planes
# ``planes[c, k]`` (packed like a hypervector: bit j of plane k is bit k of P[c, j]). Then
#     bits(h) . P[c] = sum_{k < K-1} 2^k popcount(h & plane_k) - 2^(K-1) popcount(h & plane_{K-1})
# and the bipolar dot is ``2 bits(h) . P[c] - sum(P[c])``: K popcounts per query word instead of
# 64 multiply-adds, on data K / 64 the size of the float64 counters, exact in int64 arithmetic.


@njit(cache=True, nogil=True)
def _count_and(h, plane):
    """popcount(h & plane) summed over the words."""
    total = np.uint64(0)
    for w in range(h.shape[0]):
        total += popcount64(h[w] & plane[w])
    return np.int64(total)


@njit(cache=True, nogil=True)
def _dot_bits(h, planes_c, K):
    """bits(h) . P[c] from the K two's-complement planes of P[c] (exact, int64)."""
    total = np.int64(0)
    for k in range(K - 1):
        total += _count_and(h, planes_c[k]) << np.int64(k)
    return total - (_count_and(h, planes_c[K - 1]) << np.int64(K - 1))


@njit(inline="always")
def _bipolar_dot(h, planes_c, K, row_sum):
    """bipolar(h) . P[c] as float64 (exact): 2 bits(h) . P[c] - sum(P[c])."""
    return np.float64(2 * _dot_bits(h, planes_c, K) - row_sum)


@njit(cache=True, nogil=True)
def _to_planes(P, K, planes):
    n_words = P.shape[1] // 64
    values = np.empty(64, dtype=np.uint64)
    for c in range(P.shape[0]):
        for w in range(n_words):
            for b in range(64):
                values[b] = np.uint64(np.int64(P[c, 64 * w + b]))
            for k in range(K):
                word = np.uint64(0)
                for b in range(64):
                    word |= ((values[b] >> np.uint64(k)) & np.uint64(1)) << np.uint64(b)
                planes[c, k, w] = word
            for k in range(K, planes.shape[1]):
                planes[c, k, w] = 0


def to_planes(P: np.ndarray, K: int, planes: np.ndarray) -> None:
    """planes[c, :K] = the K two's-complement bit planes of the integer-valued rows of P; the
    planes after them are zero."""
    P = readonly(P)
    run_rows(lambda s, e, dest: _to_planes(P[s:e], K, dest), planes,
             rows_per_chunk(P.shape[1] * max(1, K)))


@njit(cache=True, nogil=True)
def _bipolar_dots_planes(H, planes, K, row_sums, out):
    n_classes = planes.shape[0]
    for i in range(H.shape[0]):
        for c in range(n_classes):
            out[i, c] = _bipolar_dot(H[i], planes[c], K, row_sums[c])


def bipolar_dots_planes(H: np.ndarray, planes: np.ndarray, K: int, row_sums: np.ndarray,
                        out: np.ndarray) -> None:
    """out[i, c] = bipolar(H[i]) . P[c] (float64, exact) from the bit planes of P."""
    H, planes, row_sums = readonly(H), readonly(planes), readonly(row_sums)
    run_rows(lambda s, e, dest: _bipolar_dots_planes(H[s:e], planes, K, row_sums, dest), out,
             rows_per_chunk(planes.shape[0] * max(1, K) * planes.shape[2]))


@njit(cache=True, nogil=True)
def _add_bipolar(planes_c, K, h, when_set, when_clear, carry):
    """P[c] += (when_set where a bit of h is set, else when_clear), on the K planes of P[c].

    ``when_set`` / ``when_clear`` are the two's-complement words of the two integers added (e.g.
    ``lr`` and ``-lr``); a bit-sliced ripple-carry adder, ``carry`` a (W,) scratch. The caller
    makes sure the result fits in K bits.
    """
    n_words = h.shape[0]
    for w in range(n_words):
        carry[w] = 0
    all_ones = ~np.uint64(0)
    for k in range(K):
        on = all_ones if (when_set >> np.uint64(k)) & np.uint64(1) else np.uint64(0)
        off = all_ones if (when_clear >> np.uint64(k)) & np.uint64(1) else np.uint64(0)
        plane = planes_c[k]
        for w in range(n_words):
            plane[w], carry[w] = csa(plane[w], (h[w] & on) | (~h[w] & off), carry[w])


@njit(cache=True, nogil=True)
def retrain_integer_planes(H, y, order, P, planes, K, bounds, row_sums, norms2, lr, margin, S,
                           step):
    """:func:`retrain_integer` on integer counters held as bit planes too; same result.

    ``P`` (float64, integer-valued) is updated as in :func:`retrain_integer` and its bit planes
    ``planes`` (C, K_max, W), of which the first ``K`` are in use, ``row_sums`` (int64, the sum
    of each row of P) and ``bounds`` (int64, an upper bound of ``|P[c]|``) with it; the scores
    come from the planes by popcount. ``lr`` is an integer. When an update could leave the
    range of K bits, every row gains a plane (a copy of its sign plane: sign extension), up to
    K_max, which the caller sizes for the largest possible growth. Returns (updates, K).
    """
    n_classes = P.shape[0]
    n_words = H.shape[1]
    dim = 64.0 * n_words
    root = np.sqrt(dim)
    step_lr = np.int64(lr)
    when_plus = np.uint64(step_lr)
    when_minus = np.uint64(-step_lr)
    limit = (np.int64(1) << np.int64(K - 1)) - 1
    scores = np.empty(n_classes)
    dots = np.empty(n_classes)
    q = np.empty(P.shape[1])
    carry = np.empty(n_words, dtype=np.uint64)
    updates = 0
    for i in order:
        h = H[i]
        for c in range(n_classes):
            dots[c] = _bipolar_dot(h, planes[c], K, row_sums[c])
            scores[c] = dots[c] / (np.sqrt(norms2[c]) * root) if norms2[c] > 0 else 0.0
        t = y[i]
        r = _runner_up(scores, t)
        if r >= 0 and scores[t] - scores[r] <= margin:
            while (bounds[t] + step_lr > limit or bounds[r] + step_lr > limit) and (
                K < planes.shape[1]
            ):
                for c in range(n_classes):  # sign extension (loops compile faster than slices)
                    for w in range(n_words):
                        planes[c, K, w] = planes[c, K - 1, w]
                K += 1
                limit = (np.int64(1) << np.int64(K - 1)) - 1
            _add_bipolar(planes[t], K, h, when_plus, when_minus, carry)
            _add_bipolar(planes[r], K, h, when_minus, when_plus, carry)
            bounds[t] += step_lr
            bounds[r] += step_lr
            q_sum = 2 * _count_and(h, h) - np.int64(dim)  # sum of the bipolar q
            row_sums[t] += step_lr * q_sum
            row_sums[r] -= step_lr * q_sum
            _unpack_bipolar(h, q)
            _move(P, S, norms2, dots, q, t, r, lr, step)
            updates += 1
        step += 1
    return updates, K


note_if_cold(_cosine_binary_rows)  # one log line if numba is about to compile this module
