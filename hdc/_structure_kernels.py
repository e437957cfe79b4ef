"""Compiled kernels of the symbolic structures' batched queries (:mod:`hdc.structures`).

All arrays are validated, C-contiguous packed ``uint64`` words with equal word counts. The
candidates are walked in blocks that stay in the L2 cache while every query passes over them,
four queries against four candidates at a time (:func:`hdc._wide.sixteen_distances`, on
explicit 512-bit vectors where numba compiles for ``VPOPCNTQ``; shared with the core's Hamming
kernels). Thresholds are compared as each distance is computed (no distance matrix), and the
nearest candidate is kept as it is found (first index on ties).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from hdc._wide import block_rows, distance, four_distances  # noqa: F401  (block_rows: API)
from hdc._wide import sixteen_distances as _sixteen_distances


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


@njit(cache=True, nogil=True)
def within(queries, candidates, limit, block, out):
    """out[i, j] = hamming(queries[i], candidates[j]) <= limit, in candidate blocks.

    Serial and ``nogil``: :mod:`hdc._parallel` runs it over chunks of queries (a chunk of a
    multiple of four rows, but the last).
    """
    n_q = queries.shape[0]
    n_c = candidates.shape[0]
    groups = n_q // 4
    for start in range(0, n_c, block):
        stop = min(n_c, start + block)
        for g in range(groups):
            _within_rows(queries, 4 * g, candidates, start, stop, limit, out)
        for i in range(4 * groups, n_q):
            _within_row(queries[i], candidates, start, stop, limit, out[i])


@njit(inline="always")
def _set_pair(out, mirror, i, j, first, stop, b):
    """out[i - first, j - first] = b, and its mirror: in ``out`` when ``j`` is a row of the
    chunk too, else in ``mirror[j - stop, i - first]``."""
    out[i - first, j - first] = b
    if j < stop:
        out[j - first, i - first] = b
    else:
        mirror[j - stop, i - first] = b


@njit(cache=True, nogil=True)
def within_symmetric(probes, nodes, first, stop, limit, block, out, mirror):
    """Rows ``first .. stop - 1`` of the symmetric relation hamming(probes[i], nodes[j]) <=
    limit, from column ``first`` on (``out[i - first, j - first]``), and the same cells
    transposed for the rows after the chunk (``mirror[j - stop, i - first]`` for
    ``j >= stop``).

    For ``probes[i] = value ^ nodes[i]`` the distance ``popcount(value ^ nodes[i] ^ nodes[j])``
    is symmetric in ``i`` and ``j``: only the pairs with ``j`` in or after the group of four
    rows of ``i`` are computed (an undirected graph's adjacency, about half the popcounts),
    and each is written to both of its cells. ``first`` and ``block`` are multiples of four,
    and so is ``stop`` unless it is the last row; ``out`` is ``(stop - first, n - first)`` and
    ``mirror`` ``(n - stop, stop - first)``. Serial and ``nogil`` (:mod:`hdc._parallel` runs
    it over chunks of rows; the whole relation is one chunk, ``first = 0`` and ``stop = n``).
    """
    n = nodes.shape[0]
    groups_stop = first + (stop - first) - (stop - first) % 4
    for start in range(first, n, block):
        end = min(n, start + block)
        for i in range(first, groups_stop, 4):
            if i >= end:
                break
            lo = max(start, i)
            end4 = lo + (end - lo) - (end - lo) % 4
            r = i - first
            for j in range(lo, end4, 4):
                d = _sixteen_distances(probes, i, nodes, j)
                c = j - first
                # a tile lies wholly in the chunk's columns or wholly after them
                if j < stop:
                    for a in range(4):
                        for b in range(4):
                            near = d[4 * a + b] <= limit
                            out[r + a, c + b] = near
                            out[c + b, r + a] = near
                else:
                    m = j - stop
                    for a in range(4):
                        for b in range(4):
                            near = d[4 * a + b] <= limit
                            out[r + a, c + b] = near
                            mirror[m + b, r + a] = near
            for j in range(end4, end):
                for a in range(4):
                    _set_pair(out, mirror, i + a, j, first, stop,
                              distance(probes[i + a], nodes[j]) <= limit)
        # the last (stop - first) % 4 rows: against every node from their own row on
        for i in range(groups_stop, min(stop, end)):
            for j in range(max(start, i), end):
                _set_pair(out, mirror, i, j, first, stop,
                          distance(probes[i], nodes[j]) <= limit)


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
