"""Compiled kernels of the hypervector core.

Each kernel is a small numba function over plain, already validated, C-contiguous arrays of
``uint64`` words. Public wrappers in the other modules of :mod:`hdc` validate their inputs and
allocate outputs; kernels never validate and never allocate per-bit arrays.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic


@intrinsic
def popcount64(typingctx, value):
    """Number of set bits of a uint64, as LLVM's ``ctpop`` intrinsic (one instruction)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


_ = ir  # llvmlite is imported to make the dependency of the intrinsic explicit


# --------------------------------------------------------------------------------------------
# Hamming distances
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, parallel=True)
def hamming_matrix(a, b, out):
    """out[i, j] = popcount(a[i] XOR b[j]) for packed batches a (nA, W) and b (nB, W)."""
    n_a, n_words = a.shape
    n_b = b.shape[0]
    for i in prange(n_a):
        for j in range(n_b):
            total = np.uint64(0)
            for w in range(n_words):
                total += popcount64(a[i, w] ^ b[j, w])
            out[i, j] = total


@njit(cache=True, nogil=True, parallel=True)
def hamming_top_k(queries, stored, k, out_index, out_distance):
    """k nearest stored rows of every query by Hamming distance (ties: lower index first)."""
    n_q, n_words = queries.shape
    n_s = stored.shape[0]
    for i in prange(n_q):
        best_d = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        best_i = np.full(k, -1, dtype=np.int64)
        for j in range(n_s):
            total = np.uint64(0)
            for w in range(n_words):
                total += popcount64(queries[i, w] ^ stored[j, w])
            d = np.int64(total)
            if d < best_d[k - 1]:
                pos = k - 1
                while pos > 0 and best_d[pos - 1] > d:
                    best_d[pos] = best_d[pos - 1]
                    best_i[pos] = best_i[pos - 1]
                    pos -= 1
                best_d[pos] = d
                best_i[pos] = j
        for m in range(k):
            out_index[i, m] = best_i[m]
            out_distance[i, m] = best_d[m]


# --------------------------------------------------------------------------------------------
# Permutation (cyclic rotation of all dim bits)
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, parallel=True)
def rotate_bits(x, shift, out):
    """Rotate every row of x (n, W) by ``shift`` bits, 0 <= shift < 64 * W: bit i -> i + shift."""
    n, n_words = x.shape
    word_shift = shift // 64
    bit_shift = np.uint64(shift % 64)
    back = np.uint64(64) - bit_shift
    for r in prange(n):
        if bit_shift == 0:
            for j in range(n_words):
                src = j - word_shift
                if src < 0:
                    src += n_words
                out[r, j] = x[r, src]
        else:
            for j in range(n_words):
                src = j - word_shift
                if src < 0:
                    src += n_words
                prev = src - 1
                if prev < 0:
                    prev += n_words
                out[r, j] = (x[r, src] << bit_shift) | (x[r, prev] >> back)


# --------------------------------------------------------------------------------------------
# Bit-sliced counting (vertical counters) for bundling
# --------------------------------------------------------------------------------------------
@njit(inline="always")
def _csa(a, b, c):
    """Carry-save adder on 64 bit lanes: returns (sum bits, carry bits) of a + b + c."""
    u = a ^ b
    return u ^ c, (a & b) | (u & c)


@njit(cache=True, nogil=True)
def _add_rows_to_planes(x, rows, w_start, w_stop, planes):
    """Add rows ``x[rows]`` (columns w_start:w_stop) into the vertical counter ``planes``.

    ``planes[l, w]`` holds bit l of the per-bit counts of word w. Rows are taken 16 at a time
    through a Harley-Seal tree of carry-save adders over levels 0..3; the carry of weight 16 is
    then rippled into levels 4 and up. The remainder (fewer than 16 rows) is rippled in one by
    one. ``planes`` must have enough levels for the final counts.
    """
    n_levels = planes.shape[0]
    n_rows = rows.shape[0]
    n_full = n_rows - n_rows % 16
    for g in range(0, n_full, 16):
        r0 = rows[g]
        r1 = rows[g + 1]
        r2 = rows[g + 2]
        r3 = rows[g + 3]
        r4 = rows[g + 4]
        r5 = rows[g + 5]
        r6 = rows[g + 6]
        r7 = rows[g + 7]
        r8 = rows[g + 8]
        r9 = rows[g + 9]
        r10 = rows[g + 10]
        r11 = rows[g + 11]
        r12 = rows[g + 12]
        r13 = rows[g + 13]
        r14 = rows[g + 14]
        r15 = rows[g + 15]
        for w in range(w_start, w_stop):
            ones = planes[0, w]
            twos = planes[1, w]
            fours = planes[2, w]
            eights = planes[3, w]
            ones, two_a = _csa(ones, x[r0, w], x[r1, w])
            ones, two_b = _csa(ones, x[r2, w], x[r3, w])
            twos, four_a = _csa(twos, two_a, two_b)
            ones, two_a = _csa(ones, x[r4, w], x[r5, w])
            ones, two_b = _csa(ones, x[r6, w], x[r7, w])
            twos, four_b = _csa(twos, two_a, two_b)
            fours, eight_a = _csa(fours, four_a, four_b)
            ones, two_a = _csa(ones, x[r8, w], x[r9, w])
            ones, two_b = _csa(ones, x[r10, w], x[r11, w])
            twos, four_a = _csa(twos, two_a, two_b)
            ones, two_a = _csa(ones, x[r12, w], x[r13, w])
            ones, two_b = _csa(ones, x[r14, w], x[r15, w])
            twos, four_b = _csa(twos, two_a, two_b)
            fours, eight_b = _csa(fours, four_a, four_b)
            eights, carry = _csa(eights, eight_a, eight_b)
            planes[0, w] = ones
            planes[1, w] = twos
            planes[2, w] = fours
            planes[3, w] = eights
            for level in range(4, n_levels):
                p = planes[level, w]
                planes[level, w] = p ^ carry
                carry = p & carry
    for g in range(n_full, n_rows):
        r = rows[g]
        for w in range(w_start, w_stop):
            carry = x[r, w]
            for level in range(n_levels):
                p = planes[level, w]
                planes[level, w] = p ^ carry
                carry = p & carry


@njit(cache=True, nogil=True, parallel=True)
def count_rows(x, rows, planes):
    """Vertical bit counts of ``x[rows]`` into ``planes`` (levels, W), split by word blocks."""
    n_words = x.shape[1]
    n_blocks = min(n_words, 8)
    step = (n_words + n_blocks - 1) // n_blocks
    for blk in prange(n_blocks):
        w_start = blk * step
        w_stop = min(n_words, w_start + step)
        if w_start < w_stop:
            _add_rows_to_planes(x, rows, w_start, w_stop, planes)


@njit(cache=True, nogil=True)
def planes_to_counts(planes, scale, out):
    """out[64 w + b] += scale * (count stored in the vertical counter for bit b of word w)."""
    n_levels, n_words = planes.shape
    for w in range(n_words):
        for b in range(64):
            total = 0
            for level in range(n_levels):
                total += np.int64((planes[level, w] >> np.uint64(b)) & np.uint64(1)) << level
            out[64 * w + b] += scale * total


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
