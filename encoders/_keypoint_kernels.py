"""Compiled kernels of the keypoint encoder (numba), over plain, already validated arrays.

The kernels are serial on purpose: one image's few hundred descriptors are too little work to
share between threads, and a parallel kernel right after a BLAS call fights BLAS's spinning
threads for the cores. Batches of images can still be encoded concurrently (``nogil``).

Bounds: kernels index only within bounds the Python wrapper established from validated input
(table indices below the number of tables, keys within ``n_bytes`` bytes).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sign_hash(X, mean, components, out):
    """Packed signs of the centred projection: bit j of row i = ``(X[i] - mean) . C[:, j] > 0``.

    X (n, d) float32; mean (d,) float64; components (d, 64 W) float32; out (n, W) uint64.
    Dot products accumulate in float64, one input feature at a time over all bits (a
    contiguous, vectorisable update), so the sums are exact up to float64 rounding.
    """
    n, d = X.shape
    n_words = out.shape[1]
    acc = np.empty(64 * n_words, dtype=np.float64)
    for i in range(n):
        acc[:] = 0.0
        for f in range(d):
            v = X[i, f] - mean[f]
            row = components[f]
            for j in range(acc.shape[0]):
                acc[j] += v * row[j]
        for w in range(n_words):
            word = np.uint64(0)
            for b in range(64):
                if acc[64 * w + b] > 0:
                    word |= np.uint64(1) << np.uint64(b)
            out[i, w] = word


@njit(cache=True, nogil=True)
def word_vectors(tables, keys, memory, out):
    """out[m] = XOR over bytes k of ``memory[tables[m], k, byte k of keys[m]]``.

    tables, keys (M,) int64; memory (T, n_bytes, 256, W) uint64; out (M, W) uint64.
    """
    n_bytes = memory.shape[1]
    n_words = out.shape[1]
    for m in range(tables.shape[0]):
        t = tables[m]
        key = keys[m]
        first = memory[t, 0, key & 255]
        for w in range(n_words):
            out[m, w] = first[w]
        for k in range(1, n_bytes):
            row = memory[t, k, (key >> (8 * k)) & 255]
            for w in range(n_words):
                out[m, w] ^= row[w]
