"""Compiled kernels of the symbolic structures' batched queries (:mod:`hdc.structures`).

All arrays are validated, C-contiguous packed ``uint64`` words with equal word counts. The
candidates are walked in blocks that stay in the L2 cache while every query passes over them.
Inside a block, four queries meet four candidates at a time: sixteen running distances in
registers, each loaded word of a query or candidate serving four pairs, so the vectorised word
loop (``VPOPCNTQ`` where the CPU has it) is bound by the XOR, popcount and add of each pair and
not by loads. Thresholds are compared as each distance is computed (no distance matrix), and
the nearest candidate is kept as it is found (first index on ties).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hdc._kernels import distance, four_distances, popcount64

# Bytes of candidate rows per block: well inside a 512 KiB L2 cache.
BLOCK_BYTES = 192 * 1024


def block_rows(n_words: int) -> int:
    """Candidate rows per block for vectors of ``n_words`` words (a multiple of 4)."""
    rows = BLOCK_BYTES // (8 * max(1, n_words))
    return max(4, rows - rows % 4)


@njit(inline="always")
def _sixteen_distances(q, i, c, j):
    """Hamming distances of the rows ``i .. i + 3`` of ``q`` to the rows ``j .. j + 3`` of
    ``c``, row-major (``[4 * a + b]``: query ``i + a``, candidate ``j + b``)."""
    a0 = q[i]
    a1 = q[i + 1]
    a2 = q[i + 2]
    a3 = q[i + 3]
    c0 = c[j]
    c1 = c[j + 1]
    c2 = c[j + 2]
    c3 = c[j + 3]
    t00 = t01 = t02 = t03 = np.uint64(0)
    t10 = t11 = t12 = t13 = np.uint64(0)
    t20 = t21 = t22 = t23 = np.uint64(0)
    t30 = t31 = t32 = t33 = np.uint64(0)
    for w in range(q.shape[1]):
        u0 = c0[w]
        u1 = c1[w]
        u2 = c2[w]
        u3 = c3[w]
        x = a0[w]
        t00 += popcount64(x ^ u0)
        t01 += popcount64(x ^ u1)
        t02 += popcount64(x ^ u2)
        t03 += popcount64(x ^ u3)
        x = a1[w]
        t10 += popcount64(x ^ u0)
        t11 += popcount64(x ^ u1)
        t12 += popcount64(x ^ u2)
        t13 += popcount64(x ^ u3)
        x = a2[w]
        t20 += popcount64(x ^ u0)
        t21 += popcount64(x ^ u1)
        t22 += popcount64(x ^ u2)
        t23 += popcount64(x ^ u3)
        x = a3[w]
        t30 += popcount64(x ^ u0)
        t31 += popcount64(x ^ u1)
        t32 += popcount64(x ^ u2)
        t33 += popcount64(x ^ u3)
    return (
        np.int64(t00), np.int64(t01), np.int64(t02), np.int64(t03),
        np.int64(t10), np.int64(t11), np.int64(t12), np.int64(t13),
        np.int64(t20), np.int64(t21), np.int64(t22), np.int64(t23),
        np.int64(t30), np.int64(t31), np.int64(t32), np.int64(t33),
    )  # fmt: skip


# ------------------------------------------------------------------------------ thresholds
@njit(inline="always")
def _within_rows(queries, i, candidates, start, stop, limit, out):
    """out[i + a, j] = hamming(queries[i + a], candidates[j]) <= limit for the four queries
    ``i .. i + 3`` and ``j`` in ``start .. stop - 1``."""
    stop4 = stop - (stop - start) % 4
    for j in range(start, stop4, 4):
        d = _sixteen_distances(queries, i, candidates, j)
        for a in range(4):
            for b in range(4):
                out[i + a, j + b] = d[4 * a + b] <= limit
    for j in range(stop4, stop):
        for a in range(4):
            out[i + a, j] = distance(queries[i + a], candidates[j]) <= limit


@njit(inline="always")
def _within_row(q, candidates, start, stop, limit, row):
    """row[j] = hamming(q, candidates[j]) <= limit for j in ``start .. stop - 1``."""
    stop4 = stop - (stop - start) % 4
    for j in range(start, stop4, 4):
        d0, d1, d2, d3 = four_distances(q, candidates, j)
        row[j] = d0 <= limit
        row[j + 1] = d1 <= limit
        row[j + 2] = d2 <= limit
        row[j + 3] = d3 <= limit
    for j in range(stop4, stop):
        row[j] = distance(q, candidates[j]) <= limit


@njit(cache=True, nogil=True, parallel=True)
def within(queries, candidates, limit, block, out):
    """out[i, j] = hamming(queries[i], candidates[j]) <= limit, in candidate blocks."""
    n_q = queries.shape[0]
    n_c = candidates.shape[0]
    groups = n_q // 4
    for start in range(0, n_c, block):
        stop = min(n_c, start + block)
        for g in prange(groups):
            _within_rows(queries, 4 * g, candidates, start, stop, limit, out)
        for i in range(4 * groups, n_q):
            _within_row(queries[i], candidates, start, stop, limit, out[i])


# Single-threaded twin: no thread-pool launch for small queries.
@njit(cache=True, nogil=True)
def within_serial(queries, candidates, limit, out):
    """:func:`within` on one thread (for few queries: no blocks needed)."""
    n_q = queries.shape[0]
    n_c = candidates.shape[0]
    groups = n_q // 4
    for g in range(groups):
        _within_rows(queries, 4 * g, candidates, 0, n_c, limit, out)
    for i in range(4 * groups, n_q):
        _within_row(queries[i], candidates, 0, n_c, limit, out[i])


@njit(inline="always")
def _mirror(out, i, j, b):
    out[i, j] = b
    out[j, i] = b


@njit(cache=True, nogil=True, parallel=True)
def within_symmetric(probes, nodes, limit, block, out):
    """out[i, j] = hamming(probes[i], nodes[j]) <= limit for a symmetric relation.

    For ``probes[i] = value ^ nodes[i]`` the distance ``popcount(value ^ nodes[i] ^ nodes[j])``
    is symmetric in ``i`` and ``j``: only the pairs with ``j`` in or after the group of four
    rows of ``i`` are computed, each written to both cells (an undirected graph's adjacency,
    about half the popcounts). Each group of four rows is written by one thread; the cells it
    writes (``out[i, j]`` and ``out[j, i]`` with ``j`` from its own group on) are written by no
    other group.
    """
    n = nodes.shape[0]
    groups = n // 4
    for start in range(0, n, block):
        stop = min(n, start + block)
        for g in prange(groups):
            i = 4 * g
            if i >= stop:
                continue
            first = max(start, i)
            stop4 = first + (stop - first) - (stop - first) % 4
            for j in range(first, stop4, 4):
                d = _sixteen_distances(probes, i, nodes, j)
                for a in range(4):
                    for b in range(4):
                        _mirror(out, i + a, j + b, d[4 * a + b] <= limit)
            for j in range(stop4, stop):
                for a in range(4):
                    _mirror(out, i + a, j, distance(probes[i + a], nodes[j]) <= limit)
        # the last n % 4 rows: against every node from their own row on
        for i in range(4 * groups, min(n, stop)):
            for j in range(max(start, i), stop):
                _mirror(out, i, j, distance(probes[i], nodes[j]) <= limit)


# ------------------------------------------------------------------------------ nearest
@njit(inline="always")
def _keep_nearest(d, j, a, best_index, best_distance, i):
    """Fold the distances ``d[4 * a .. 4 * a + 3]`` of query ``i + a`` to candidates ``j ..
    j + 3`` into its best (strictly smaller only: the first index wins ties)."""
    for b in range(4):
        if d[4 * a + b] < best_distance[i + a]:
            best_distance[i + a] = d[4 * a + b]
            best_index[i + a] = j + b


@njit(cache=True, nogil=True)
def nearest(queries, candidates, block, best_index, best_distance):
    """Index and Hamming distance of the nearest candidate of every query (first on ties).

    Serial and ``nogil`` (:mod:`hdc._parallel` runs it over chunks of queries); candidates in
    blocks of ``block`` rows (a multiple of 4), visited in increasing index order by every
    query, so the strict comparison keeps the first of equally near candidates.
    """
    n_q = queries.shape[0]
    n_c = candidates.shape[0]
    groups = n_q // 4
    for i in range(n_q):
        best_distance[i] = np.iinfo(np.int64).max
        best_index[i] = -1
    for start in range(0, n_c, block):
        stop = min(n_c, start + block)
        stop4 = stop - (stop - start) % 4
        for g in range(groups):
            i = 4 * g
            for j in range(start, stop4, 4):
                d = _sixteen_distances(queries, i, candidates, j)
                for a in range(4):
                    _keep_nearest(d, j, a, best_index, best_distance, i)
            for j in range(stop4, stop):
                for a in range(4):
                    e = distance(queries[i + a], candidates[j])
                    if e < best_distance[i + a]:
                        best_distance[i + a] = e
                        best_index[i + a] = j
        for i in range(4 * groups, n_q):
            q = queries[i]
            for j in range(start, stop4, 4):
                e0, e1, e2, e3 = four_distances(q, candidates, j)
                d = (e0, e1, e2, e3)
                _keep_nearest(d, j, 0, best_index, best_distance, i)
            for j in range(stop4, stop):
                e = distance(q, candidates[j])
                if e < best_distance[i]:
                    best_distance[i] = e
                    best_index[i] = j
