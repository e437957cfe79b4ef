"""Compiled kernels of the learners (numba): similarities to class prototypes and retraining.

Queries are packed hypervectors ``(n, W)``; a query's bipolar view is ``+1`` for a set bit and
``-1`` otherwise, never materialised. Integer prototypes are float64 accumulators ``(C, 64 W)``
(integer-valued while the learning rate is an integer); binary prototypes are their packed signs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hdc._kernels import popcount64


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


@njit(cache=True, nogil=True, parallel=True)
def cosine_integer(H, P, norms, out):
    """out[i, c] = bipolar(H[i]) . P[c] / (norms[c] * sqrt(dim)); 0 where norms[c] == 0."""
    n = H.shape[0]
    n_classes = P.shape[0]
    root = np.sqrt(64.0 * H.shape[1])
    for i in prange(n):
        q = np.empty(P.shape[1])
        _unpack_bipolar(H[i], q)
        for c in range(n_classes):
            if norms[c] > 0:
                out[i, c] = _dot(P[c], q) / (norms[c] * root)
            else:
                out[i, c] = 0.0


@njit(cache=True, nogil=True, parallel=True)
def cosine_binary(H, B, out):
    """out[i, c] = 1 - 2 hamming(H[i], B[c]) / dim (the cosine of the bipolar views)."""
    n, n_words = H.shape
    n_classes = B.shape[0]
    dim = 64.0 * n_words
    for i in prange(n):
        for c in range(n_classes):
            total = np.uint64(0)
            for w in range(n_words):
                total += popcount64(H[i, w] ^ B[c, w])
            out[i, c] = 1.0 - 2.0 * np.float64(total) / dim


@njit(inline="always")
def _runner_up(scores, y):
    """Index of the highest score other than y (lowest index on ties)."""
    best = -1
    for c in range(scores.shape[0]):
        if c != y and (best < 0 or scores[c] > scores[best]):
            best = c
    return best


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
    track = S.shape[0] > 0
    n_classes = P.shape[0]
    dim = 64.0 * H.shape[1]
    root = np.sqrt(dim)
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
            _axpy(lr, q, P[t])
            _axpy(-lr, q, P[r])
            if track:
                _axpy(lr * step, q, S[t])
                _axpy(-lr * step, q, S[r])
            norms2[t] += 2.0 * lr * dots[t] + lr * lr * dim
            norms2[r] += -2.0 * lr * dots[r] + lr * lr * dim
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


@njit(cache=True, nogil=True, parallel=True)
def sign_rows(P, tie, out):
    """Packed sign of every row of P (C, 64 W): bit = 1 where > 0, ``tie`` bit where == 0."""
    n_classes, n_words = out.shape
    for c in prange(n_classes):
        for w in range(n_words):
            out[c, w] = _sign_word(P[c], 64 * w, tie[w])
