"""Compiled kernels of the hypervector core.

Each kernel is a small numba function over plain, already validated, C-contiguous arrays of
``uint64`` words. Public wrappers in the other modules of :mod:`hdc` validate their inputs and
allocate outputs; kernels never validate and never allocate per-bit arrays.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(equal word counts of both operands, row indices below the batch size, ``k`` at most the number
of stored rows, shifts below the dimension, counters with enough levels for every count,
counts and totals of ``threshold_rows`` small enough that ``2 * count`` cannot overflow int64).
The rule of every kernel module of hdkit: numba does no bounds checks, so an index derived
from user data that is not bounded in the wrapper is memory corruption, not an IndexError.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hdc._bitslice import add16_rows, add_counters, majority, ripple
from hdc._compile_note import note_if_cold
from hdc._validation import readonly
from hdc._wide import (
    block_rows,
    distance,
    four_distances,
    prefetch_rows,
    sixteen_distances,
    tile_rows,
)


# --------------------------------------------------------------------------------------------
# Hamming distances
# --------------------------------------------------------------------------------------------
@njit(inline="always")
def _hamming_row(ai, b, out_row):
    """out_row[j] = popcount(ai XOR b[j]).

    Four rows of b share each load of a word of ai; the loops over words start at 0 with no
    inner loop so that LLVM vectorises them (with VPOPCNTQ where the CPU has it).
    """
    n_b = b.shape[0]
    n_b4 = n_b - n_b % 4
    for j in range(0, n_b4, 4):
        out_row[j], out_row[j + 1], out_row[j + 2], out_row[j + 3] = four_distances(ai, b, j)
    for j in range(n_b4, n_b):
        out_row[j] = distance(ai, b[j])


@njit(cache=True, nogil=True)
def hamming_matrix_rows(a, b, out):
    """out[i, j] = popcount(a[i] XOR b[j]) for packed batches a (nA, W) and b (nB, W), one row
    of a at a time (for few rows or short vectors; see :func:`hamming_matrix`)."""
    for i in range(a.shape[0]):
        _hamming_row(a[i], b, out[i])


@njit(cache=True, nogil=True)
def tile_block(a, i0, i1, b, j0, j1, out, row0, col0):
    """out[i - row0, j - col0] = popcount(a[i] XOR b[j]) for i in i0 .. i1 - 1 and j in
    j0 .. j1 - 1.

    Four rows of a meet four rows of b at a time (:func:`hdc._wide.sixteen_distances`); the
    rows left over on either side (fewer than four) go four against one, or one against four.
    """
    i4 = i1 - (i1 - i0) % 4
    j4 = j1 - (j1 - j0) % 4
    for i in range(i0, i4, 4):
        r = i - row0
        if j0 == 0 and i + 8 <= i4:  # first pass over these rows of a: fetch the next four
            prefetch_rows(a, i + 4, 4)
        for j in range(j0, j4, 4):
            d = sixteen_distances(a, i, b, j)
            for x in range(4):
                for y in range(4):
                    out[r + x, j - col0 + y] = d[4 * x + y]
        for j in range(j4, j1):
            d0, d1, d2, d3 = four_distances(b[j], a, i)
            out[r, j - col0] = d0
            out[r + 1, j - col0] = d1
            out[r + 2, j - col0] = d2
            out[r + 3, j - col0] = d3
    for i in range(i4, i1):
        ai = a[i]
        r = i - row0
        for j in range(j0, j4, 4):
            d0, d1, d2, d3 = four_distances(ai, b, j)
            out[r, j - col0] = d0
            out[r, j - col0 + 1] = d1
            out[r, j - col0 + 2] = d2
            out[r, j - col0 + 3] = d3
        for j in range(j4, j1):
            out[r, j - col0] = distance(ai, b[j])


@njit(cache=True, nogil=True)
def hamming_matrix_tiles(a, b, rows_a, rows_b, out):
    """out[i, j] = popcount(a[i] XOR b[j]), four rows of a against four of b at a time.

    Blocked twice: ``rows_a`` rows of a (a multiple of 4; :func:`hdc._wide.block_rows`) stay
    in the L2 cache while blocks of ``rows_b`` rows of b (a multiple of 4;
    :func:`hdc._wide.tile_rows`) pass, each staying in the L1 cache while every row of the block
    of a meets it. Serial and ``nogil``: :mod:`hdc._parallel` runs it over chunks of rows on
    several threads.
    """
    n_a = a.shape[0]
    n_b = b.shape[0]
    for i0 in range(0, n_a, rows_a):
        i1 = min(n_a, i0 + rows_a)
        for j0 in range(0, n_b, rows_b):
            # int64 offsets, not literal zeros: one compiled signature with the top-k's call
            tile_block(a, i0, i1, b, j0, min(n_b, j0 + rows_b), out, np.int64(0), np.int64(0))


@njit(inline="always")
def _start_top_k(k, out_index, out_distance):
    for m in range(k):
        out_distance[m] = np.iinfo(np.int64).max
        out_index[m] = -1


@njit(inline="always")
def _insert_top_k(dist, offset, k, out_index, out_distance):
    """Merge the distances ``dist`` of the rows ``offset, offset + 1, ...`` into the sorted
    k-list (ties: lower index first, as rows come in increasing index order)."""
    for j in range(dist.shape[0]):
        d = dist[j]
        if d < out_distance[k - 1]:
            pos = k - 1
            while pos > 0 and out_distance[pos - 1] > d:
                out_distance[pos] = out_distance[pos - 1]
                out_index[pos] = out_index[pos - 1]
                pos -= 1
            out_distance[pos] = d
            out_index[pos] = offset + j


@njit(cache=True, nogil=True)
def hamming_top_k_rows(queries, stored, k, out_index, out_distance):
    """k nearest stored rows of every query by Hamming distance (ties: lower index first), one
    query at a time (for few queries or short vectors; see :func:`hamming_top_k`)."""
    dist = np.empty(stored.shape[0], dtype=np.int64)
    for i in range(queries.shape[0]):
        _hamming_row(queries[i], stored, dist)
        _start_top_k(k, out_index[i], out_distance[i])
        _insert_top_k(dist, 0, k, out_index[i], out_distance[i])


@njit(cache=True, nogil=True)
def hamming_top_k_tiles(queries, stored, k, rows_a, rows_b, out_index, out_distance):
    """:func:`hamming_top_k_rows` with the distances of blocks of ``rows_a`` queries and
    ``rows_b`` stored rows (multiples of 4) computed as in :func:`hamming_matrix_tiles`, then
    merged into every query's k-list (stored blocks in increasing index order: the same ties).

    Serial and ``nogil``: :mod:`hdc._parallel` runs it over chunks of queries.
    """
    n_q = queries.shape[0]
    n_s = stored.shape[0]
    scratch = np.empty((min(rows_a, n_q), min(rows_b, n_s)), dtype=np.int64)
    for i in range(n_q):
        _start_top_k(k, out_index[i], out_distance[i])
    for i0 in range(0, n_q, rows_a):
        i1 = min(n_q, i0 + rows_a)
        for j0 in range(0, n_s, rows_b):
            j1 = min(n_s, j0 + rows_b)
            tile_block(queries, i0, i1, stored, j0, j1, scratch, i0, j0)
            for i in range(i0, i1):
                _insert_top_k(scratch[i - i0, : j1 - j0], j0, k, out_index[i], out_distance[i])


#: The tiled kernels need this many words per vector (below, their 16 horizontal sums per
#: tile cost more than the tile's word loop) ...
TILE_MIN_WORDS = 16
#: ... and this many rows on each side.
TILE_MIN_ROWS = 4
#: Vectors of at least this many words whose stored rows take at most
#: :data:`ROWS_MAX_STORED_BYTES` go to the row kernel: with so few stored rows per query it is
#: the faster one (``benchmarks/bench_hamming_kernels.py``; docs/benchmarks.md).
ROWS_MIN_WORDS_SMALL_B = 64
ROWS_MAX_STORED_BYTES = 12 * 1024


def tiled(n_a: int, n_b: int, n_words: int) -> bool:
    """Whether :func:`hamming_matrix` and :func:`hamming_top_k` use the tiled kernels for
    ``n_a`` rows against ``n_b`` stored rows of ``n_words`` words."""
    if min(n_a, n_b) < TILE_MIN_ROWS or n_words < TILE_MIN_WORDS:
        return False
    return not (n_words >= ROWS_MIN_WORDS_SMALL_B and 8 * n_b * n_words <= ROWS_MAX_STORED_BYTES)


def hamming_matrix(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out (nA, nB) = Hamming distances of the validated C-contiguous batches a and b, on one
    thread: tiled (:func:`hamming_matrix_tiles`) where :func:`tiled` says so, else one row of
    a at a time. Both operands go in read-only (one compiled signature)."""
    a, b = readonly(a), readonly(b)
    if tiled(a.shape[0], b.shape[0], a.shape[1]):
        hamming_matrix_tiles(a, b, block_rows(a.shape[1]), tile_rows(a.shape[1]), out)
    else:
        hamming_matrix_rows(a, b, out)


def hamming_top_k(queries: np.ndarray, stored: np.ndarray, k: int, out_index: np.ndarray,
                  out_distance: np.ndarray) -> None:
    """The k nearest stored rows of every query (validated; ties: lower index first), on one
    thread: tiled where :func:`tiled` says so, else one query at a time."""
    queries, stored = readonly(queries), readonly(stored)
    if tiled(queries.shape[0], stored.shape[0], queries.shape[1]):
        n_words = queries.shape[1]
        hamming_top_k_tiles(queries, stored, k, block_rows(n_words), tile_rows(n_words),
                            out_index, out_distance)
    else:
        hamming_top_k_rows(queries, stored, k, out_index, out_distance)


# --------------------------------------------------------------------------------------------
# Permutation (cyclic rotation of all dim bits)
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def rotate_bits(x, shift, out):
    """Rotate every row of x (n, W) by ``shift`` bits, 0 <= shift < 64 * W: bit i -> i + shift.

    Word j of the result takes the high bits of word j - q and the low bits of word j - q - 1
    (indices modulo W, q = shift // 64); the two wrapped ranges are written by separate loops
    over slices so that each loop is a plain vectorisable stream. Single-threaded: rotation is
    bound by memory bandwidth, which a second thread does not add.
    """
    n, n_words = x.shape
    q = shift // 64
    bits = np.uint64(shift % 64)
    back = np.uint64(64 - shift % 64)
    for r in range(n):
        src = x[r]
        dst = out[r]
        if bits == 0:
            head = dst[q:]
            for j in range(n_words - q):
                head[j] = src[j]
            tail = src[n_words - q :]
            for j in range(q):
                dst[j] = tail[j]
        else:
            head = dst[q + 1 :]
            nxt = src[1:]
            for j in range(n_words - q - 1):
                head[j] = (nxt[j] << bits) | (src[j] >> back)
            dst[q] = (src[0] << bits) | (src[n_words - 1] >> back)
            tail = src[n_words - q :]
            tail_prev = src[n_words - q - 1 :]
            for j in range(q):
                dst[j] = (tail[j] << bits) | (tail_prev[j] >> back)


@njit(cache=True, nogil=True)
def rotate_rows(x, shifts, out):
    """Rotate row r of x (n, W) by ``shifts[r]`` bits, each 0 <= shifts[r] < 64 * W."""
    for r in range(x.shape[0]):
        rotate_bits(x[r : r + 1], shifts[r], out[r : r + 1])


# --------------------------------------------------------------------------------------------
# Bit-sliced counting (vertical counters) for bundling
# --------------------------------------------------------------------------------------------
#: Bytes ahead of the current 16 rows that :func:`count_level` asks the CPU to fetch. The
#: rows of a tree are read side by side, sixteen short streams that the hardware prefetcher
#: barely learns before they end (docs/benchmarks.md, "Bundling after the prefetch").
PREFETCH_BYTES = 128 * 1024


@njit(cache=True, nogil=True)
def count_level(x, rows, planes, low, carries):
    """Add rows ``x[rows]`` into levels ``low .. low + 3`` of the vertical counter ``planes``.

    ``planes[l, w]`` holds bit l of the per-bit counts of word w. Rows go 16 at a time through a
    Harley-Seal tree (:func:`hdc._bitslice.add16_rows`); the carry of weight 16 of group g is
    written to ``carries[g]`` for the caller to count at level ``low + 4``. The remainder
    (< 16 rows) is rippled in one by one, through ``carries[len(rows) // 16]`` as scratch.
    ``carries`` has ``len(rows) // 16 + 1`` rows.
    """
    n_rows = rows.shape[0]
    n_groups = n_rows // 16
    # conditional expressions, not min/max: numba compiles the builtins' overloads as separate
    # functions on their first use, part of the first bundle's compile
    ahead = PREFETCH_BYTES // (128 * planes.shape[1])
    ahead = 16 * (ahead if ahead > 1 else 1)
    for g in range(n_groups):
        first = 16 * g
        last = first + ahead + 16
        for i in range(first + ahead, last if last < n_rows else n_rows):
            prefetch_rows(x, rows[i], 1)
        add16_rows(planes, low, x, rows[first : first + 16], carries[g])
    carry = carries[n_groups]
    for g in range(16 * n_groups, n_rows):
        row = x[rows[g]]
        for w in range(carry.shape[0]):
            carry[w] = row[w]
        ripple(planes, low, carry)


def count_rows(x: np.ndarray, rows: np.ndarray, planes: np.ndarray) -> None:
    """Add the vertical counts of ``x[rows]`` into ``planes`` (levels, W).

    The carries of each level of 16-row trees (:func:`count_level`) are themselves counted by
    the next level, 4 counter levels up, until fewer than 16 remain. Calls accumulate, so one
    counter can take several chunks of rows. ``planes`` needs ``len(rows).bit_length() + 4``
    levels or more.
    """
    low = 0
    src, src_rows = x, rows
    while True:
        src = readonly(src)  # one compiled signature for read-only and writable input
        n_groups = src_rows.shape[0] // 16
        carries = np.empty((n_groups + 1, x.shape[1]), dtype=np.uint64)
        count_level(src, src_rows, planes, low, carries)
        if n_groups == 0:
            return
        src, src_rows = carries, np.arange(n_groups, dtype=np.int64)
        low += 4


@njit(cache=True, nogil=True)
def merge_planes(planes):
    """Add the vertical counters planes[1:] into planes[0] with bit-sliced ripple adders."""
    carry = np.empty(planes.shape[2], dtype=np.uint64)
    for c in range(1, planes.shape[0]):
        add_counters(planes[0], planes[c], carry)


@njit(cache=True, nogil=True)
def majority_from_planes(planes, total, tie_bits, out):
    """out = bits whose count (vertical counter ``planes`` (levels, W)) exceeds ``total / 2``;
    ``tie_bits`` where an even ``total`` splits evenly. A bit-sliced comparison that never
    expands the counts."""
    majority(planes, total, tie_bits, out)


@njit(cache=True, nogil=True)
def planes_to_counts(planes, scale, out):
    """out[64 w + b] += scale * (sum over chunks of the count held for bit b of word w).

    planes (n_chunks, levels, W), each chunk a counter filled by :func:`count_rows`; all-zero
    words (most of the high levels) are skipped.
    """
    n_chunks, n_levels, n_words = planes.shape
    for c in range(n_chunks):
        for level in range(n_levels):
            weight = scale << level
            for w in range(n_words):
                word = planes[c, level, w]
                if word == 0:
                    continue
                base = 64 * w
                for b in range(64):
                    out[base + b] += weight * np.int64((word >> np.uint64(b)) & np.uint64(1))


# --------------------------------------------------------------------------------------------
# Thresholding counters back to packed bits
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def threshold_rows(counts, total, tie_bits, out):
    """Pack bit = 1 where 2 * counts > total, 0 where <, ``tie_bits`` where equal.

    counts (m, dim) integers; total (m,) integers; tie_bits (W,) packed; out (m, W).
    """
    m, dim = counts.shape
    n_words = dim // 64
    for r in range(m):
        t = total[r]
        for w in range(n_words):
            word = np.uint64(0)
            tie = tie_bits[w]
            for b in range(64):
                c2 = 2 * np.int64(counts[r, 64 * w + b])
                bit = np.uint64(1) << np.uint64(b)
                if c2 > t or (c2 == t and (tie & bit)):
                    word |= bit
            out[r, w] = word


note_if_cold(count_level)  # one log line if numba is about to compile this module
