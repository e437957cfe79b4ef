"""Bit-sliced arithmetic on 64-bit words: carry-save adders and vertical counters.

A *vertical counter* counts, for each of the 64 bit lanes of a word, how many inputs had that bit
set: ``planes[l]`` holds bit ``l`` of every lane's count, so ``L`` words count up to ``2**L - 1``
in all 64 lanes at once. Adding a word to the counter is a ripple of half adders; adding 16 words
at once is a Harley-Seal tree of carry-save adders (15 full adders for 16 inputs; for rows of
words, :func:`add16_rows` runs an 8-input tree twice), which is how bundling, the record
encoder and the n-gram encoder count votes without ever expanding a hypervector to one byte per
bit.

Every helper is inlined into its caller (``inline="always"``): nothing here is compiled or cached
on its own, and loops over words stay free of calls so that LLVM vectorises them. Helpers index
only ``planes`` levels and words below the shapes they are given; callers size the planes (enough
levels for the largest count) from validated input.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def csa(a, b, c):
    """Carry-save (full) adder on 64 lanes: ``(sum, carry)`` bits of ``a + b + c``."""
    u = a ^ b
    return u ^ c, (a & b) | (u & c)


@njit(inline="always")
def add8(ones, twos, fours, x0, x1, x2, x3, x4, x5, x6, x7):
    """Add eight words to the counter bits of weight 1, 2 and 4.

    Returns the new ``(ones, twos, fours)`` and the carry of weight 8.
    """
    ones, two_a = csa(ones, x0, x1)
    ones, two_b = csa(ones, x2, x3)
    twos, four_a = csa(twos, two_a, two_b)
    ones, two_a = csa(ones, x4, x5)
    ones, two_b = csa(ones, x6, x7)
    twos, four_b = csa(twos, two_a, two_b)
    fours, eight = csa(fours, four_a, four_b)
    return ones, twos, fours, eight


@njit(inline="always")
def add16(ones, twos, fours, eights, x0, x1, x2, x3, x4, x5, x6, x7,
          x8, x9, x10, x11, x12, x13, x14, x15):
    """Harley-Seal step: add sixteen words to the counter bits of weight 1, 2, 4 and 8.

    Returns the new ``(ones, twos, fours, eights)`` and the carry of weight 16 (one bit per lane:
    a 4-bit counter plus 16 inputs stays below 32).
    """
    # add8 twice and a full adder, written out flat (the same logic): nested inlining of csa
    # and add8 made numba's front end several times slower on every kernel using this
    u = x0 ^ x1
    ta, ones = (x0 & x1) | (u & ones), u ^ ones
    u = x2 ^ x3
    tb, ones = (x2 & x3) | (u & ones), u ^ ones
    u = ta ^ tb
    fa, twos = (ta & tb) | (u & twos), u ^ twos
    u = x4 ^ x5
    ta, ones = (x4 & x5) | (u & ones), u ^ ones
    u = x6 ^ x7
    tb, ones = (x6 & x7) | (u & ones), u ^ ones
    u = ta ^ tb
    fb, twos = (ta & tb) | (u & twos), u ^ twos
    u = fa ^ fb
    eight_a, fours = (fa & fb) | (u & fours), u ^ fours
    u = x8 ^ x9
    ta, ones = (x8 & x9) | (u & ones), u ^ ones
    u = x10 ^ x11
    tb, ones = (x10 & x11) | (u & ones), u ^ ones
    u = ta ^ tb
    fa, twos = (ta & tb) | (u & twos), u ^ twos
    u = x12 ^ x13
    ta, ones = (x12 & x13) | (u & ones), u ^ ones
    u = x14 ^ x15
    tb, ones = (x14 & x15) | (u & ones), u ^ ones
    u = ta ^ tb
    fb, twos = (ta & tb) | (u & twos), u ^ twos
    u = fa ^ fb
    eight_b, fours = (fa & fb) | (u & fours), u ^ fours
    u = eight_a ^ eight_b
    sixteen, eights = (eight_a & eight_b) | (u & eights), u ^ eights
    return ones, twos, fours, eights, sixteen


@njit(inline="always")
def add16_rows(planes, level, x, rows, carry):
    """Add the 16 rows ``x[rows[0]], ..., x[rows[15]]`` (each ``(W,)``) with weight
    ``2**level`` into levels ``level .. level + 3`` of ``planes`` (levels, W).

    The carries of weight ``2**(level + 4)`` are written to ``carry`` (W,), for the caller to
    count further up. ``rows`` holds at least 16 valid row indices of ``x``.
    """
    p0 = planes[level]
    p1 = planes[level + 1]
    p2 = planes[level + 2]
    p3 = planes[level + 3]
    # two passes of 8 rows: an 8-input Harley-Seal tree into the bits of weight 1, 2 and 4,
    # its carry of weight 8 added to the fourth bit; the one carry out of weight 16 (a 4-bit
    # count plus 16 stays below 32) is or-ed into ``carry``. Full adders written out flat
    # (sum u ^ c, carry (a & b) | (u & c)): fewer statements for numba's front end than nested
    # inline calls, and one copy of the 8-row tree instead of two.
    for half in range(2):
        r = rows[8 * half : 8 * half + 8]
        x0, x1, x2, x3 = x[r[0]], x[r[1]], x[r[2]], x[r[3]]
        x4, x5, x6, x7 = x[r[4]], x[r[5]], x[r[6]], x[r[7]]
        keep = np.uint64(0) - np.uint64(half)  # the first pass writes carry, the second ors
        for w in range(planes.shape[1]):
            o, t, f = p0[w], p1[w], p2[w]
            a, b = x0[w], x1[w]
            u = a ^ b
            ta, o = (a & b) | (u & o), u ^ o
            a, b = x2[w], x3[w]
            u = a ^ b
            tb, o = (a & b) | (u & o), u ^ o
            u = ta ^ tb
            fa, t = (ta & tb) | (u & t), u ^ t
            a, b = x4[w], x5[w]
            u = a ^ b
            ta, o = (a & b) | (u & o), u ^ o
            a, b = x6[w], x7[w]
            u = a ^ b
            tb, o = (a & b) | (u & o), u ^ o
            u = ta ^ tb
            fb, t = (ta & tb) | (u & t), u ^ t
            u = fa ^ fb
            eight, f = (fa & fb) | (u & f), u ^ f
            e = p3[w]
            carry[w] = (carry[w] & keep) | (e & eight)
            p0[w], p1[w], p2[w], p3[w] = o, t, f, e ^ eight


@njit(inline="always")
def ripple(planes, level, carry):
    """Add the words ``carry`` (W,) with weight ``2**level`` into ``planes`` (levels, W).

    A ripple of half adders from ``level`` up; ``carry`` is used as scratch. The counter must
    have room for the sum (a carry out of the top level is dropped).
    """
    for lv in range(level, planes.shape[0]):
        plane = planes[lv]
        for w in range(planes.shape[1]):
            p = plane[w]
            plane[w] = p ^ carry[w]
            carry[w] = p & carry[w]


@njit(inline="always")
def ripple_word(column, level, carry):
    """Add one word ``carry`` with weight ``2**level`` into the counter ``column`` (levels,)
    of a single word position, stopping as soon as no lane carries."""
    for lv in range(level, column.shape[0]):
        if carry == 0:
            break
        p = column[lv]
        column[lv] = p ^ carry
        carry = p & carry


@njit(inline="always")
def add_counters(acc, addend, carry):
    """``acc += addend`` for two vertical counters (levels, W); ``carry`` (W,) is scratch.

    A bit-sliced ripple-carry adder: one full adder per level and word.
    """
    for w in range(acc.shape[1]):
        carry[w] = 0
    for lv in range(acc.shape[0]):
        a = acc[lv]
        b = addend[lv]
        for w in range(acc.shape[1]):
            a[w], carry[w] = csa(a[w], b[w], carry[w])


@njit(inline="always")
def majority(planes, total, tie, out):
    """``out`` (W,) = the lanes whose count in ``planes`` (levels, W) exceeds ``total / 2``.

    For an even ``total`` the lanes counting exactly ``total / 2`` take their bit from ``tie``
    (W,); for an odd total a count cannot tie. Per word, a bit-sliced comparison of the count
    with ``half = total // 2`` from the top level down (``half`` must be below
    ``2**levels``): ``greater`` collects the lanes that exceed it, ``equal`` the lanes equal to
    it so far.
    """
    half = total // 2
    tie_mask = np.uint64(0) - np.uint64(1 - total % 2)  # all ones for an even total
    for w in range(planes.shape[1]):
        greater = np.uint64(0)
        equal = ~np.uint64(0)
        for level in range(planes.shape[0] - 1, -1, -1):
            p = planes[level, w]
            if (half >> level) & 1:
                equal &= p
            else:
                greater |= equal & p
                equal &= ~p
        out[w] = greater | (equal & tie[w] & tie_mask)
