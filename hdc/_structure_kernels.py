"""Compiled kernels of the symbolic structures' batched queries (:mod:`hdc.structures`).

All arrays are validated, C-contiguous packed ``uint64`` words with equal word counts. The
candidates are walked in blocks that stay in the L2 cache while every query passes over them,
and each distance is compared with the threshold as it is computed (no distance matrix).
"""

from __future__ import annotations

from numba import njit, prange

from hdc._kernels import distance, four_distances

# Bytes of candidate rows per block: well inside a 512 KiB L2 cache.
BLOCK_BYTES = 192 * 1024


def block_rows(n_words: int) -> int:
    """Candidate rows per block for vectors of ``n_words`` words (a multiple of 4)."""
    rows = BLOCK_BYTES // (8 * max(1, n_words))
    return max(4, rows - rows % 4)


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
    n_c = candidates.shape[0]
    for start in range(0, n_c, block):
        stop = min(n_c, start + block)
        for i in prange(queries.shape[0]):
            _within_row(queries[i], candidates, start, stop, limit, out[i])


@njit(cache=True, nogil=True, parallel=True)
def within_symmetric(probes, nodes, limit, block, out):
    """out[i, j] = hamming(probes[i], nodes[j]) <= limit for a symmetric relation.

    For ``probes[i] = value ^ nodes[i]`` the distance ``popcount(value ^ nodes[i] ^ nodes[j])``
    is symmetric in ``i`` and ``j``: only the pairs ``j >= i`` are computed, each written to
    both cells (an undirected graph's adjacency, half the popcounts). The rows of a block are
    written by one thread each; the mirrored cells ``out[j, i]`` of different rows ``i`` are
    distinct bytes.
    """
    n = nodes.shape[0]
    for start in range(0, n, block):
        stop = min(n, start + block)
        for i in prange(stop):
            q = probes[i]
            first = max(start, i)
            count = stop - first
            stop4 = first + count - count % 4
            for j in range(first, stop4, 4):
                d0, d1, d2, d3 = four_distances(q, nodes, j)
                b0 = d0 <= limit
                b1 = d1 <= limit
                b2 = d2 <= limit
                b3 = d3 <= limit
                out[i, j] = b0
                out[j, i] = b0
                out[i, j + 1] = b1
                out[j + 1, i] = b1
                out[i, j + 2] = b2
                out[j + 2, i] = b2
                out[i, j + 3] = b3
                out[j + 3, i] = b3
            for j in range(stop4, stop):
                b = distance(q, nodes[j]) <= limit
                out[i, j] = b
                out[j, i] = b


# Single-threaded twin: no thread-pool launch for small queries.
@njit(cache=True, nogil=True)
def within_serial(queries, candidates, limit, out):
    """:func:`within` on one thread (for few queries: no blocks needed)."""
    for i in range(queries.shape[0]):
        _within_row(queries[i], candidates, 0, candidates.shape[0], limit, out[i])
