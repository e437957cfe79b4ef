"""Compiled kernels of the resonator network (:mod:`hdc.resonator`).

All arrays are validated, C-contiguous packed ``uint64`` words. Bit value 0 stands for +1 and 1
for -1, so XOR is the bipolar product and ``dim - 2 * hamming`` the bipolar dot product.

The cleanup of one factor is a weighted majority of its codebook. It is computed on *signed
pools*: for a codebook of ``M`` rows, the pool ``(2 M + 1, W)`` holds the rows, their
complements (a row with a negative weight enters complemented) and one zero row (the padding
of adder trees), built once per resonator (:func:`signed_pool`).

Bounds: kernels index only within bounds the Python wrapper (:class:`hdc.resonator.Resonator`)
established from validated input (codebooks of equal width, products as wide as the codebooks,
estimate indices below each codebook's size); numba does no bounds checks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hdc._bitslice import csa
from hdc._parallel import rows_per_chunk, run_chunks
from hdc._validation import readonly
from hdc._wide import distance, four_distances

_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_ZERO = np.uint64(0)


@njit(inline="always")
def _next_random(state):
    """splitmix64: returns (new state, 64 random bits); one stream per problem."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


def signed_pool(codebook: np.ndarray) -> np.ndarray:
    """The pool ``(2 M + 1, W)`` of a codebook ``(M, W)``: rows, complements, a zero row."""
    m, n_words = codebook.shape
    pool = np.zeros((2 * m + 1, n_words), dtype=np.uint64)
    pool[:m] = codebook
    pool[m : 2 * m] = ~codebook
    return pool


# --------------------------------------------------------------------------------------------
# Similarities
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def bipolar_dots(u, codebook, out):
    """out[m] = bipolar dot product of u with codebook[m] = dim - 2 * hamming; four rows share
    each load of a word of ``u``."""
    n_rows, n_words = codebook.shape
    dim = 64 * n_words
    n4 = n_rows - n_rows % 4
    for m in range(0, n4, 4):
        d0, d1, d2, d3 = four_distances(u, codebook, m)
        out[m] = dim - 2 * d0
        out[m + 1] = dim - 2 * d1
        out[m + 2] = dim - 2 * d2
        out[m + 3] = dim - 2 * d3
    for m in range(n4, n_rows):
        out[m] = dim - 2 * distance(u, codebook[m])


# --------------------------------------------------------------------------------------------
# Weighted majority, level by level
# --------------------------------------------------------------------------------------------
@njit(inline="always")
def _half_adders(planes, level, carry):
    """Add ``carry`` into ``planes[level : level + 2]`` by two half adders, without testing
    for a carry; the carry of weight ``2**(level + 2)`` is left in ``carry``.

    A loop of its own: fused into an adder tree's loop, the extra stores make LLVM give up
    vectorising it."""
    p0 = planes[level]
    p1 = planes[level + 1]
    for w in range(planes.shape[1]):
        a0 = p0[w]
        c = carry[w]
        p0[w] = a0 ^ c
        c1 = a0 & c
        a1 = p1[w]
        p1[w] = a1 ^ c1
        carry[w] = a1 & c1


# The adder trees read every input as pool[row, w] from the one pool array: with a single
# input base pointer LLVM vectorises the word loop (sixteen separate row views need more
# runtime alias checks than it makes, and the loop stays scalar).
@njit(cache=True, nogil=True)
def _tree16(pool, refs, planes, level, carry):
    """Add the 16 pool rows ``refs[0:16]`` at weight ``2**level`` into the window
    ``planes[level : level + 6]`` (a 4-level adder tree, then two half adders); the carries of
    weight ``2**(level + 6)`` go to ``carry``."""
    r0, r1, r2, r3 = refs[0], refs[1], refs[2], refs[3]
    r4, r5, r6, r7 = refs[4], refs[5], refs[6], refs[7]
    r8, r9, r10, r11 = refs[8], refs[9], refs[10], refs[11]
    r12, r13, r14, r15 = refs[12], refs[13], refs[14], refs[15]
    p0 = planes[level]
    p1 = planes[level + 1]
    p2 = planes[level + 2]
    p3 = planes[level + 3]
    for w in range(planes.shape[1]):
        ones, ta = csa(p0[w], pool[r0, w], pool[r1, w])
        ones, tb = csa(ones, pool[r2, w], pool[r3, w])
        twos, fa = csa(p1[w], ta, tb)
        ones, ta = csa(ones, pool[r4, w], pool[r5, w])
        ones, tb = csa(ones, pool[r6, w], pool[r7, w])
        twos, fb = csa(twos, ta, tb)
        fours, ea = csa(p2[w], fa, fb)
        ones, ta = csa(ones, pool[r8, w], pool[r9, w])
        ones, tb = csa(ones, pool[r10, w], pool[r11, w])
        twos, fa = csa(twos, ta, tb)
        ones, ta = csa(ones, pool[r12, w], pool[r13, w])
        ones, tb = csa(ones, pool[r14, w], pool[r15, w])
        twos, fb = csa(twos, ta, tb)
        fours, eb = csa(fours, fa, fb)
        eights, sixteen = csa(p3[w], ea, eb)
        p0[w] = ones
        p1[w] = twos
        p2[w] = fours
        p3[w] = eights
        carry[w] = sixteen
    _half_adders(planes, level + 4, carry)


@njit(cache=True, nogil=True)
def _tree8(pool, refs, planes, level, carry):
    """Add the 8 pool rows ``refs[0:8]`` at weight ``2**level`` into the window
    ``planes[level : level + 5]`` (a 3-level adder tree, then two half adders); the carries of
    weight ``2**(level + 5)`` go to ``carry``."""
    r0, r1, r2, r3 = refs[0], refs[1], refs[2], refs[3]
    r4, r5, r6, r7 = refs[4], refs[5], refs[6], refs[7]
    p0 = planes[level]
    p1 = planes[level + 1]
    p2 = planes[level + 2]
    for w in range(planes.shape[1]):
        ones, ta = csa(p0[w], pool[r0, w], pool[r1, w])
        ones, tb = csa(ones, pool[r2, w], pool[r3, w])
        twos, fa = csa(p1[w], ta, tb)
        ones, ta = csa(ones, pool[r4, w], pool[r5, w])
        ones, tb = csa(ones, pool[r6, w], pool[r7, w])
        twos, fb = csa(twos, ta, tb)
        fours, eight = csa(p2[w], fa, fb)
        p0[w] = ones
        p1[w] = twos
        p2[w] = fours
        carry[w] = eight
    _half_adders(planes, level + 3, carry)


@njit(cache=True, nogil=True)
def _ripple(planes, level, carry):
    """planes += carry << level, rippling until no word carries; ``carry`` is used up.

    The update and the test for a pending carry are separate loops: fused, LLVM does not
    vectorise them.
    """
    n_levels, n_words = planes.shape
    for lv in range(level, n_levels):
        pending = np.uint64(0)
        for w in range(n_words):
            pending |= carry[w]
        if pending == 0:
            return
        plane = planes[lv]
        for w in range(n_words):
            p = plane[w]
            plane[w] = p ^ carry[w]
            carry[w] = p & carry[w]


@njit(cache=True, nogil=True)
def _compare_half(planes, n_levels, total, tie_bits, out, equal):
    """out = lanes whose count in ``planes[:n_levels]`` exceeds ``total / 2`` (``tie_bits``
    where an even total splits evenly); a bit-sliced comparison, vectorised over words."""
    n_words = planes.shape[1]
    half = total // 2
    for w in range(n_words):
        out[w] = 0
        equal[w] = _ALL_ONES
    for level in range(n_levels - 1, -1, -1):
        plane = planes[level]
        if (half >> level) & 1:
            for w in range(n_words):
                equal[w] &= plane[w]
        else:
            for w in range(n_words):
                out[w] |= equal[w] & plane[w]
                equal[w] &= ~plane[w]
    if total % 2 == 0:
        for w in range(n_words):
            out[w] |= equal[w] & tie_bits[w]


@njit(cache=True, nogil=True)
def _argmax_abs(dots, n_rows):
    """The first index of the largest ``|dots[m]|``, ``m < n_rows``."""
    best = 0
    for m in range(n_rows):
        if abs(dots[m]) > abs(dots[best]):
            best = m
    return best


@njit(cache=True, nogil=True)
def _non_adjacent_digits(dots, shift, plus, minus):
    """Non-adjacent form of each weight ``|dots[m]| >> shift``: bit masks of its digits +1
    (``plus[m]``) and -1 (``minus[m]``), at most every other digit nonzero. Returns (the sum
    of both masks over all rows: a bound of the count, the threshold's rise ``2 * sum
    minus``).

    Without branches: with ``h = w >> 1``, the bits where ``w + h`` and ``h`` differ are the
    nonzero digits, +1 where ``w + h`` has them and -1 where ``h`` has them."""
    bound = np.int64(0)
    raised = np.int64(0)
    for m in range(dots.shape[0]):
        weight = abs(dots[m]) >> shift
        half = weight >> 1
        sum_ = weight + half
        nonzero = half ^ sum_
        p = sum_ & nonzero
        q = half & nonzero
        plus[m] = p
        minus[m] = q
        bound += p + q
        raised += 2 * q
    return bound, raised


@njit(inline="always")
def _rows_at_level(dots, plus, minus, level, refs, start):
    """refs[start:k] = the pool rows with a nonzero digit at ``level``, complemented where the
    digit and the sign of ``dots`` disagree; returns k.

    Without branches: each row writes slot k (the zero row when it has no digit there) and only
    a digit advances k, so ``refs[k]`` is written too: ``refs`` needs a slot past the rows."""
    n_rows = dots.shape[0]
    zero_row = 2 * n_rows
    k = start
    for m in range(n_rows):
        p = (plus[m] >> level) & 1
        q = (minus[m] >> level) & 1
        complemented = q ^ np.int64(dots[m] < 0)
        refs[k] = zero_row if (p | q) == 0 else m + n_rows * complemented
        k += p | q
    return k


@njit(cache=True, nogil=True)
def _add_level(pool, dots, plus, minus, level, refs, counter, carry):
    """Add the rows with a nonzero digit at ``level`` (complemented where the digit and the
    sign of ``dots`` disagree) into ``counter`` from that level up, 16 (or 8) rows per adder
    tree padded with the pool's zero row, each tree's carry rippled on."""
    n_rows = dots.shape[0]
    n = _rows_at_level(dots, plus, minus, level, refs, 0)
    start = 0
    while start < n:
        left = n - start
        size = 16 if left > 8 else 8
        for i in range(left, size):  # pad with the zero row
            refs[start + i] = 2 * n_rows
        if size == 16:
            _tree16(pool, refs[start:], counter, level, carry)
            _ripple(counter, level + 6, carry)
        else:
            _tree8(pool, refs[start:], counter, level, carry)
            _ripple(counter, level + 5, carry)
        start += size


# The rows of a weighted majority whose weights are small (the default 2-bit weights: 0 to 4)
# have non-adjacent digits at levels 0 to 2 only. Then one carry-save network per word adds
# them all, each level's rows entering the column of their weight, and the count is compared
# with the threshold in registers: one pass over the words, with no counter planes to clear,
# ripple and compare. The network is written out flat, a running sum s per column taking
# two inputs per full adder and sending each carry to the next column, so that LLVM vectorises
# the word loop; rows are read as pool[row, w] for the reason given above _tree16.
#
# The rows per level of _count_sign_32_16_8 (its refs blocks): the count is at most
# 32 + 2 * 16 + 4 * 8 = 96 and the threshold, the sum of the digits' values, no more, so both fit
# the network's 7 bits (columns of weight 1 to 64).
_ONE_PASS_ROWS = (32, 16, 8)
#: width of the refs scratch it needs: the three blocks and _gather_by_level's extra slot
_ONE_PASS_REFS = sum(_ONE_PASS_ROWS) + 1


@njit(cache=True, nogil=True)
def _count_sign_32_16_8(pool, refs, half, tie_mask, tie_bits, out):
    """Count-and-compare of :func:`weighted_sign` in one pass, for up to 32, 16 and 8 rows at
    levels 0, 1 and 2 (``refs[0:32]``, ``refs[32:48]``, ``refs[48:56]``, padded with the zero
    row): out = count > ``half``, or ``tie_bits & tie_mask`` where count == ``half``."""
    r0, r1, r2, r3 = refs[0], refs[1], refs[2], refs[3]
    r4, r5, r6, r7 = refs[4], refs[5], refs[6], refs[7]
    r8, r9, r10, r11 = refs[8], refs[9], refs[10], refs[11]
    r12, r13, r14, r15 = refs[12], refs[13], refs[14], refs[15]
    r16, r17, r18, r19 = refs[16], refs[17], refs[18], refs[19]
    r20, r21, r22, r23 = refs[20], refs[21], refs[22], refs[23]
    r24, r25, r26, r27 = refs[24], refs[25], refs[26], refs[27]
    r28, r29, r30, r31 = refs[28], refs[29], refs[30], refs[31]
    r32, r33, r34, r35 = refs[32], refs[33], refs[34], refs[35]
    r36, r37, r38, r39 = refs[36], refs[37], refs[38], refs[39]
    r40, r41, r42, r43 = refs[40], refs[41], refs[42], refs[43]
    r44, r45, r46, r47 = refs[44], refs[45], refs[46], refs[47]
    r48, r49, r50, r51 = refs[48], refs[49], refs[50], refs[51]
    r52, r53, r54, r55 = refs[52], refs[53], refs[54], refs[55]
    h1 = _ALL_ONES if (half >> 0) & 1 else _ZERO
    h2 = _ALL_ONES if (half >> 1) & 1 else _ZERO
    h4 = _ALL_ONES if (half >> 2) & 1 else _ZERO
    h8 = _ALL_ONES if (half >> 3) & 1 else _ZERO
    h16 = _ALL_ONES if (half >> 4) & 1 else _ZERO
    h32 = _ALL_ONES if (half >> 5) & 1 else _ZERO
    h64 = _ALL_ONES if (half >> 6) & 1 else _ZERO
    for w in range(out.shape[0]):
        # weight 1: 32 inputs
        s = pool[r0, w]
        x = pool[r1, w]
        y = pool[r2, w]
        u = x ^ y
        c2_0 = (x & y) | (u & s)
        s ^= u
        x = pool[r3, w]
        y = pool[r4, w]
        u = x ^ y
        c2_1 = (x & y) | (u & s)
        s ^= u
        x = pool[r5, w]
        y = pool[r6, w]
        u = x ^ y
        c2_2 = (x & y) | (u & s)
        s ^= u
        x = pool[r7, w]
        y = pool[r8, w]
        u = x ^ y
        c2_3 = (x & y) | (u & s)
        s ^= u
        x = pool[r9, w]
        y = pool[r10, w]
        u = x ^ y
        c2_4 = (x & y) | (u & s)
        s ^= u
        x = pool[r11, w]
        y = pool[r12, w]
        u = x ^ y
        c2_5 = (x & y) | (u & s)
        s ^= u
        x = pool[r13, w]
        y = pool[r14, w]
        u = x ^ y
        c2_6 = (x & y) | (u & s)
        s ^= u
        x = pool[r15, w]
        y = pool[r16, w]
        u = x ^ y
        c2_7 = (x & y) | (u & s)
        s ^= u
        x = pool[r17, w]
        y = pool[r18, w]
        u = x ^ y
        c2_8 = (x & y) | (u & s)
        s ^= u
        x = pool[r19, w]
        y = pool[r20, w]
        u = x ^ y
        c2_9 = (x & y) | (u & s)
        s ^= u
        x = pool[r21, w]
        y = pool[r22, w]
        u = x ^ y
        c2_10 = (x & y) | (u & s)
        s ^= u
        x = pool[r23, w]
        y = pool[r24, w]
        u = x ^ y
        c2_11 = (x & y) | (u & s)
        s ^= u
        x = pool[r25, w]
        y = pool[r26, w]
        u = x ^ y
        c2_12 = (x & y) | (u & s)
        s ^= u
        x = pool[r27, w]
        y = pool[r28, w]
        u = x ^ y
        c2_13 = (x & y) | (u & s)
        s ^= u
        x = pool[r29, w]
        y = pool[r30, w]
        u = x ^ y
        c2_14 = (x & y) | (u & s)
        s ^= u
        x = pool[r31, w]
        c2_15 = s & x
        s ^= x
        b1 = s
        # weight 2: 32 inputs
        s = c2_0
        x = c2_1
        y = c2_2
        u = x ^ y
        c4_0 = (x & y) | (u & s)
        s ^= u
        x = c2_3
        y = c2_4
        u = x ^ y
        c4_1 = (x & y) | (u & s)
        s ^= u
        x = c2_5
        y = c2_6
        u = x ^ y
        c4_2 = (x & y) | (u & s)
        s ^= u
        x = c2_7
        y = c2_8
        u = x ^ y
        c4_3 = (x & y) | (u & s)
        s ^= u
        x = c2_9
        y = c2_10
        u = x ^ y
        c4_4 = (x & y) | (u & s)
        s ^= u
        x = c2_11
        y = c2_12
        u = x ^ y
        c4_5 = (x & y) | (u & s)
        s ^= u
        x = c2_13
        y = c2_14
        u = x ^ y
        c4_6 = (x & y) | (u & s)
        s ^= u
        x = c2_15
        y = pool[r32, w]
        u = x ^ y
        c4_7 = (x & y) | (u & s)
        s ^= u
        x = pool[r33, w]
        y = pool[r34, w]
        u = x ^ y
        c4_8 = (x & y) | (u & s)
        s ^= u
        x = pool[r35, w]
        y = pool[r36, w]
        u = x ^ y
        c4_9 = (x & y) | (u & s)
        s ^= u
        x = pool[r37, w]
        y = pool[r38, w]
        u = x ^ y
        c4_10 = (x & y) | (u & s)
        s ^= u
        x = pool[r39, w]
        y = pool[r40, w]
        u = x ^ y
        c4_11 = (x & y) | (u & s)
        s ^= u
        x = pool[r41, w]
        y = pool[r42, w]
        u = x ^ y
        c4_12 = (x & y) | (u & s)
        s ^= u
        x = pool[r43, w]
        y = pool[r44, w]
        u = x ^ y
        c4_13 = (x & y) | (u & s)
        s ^= u
        x = pool[r45, w]
        y = pool[r46, w]
        u = x ^ y
        c4_14 = (x & y) | (u & s)
        s ^= u
        x = pool[r47, w]
        c4_15 = s & x
        s ^= x
        b2 = s
        # weight 4: 24 inputs
        s = c4_0
        x = c4_1
        y = c4_2
        u = x ^ y
        c8_0 = (x & y) | (u & s)
        s ^= u
        x = c4_3
        y = c4_4
        u = x ^ y
        c8_1 = (x & y) | (u & s)
        s ^= u
        x = c4_5
        y = c4_6
        u = x ^ y
        c8_2 = (x & y) | (u & s)
        s ^= u
        x = c4_7
        y = c4_8
        u = x ^ y
        c8_3 = (x & y) | (u & s)
        s ^= u
        x = c4_9
        y = c4_10
        u = x ^ y
        c8_4 = (x & y) | (u & s)
        s ^= u
        x = c4_11
        y = c4_12
        u = x ^ y
        c8_5 = (x & y) | (u & s)
        s ^= u
        x = c4_13
        y = c4_14
        u = x ^ y
        c8_6 = (x & y) | (u & s)
        s ^= u
        x = c4_15
        y = pool[r48, w]
        u = x ^ y
        c8_7 = (x & y) | (u & s)
        s ^= u
        x = pool[r49, w]
        y = pool[r50, w]
        u = x ^ y
        c8_8 = (x & y) | (u & s)
        s ^= u
        x = pool[r51, w]
        y = pool[r52, w]
        u = x ^ y
        c8_9 = (x & y) | (u & s)
        s ^= u
        x = pool[r53, w]
        y = pool[r54, w]
        u = x ^ y
        c8_10 = (x & y) | (u & s)
        s ^= u
        x = pool[r55, w]
        c8_11 = s & x
        s ^= x
        b4 = s
        # weight 8: 12 inputs
        s = c8_0
        x = c8_1
        y = c8_2
        u = x ^ y
        c16_0 = (x & y) | (u & s)
        s ^= u
        x = c8_3
        y = c8_4
        u = x ^ y
        c16_1 = (x & y) | (u & s)
        s ^= u
        x = c8_5
        y = c8_6
        u = x ^ y
        c16_2 = (x & y) | (u & s)
        s ^= u
        x = c8_7
        y = c8_8
        u = x ^ y
        c16_3 = (x & y) | (u & s)
        s ^= u
        x = c8_9
        y = c8_10
        u = x ^ y
        c16_4 = (x & y) | (u & s)
        s ^= u
        x = c8_11
        c16_5 = s & x
        s ^= x
        b8 = s
        # weight 16: 6 inputs
        s = c16_0
        x = c16_1
        y = c16_2
        u = x ^ y
        c32_0 = (x & y) | (u & s)
        s ^= u
        x = c16_3
        y = c16_4
        u = x ^ y
        c32_1 = (x & y) | (u & s)
        s ^= u
        x = c16_5
        c32_2 = s & x
        s ^= x
        b16 = s
        # weight 32: 3 inputs
        s = c32_0
        x = c32_1
        y = c32_2
        u = x ^ y
        c64_0 = (x & y) | (u & s)
        s ^= u
        b32 = s
        # weight 64: 1 input
        b64 = c64_0
        # count > half, or == half where the tie bits say so
        above = b64 & ~h64
        equal = ~(b64 ^ h64)
        above |= equal & b32 & ~h32
        equal &= ~(b32 ^ h32)
        above |= equal & b16 & ~h16
        equal &= ~(b16 ^ h16)
        above |= equal & b8 & ~h8
        equal &= ~(b8 ^ h8)
        above |= equal & b4 & ~h4
        equal &= ~(b4 ^ h4)
        above |= equal & b2 & ~h2
        equal &= ~(b2 ^ h2)
        above |= equal & b1 & ~h1
        equal &= ~(b1 ^ h1)
        out[w] = above | (equal & tie_bits[w] & tie_mask)


@njit(inline="always")
def _fits_one_pass(plus, minus, n_rows):
    """Whether the digits of the first ``n_rows`` weights fit :func:`_count_sign_32_16_8`: all
    at levels 0 to 2, with at most ``_ONE_PASS_ROWS`` rows there."""
    n0 = np.int64(0)
    n1 = np.int64(0)
    n2 = np.int64(0)
    high = np.int64(0)
    for m in range(n_rows):
        nonzero = plus[m] | minus[m]
        n0 += nonzero & 1
        n1 += (nonzero >> 1) & 1
        n2 += (nonzero >> 2) & 1
        high |= nonzero >> 3
    rows0, rows1, rows2 = _ONE_PASS_ROWS
    return high == 0 and n0 <= rows0 and n1 <= rows1 and n2 <= rows2


@njit(inline="always")
def _gather_by_level(dots, plus, minus, refs, size0, size1, size2):
    """refs = the pool rows with a digit at level 0, then 1, then 2, in blocks of ``size0``,
    ``size1``, ``size2`` padded with the zero row; a row is complemented where its digit and
    the sign of its dot disagree. The counts must fit (:func:`_fits_one_pass`); ``refs`` needs
    one slot more than the blocks.

    A level's write past its rows (:func:`_rows_at_level`) is overwritten by its padding or the
    next level's block, the last level's by nothing (the extra slot)."""
    zero_row = 2 * dots.shape[0]
    start = 0
    for level in range(3):
        size = size0 if level == 0 else (size1 if level == 1 else size2)
        k = _rows_at_level(dots, plus, minus, level, refs, start)
        for i in range(k, start + size):
            refs[i] = zero_row
        start += size


@njit(inline="always")
def _quantize_weights(dots, weight_bits, out):
    """out[m] = dots[m] rounded to ``weight_bits`` significant bits of the largest |dots|
    (the magnitudes divided by a power of two, rounded half up; signs kept). Returns the
    weights to use: ``out[:M]``, or ``dots`` itself when they already fit (or
    ``weight_bits == 0``, exact)."""
    n_rows = dots.shape[0]
    if weight_bits <= 0:
        return dots
    largest = np.int64(0)
    for m in range(n_rows):
        if abs(dots[m]) > largest:
            largest = abs(dots[m])
    length = 0
    while (largest >> length) > 0:
        length += 1
    drop = length - weight_bits
    if drop <= 0:
        return dots
    half = np.int64(1) << (drop - 1)
    for m in range(n_rows):
        magnitude = (abs(dots[m]) + half) >> drop
        out[m] = -magnitude if dots[m] < 0 else magnitude
    return out[:n_rows]


@njit(cache=True, nogil=True)
def weighted_sign(pool, dots, tie_bits, out, planes, digits, scratch, weight_bits):
    """out = sign(sum_m dots[m] * codebook[m]) in bipolar terms, packed; exact for
    ``weight_bits == 0``, else with the weights rounded to that many significant bits
    (:func:`_quantize_weights`).

    ``pool`` is the signed pool of the codebook (:func:`signed_pool`). With weights
    ``w_m = |dots[m]|`` (divided by their common power of two, which changes no sign) and rows
    ``r_m`` complemented where ``dots[m] < 0``, an output bit is 1 (bipolar -1) where
    ``2 * sum_m w_m r_m > sum_m w_m``, 0 where it is below and ``tie_bits`` where equal. When
    one weight exceeds all the others together it decides every bit: the result is its
    (signed) row and nothing is counted.

    Otherwise the weights are written in non-adjacent form (digits -1, 0, 1, at most every
    other one nonzero; a digit -1 adds the complemented row and raises the threshold) and each
    row is read once per nonzero digit of its weight. When all digits sit at levels 0 to 2
    (small weights, as with 2-bit rounding) with at most 32, 16 and 8 rows there, the count is
    built and compared in registers, word by word (:func:`_count_sign_32_16_8`); the count
    then stays below 2 ** 7 and so does the threshold.

    In the other cases the weighted sum is built level by level into the vertical counter
    ``planes``: the rows whose weight has a digit at level ``k`` go through carry-save adder
    trees of 16 (or 8) rows, padded with the zero row, into the window of levels
    ``k .. k + 5`` (or ``k + 4``), and each tree's carry is rippled on from there (a ripple
    stops at the first level where no lane carries).

    Scratch: ``planes`` (levels >= bit_length(sum w) + 11, W); ``digits``
    (4, >= max(M + 16, ``_ONE_PASS_REFS``)) int64; ``scratch`` (2, W).
    """
    n_rows = dots.shape[0]
    n_words = out.shape[0]
    dots = _quantize_weights(dots, weight_bits, digits[3])
    best = _argmax_abs(dots, n_rows)
    bits_or = np.int64(0)
    for m in range(n_rows):
        bits_or |= abs(dots[m])
    shift = 0
    while bits_or != 0 and ((bits_or >> shift) & 1) == 0:
        shift += 1
    total = np.int64(0)
    for m in range(n_rows):
        total += abs(dots[m]) >> shift
    top = abs(dots[best]) >> shift
    if top > total - top:
        src = pool[best + n_rows] if dots[best] < 0 else pool[best]
        for w in range(n_words):
            out[w] = src[w]
        return
    if total == 0:
        for w in range(n_words):
            out[w] = tie_bits[w]
        return
    # non-adjacent form of each weight: digits in {-1, 0, 1}, a third of them nonzero. A digit
    # -1 at level k adds the complemented row (~r = 1 - r per lane) and 2**k to the threshold.
    refs = digits[0]
    plus = digits[1]
    minus = digits[2]
    bound, raised = _non_adjacent_digits(dots, shift, plus, minus)
    threshold = total + raised
    if _fits_one_pass(plus, minus, n_rows):  # small weights
        rows0, rows1, rows2 = _ONE_PASS_ROWS
        _gather_by_level(dots, plus, minus, refs, rows0, rows1, rows2)
        tie_mask = _ALL_ONES if threshold % 2 == 0 else _ZERO
        _count_sign_32_16_8(pool, refs, threshold // 2, tie_mask, tie_bits, out)
        return
    n_levels = 1
    while (max(bound, threshold) >> n_levels) > 0:
        n_levels += 1
    n_levels += 1  # room for the count, which never exceeds bound
    counter = planes[: n_levels + 6]
    for level in range(n_levels + 6):
        plane = counter[level]
        for w in range(n_words):
            plane[w] = 0
    carry = scratch[0]
    for level in range(n_levels):
        _add_level(pool, dots, plus, minus, level, refs, counter, carry)
    _compare_half(counter, n_levels, threshold, tie_bits, out, scratch[1])


def weighted_sign_scratch(n_rows: int, n_words: int, max_weight: int):
    """Scratch arrays of :func:`weighted_sign` for ``n_rows`` weights of at most
    ``max_weight`` in absolute value: (planes, refs, scratch)."""
    n_levels = (n_rows * max(1, int(max_weight))).bit_length() + 12
    return (
        np.empty((n_levels, n_words), dtype=np.uint64),
        np.empty((4, max(n_rows + 16, _ONE_PASS_REFS)), dtype=np.int64),
        np.empty((2, n_words), dtype=np.uint64),
    )


# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------
# Its helpers are inlined into the one entry kernel, _resonate_rows: numba links every called
# kernel's code into its caller and optimises it there again, so each separately compiled level
# would add its callees' compile time once more.
@njit(inline="always")
def _state_hash(estimates, lanes):
    """A 64-bit hash of the estimates, for cycle detection: eight multiply-xorshift lanes, lane
    ``k`` taking the words ``w = k mod 8`` (eight independent chains of multiplies instead of
    one), folded together at the end. ``lanes``: scratch of 8 words."""
    n_words = estimates.shape[1]
    tail = n_words - n_words % 8
    for k in range(8):
        lanes[k] = np.uint64(0xCBF29CE484222325) + np.uint64(k)
    for f in range(estimates.shape[0]):
        for start in range(0, tail, 8):
            for k in range(8):
                h = (lanes[k] ^ estimates[f, start + k]) * np.uint64(0x100000001B3)
                lanes[k] = h ^ (h >> np.uint64(29))
        for w in range(tail, n_words):
            h = (lanes[0] ^ estimates[f, w]) * np.uint64(0x100000001B3)
            lanes[0] = h ^ (h >> np.uint64(29))
    h = np.uint64(0)
    for k in range(8):
        h = (h ^ lanes[k]) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


@njit(inline="always")
def _solves(product, codebooks, offsets, indices):
    """Whether the codevectors ``indices`` bind to ``product`` exactly."""
    n_factors = offsets.shape[0] - 1
    for w in range(product.shape[0]):
        x = product[w]
        for f in range(n_factors):
            x ^= codebooks[offsets[f] + indices[f], w]
        if x != 0:
            return False
    return True


@njit(inline="always")
def _random_words(state, out):
    """Fill ``out`` with random words from the splitmix64 stream ``state``; the new state."""
    for w in range(out.shape[0]):
        state, random_bits = _next_random(state)
        out[w] = random_bits
    return state


@njit(inline="always")
def _unbind_others(product, estimates, f, out):
    """out = product XOR every estimate but factor ``f``'s: what factor ``f`` should be."""
    for w in range(product.shape[0]):
        out[w] = product[w]
    for g in range(estimates.shape[0]):
        if g != f:
            for w in range(product.shape[0]):
                out[w] ^= estimates[g, w]


@njit(inline="always")
def _resonate_one(
    product, codebooks, offsets, pools, pool_offsets, init, max_iter, history, weight_bits, seed,
    indices, estimates, work,
):
    """One factorization. Returns (iterations, converged, solved, restarts).

    ``indices`` holds the decoded factors when ``solved`` (their product equals ``product``);
    otherwise the caller decodes ``estimates``. The decoded factors are tested after every
    factor's similarities (once each factor has been decoded once): a solution stops the
    network before its cleanup.

    ``work`` is the scratch of :func:`_resonate_rows`, shared by its problems: every array in it
    is written before it is read, except the cycle history ``seen``, cleared here.
    """
    n_factors = offsets.shape[0] - 1
    n_words = product.shape[0]
    dots, planes, digits, scratch, u, new, tie, seen, lanes = work
    for k in range(seen.shape[0]):
        seen[k] = 0
    state = np.uint64(seed)
    for f in range(n_factors):
        for w in range(n_words):
            estimates[f, w] = init[f, w]
    restarts = 0
    decoded = 0  # factors decoded at least once since the (re)start
    for iteration in range(1, max_iter + 1):
        changed = False
        for f in range(n_factors):
            _unbind_others(product, estimates, f, u)
            book = codebooks[offsets[f] : offsets[f + 1]]
            n_rows = book.shape[0]
            bipolar_dots(u, book, dots)
            indices[f] = _argmax_abs(dots, n_rows)
            decoded = max(decoded, f + 1)
            if decoded == n_factors and _solves(product, codebooks, offsets, indices):
                return iteration, True, True, restarts
            state = _random_words(state, tie)
            weighted_sign(
                pools[pool_offsets[f] : pool_offsets[f + 1]],
                dots[:n_rows],
                tie,
                new,
                planes,
                digits,
                scratch,
                weight_bits,
            )
            for w in range(n_words):
                if new[w] != estimates[f, w]:
                    changed = True
                estimates[f, w] = new[w]
        if not changed:
            return iteration, True, False, restarts
        if history == 0:
            continue
        h = _state_hash(estimates, lanes)
        cycle = False
        for k in range(history):
            if seen[k] == h:
                cycle = True
        if cycle:
            # a limit cycle: restart from random estimates
            restarts += 1
            decoded = 0
            for f in range(n_factors):
                state = _random_words(state, estimates[f])
            for k in range(history):
                seen[k] = 0
        else:
            seen[iteration % history] = h
    return max_iter, False, False, restarts


@njit(inline="always")
def _decode(codebooks, offsets, estimates, indices):
    """indices[f] = the codebook row with the largest |bipolar dot| with estimates[f]."""
    for f in range(offsets.shape[0] - 1):
        best_score = np.int64(-1)
        for m in range(offsets[f], offsets[f + 1]):
            score = abs(64 * estimates.shape[1] - 2 * distance(estimates[f], codebooks[m]))
            if score > best_score:
                best_score = score
                indices[f] = m - offsets[f]


@njit(cache=True, nogil=True)
def _resonate_rows(products, codebooks, offsets, pools, pool_offsets, init, max_iter, history,
                   weight_bits, seeds, indices, iterations, converged, restarts):
    """Factorize the products (n, W) in turn (see :func:`resonate`)."""
    n_factors = offsets.shape[0] - 1
    n_words = products.shape[1]
    estimates = np.empty((n_factors, n_words), dtype=np.uint64)
    max_rows = 0
    for f in range(n_factors):
        max_rows = max(max_rows, offsets[f + 1] - offsets[f])
    # scratch of one problem, allocated once per batch: the similarities, weighted_sign's
    # (weights are |dots| <= dim: planes for that bound), the unbound product, the new estimate,
    # the tie bits, the cycle history and the lanes of its hash
    sum_bound = max_rows * 64 * n_words
    n_levels = 12
    while (sum_bound >> (n_levels - 12)) > 0:
        n_levels += 1
    work = (
        np.empty(max_rows, dtype=np.int64),
        np.empty((n_levels, n_words), dtype=np.uint64),
        np.empty((4, max(max_rows + 16, _ONE_PASS_REFS)), dtype=np.int64),
        np.empty((2, n_words), dtype=np.uint64),
        np.empty(n_words, dtype=np.uint64),
        np.empty(n_words, dtype=np.uint64),
        np.empty(n_words, dtype=np.uint64),
        np.zeros(max(history, 1), dtype=np.uint64),
        np.empty(8, dtype=np.uint64),
    )
    for i in range(products.shape[0]):
        it, ok, solved, n_restarts = _resonate_one(
            products[i], codebooks, offsets, pools, pool_offsets, init, max_iter, history,
            weight_bits, seeds[i], indices[i], estimates, work,
        )
        if not solved:
            _decode(codebooks, offsets, estimates, indices[i])
        iterations[i] = it
        converged[i] = ok
        restarts[i] = n_restarts


def resonate(
    products: np.ndarray,
    codebooks: np.ndarray,
    offsets: np.ndarray,
    pools: np.ndarray,
    pool_offsets: np.ndarray,
    init: np.ndarray,
    max_iter: int,
    history: int,
    weight_bits: int,
    seeds: np.ndarray,
    indices: np.ndarray,
    iterations: np.ndarray,
    converged: np.ndarray,
    restarts: np.ndarray,
) -> None:
    """Factorize every product (n, W) over the codebooks, writing the four result arrays.

    ``pools`` stacks the signed pool of every codebook (:func:`signed_pool`), factor ``f`` at
    rows ``pool_offsets[f] : pool_offsets[f + 1]``. Chunks of problems run on the load-tolerant
    workers of :mod:`hdc._parallel`; each problem has its own random stream (``seeds[i]``), so
    results do not depend on the chunking or the number of threads.
    """
    outputs = (indices, iterations, converged, restarts)
    # inputs read-only, outputs writable: one compiled signature
    products, codebooks, offsets, pools, pool_offsets, init, seeds = (
        readonly(a) for a in (products, codebooks, offsets, pools, pool_offsets, init, seeds))

    def kernel(start: int, stop: int, out: tuple[np.ndarray, ...]) -> None:
        _resonate_rows(products[start:stop], codebooks, offsets, pools, pool_offsets, init,
                       max_iter, history, weight_bits, seeds[start:stop], *out)

    def compute(start: int, stop: int) -> tuple[np.ndarray, ...]:
        out = tuple(np.zeros((stop - start,) + a.shape[1:], dtype=a.dtype) for a in outputs)
        kernel(start, stop, out)
        return out

    def commit(start: int, stop: int, out: tuple[np.ndarray, ...]) -> None:
        for dest, part in zip(outputs, out, strict=True):
            dest[start:stop] = part

    # chunks sized by the words of one sweep, the least a problem takes (most stop within a few
    # sweeps, a few run to max_iter): sized by max_iter sweeps, a chunk would hold one problem
    # and its hand-off would cost more than the problem
    work = codebooks.shape[0] * products.shape[1]
    run_chunks(compute, commit, products.shape[0], rows_per_chunk(work),
               direct=lambda start, stop: kernel(start, stop, outputs))
