"""Compiled kernels of :class:`encoders.NGramEncoder` (numba), over plain, validated arrays.

- :func:`letter_words`: the letter hypervector of a code point, a splitmix64 stream seeded by a
  hash of ``(seed, code point)`` (no alphabet to fit, any Unicode text works);
- :func:`ngram_bundle`: the bitwise majority of all character n-grams of every text, each n-gram
  the XOR of position-rotated letter vectors read from a precomputed table. Counting is
  bit-sliced (carry-save adders into vertical counters held in registers), one 64-bit word of
  the output at a time, so no n-gram vector is ever materialised and nothing is one byte per bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from encoders._kernels import _csa

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)


@njit(inline="always")
def _mix64(z):
    """The splitmix64 output function (a bijective 64-bit mixer)."""
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def letter_words(codepoints, seed, out):
    """out[k, w] = word ``w`` of the letter vector of ``codepoints[k]`` under ``seed``.

    The vector of code point ``c`` is the splitmix64 stream started at
    ``state = mix64(seed XOR mix64(c + 1))``: word ``w`` is ``mix64(state + (w + 1) * golden)``.
    """
    n_words = out.shape[1]
    for k in range(codepoints.shape[0]):
        state = _mix64(seed ^ _mix64(np.uint64(codepoints[k]) + np.uint64(1)))
        for w in range(n_words):
            state += _GOLDEN
            out[k, w] = _mix64(state)


@njit(inline="always")
def _flush16(grams, planes, carry):
    """Add the 16 rows of ``grams`` (16, W) into the vertical counters ``planes`` (levels, W).

    A Harley-Seal tree of carry-save adders over planes 0..3, then the carry of weight 16 is
    rippled into the higher planes. Loops run over words, so they vectorise.
    """
    n_planes, n_words = planes.shape
    for w in range(n_words):
        ones, two_a = _csa(planes[0, w], grams[0, w], grams[1, w])
        ones, two_b = _csa(ones, grams[2, w], grams[3, w])
        twos, four_a = _csa(planes[1, w], two_a, two_b)
        ones, two_a = _csa(ones, grams[4, w], grams[5, w])
        ones, two_b = _csa(ones, grams[6, w], grams[7, w])
        twos, four_b = _csa(twos, two_a, two_b)
        fours, eight_a = _csa(planes[2, w], four_a, four_b)
        ones, two_a = _csa(ones, grams[8, w], grams[9, w])
        ones, two_b = _csa(ones, grams[10, w], grams[11, w])
        twos, four_a = _csa(twos, two_a, two_b)
        ones, two_a = _csa(ones, grams[12, w], grams[13, w])
        ones, two_b = _csa(ones, grams[14, w], grams[15, w])
        twos, four_b = _csa(twos, two_a, two_b)
        fours, eight_b = _csa(fours, four_a, four_b)
        eights, carry[w] = _csa(planes[3, w], eight_a, eight_b)
        planes[0, w] = ones
        planes[1, w] = twos
        planes[2, w] = fours
        planes[3, w] = eights
    _ripple(planes, 4, carry)


@njit(inline="always")
def _ripple(planes, level, carry):
    """Add the bits of ``carry`` (W,) with weight ``2**level`` into ``planes``; clobbers carry."""
    n_planes, n_words = planes.shape
    for lv in range(level, n_planes):
        for w in range(n_words):
            q = planes[lv, w]
            planes[lv, w] = q ^ carry[w]
            carry[w] = q & carry[w]


@njit(cache=True, nogil=True, parallel=True)
def ngram_bundle(symbols, offsets, table, n_min, n_max, tie, out):
    """Majority bundle of the character n-grams (``n_min <= n <= n_max``) of every text.

    Parameters (all validated by the caller)
    ----------------------------------------
    symbols : int32 (total,)
        The characters of all texts, concatenated, as indices into the letter table.
    offsets : int64 (n + 1,)
        Text ``i`` is ``symbols[offsets[i]:offsets[i + 1]]``.
    table : uint64 (n_max, S, W)
        ``table[j, s]``: letter vector ``s`` rotated by ``j`` bits, the letter's vector at
        position ``j`` of an n-gram.
    n_min, n_max : int
        Range of n-gram sizes; the n-gram of size ``n`` starting at ``p`` is
        ``XOR_{j < n} table[j, symbols[p + j]]``, so the n-grams starting at ``p`` are prefixes
        of one another and are built incrementally.
    tie : uint64 (W,)
        Bits taken where exactly half of the n-grams vote 1 (and for texts without n-grams).
    out : uint64 (n, W)
    """
    n = offsets.shape[0] - 1
    n_words = out.shape[1]
    for i in prange(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        m = 0
        for size in range(n_min, n_max + 1):
            if length >= size:
                m += length - size + 1
        n_planes = 4
        while (m >> n_planes) > 0:
            n_planes += 1
        planes = np.zeros((n_planes, n_words), dtype=np.uint64)
        grams = np.empty((16, n_words), dtype=np.uint64)
        carry = np.empty(n_words, dtype=np.uint64)
        k = 0
        for p in range(length):
            top = min(n_max, length - p)
            if top < n_min:
                continue
            row = table[0, symbols[start + p]]
            for w in range(n_words):
                grams[k, w] = row[w]
            cur = k
            for j in range(top):
                if j > 0:
                    row = table[j, symbols[start + p + j]]
                    for w in range(n_words):
                        grams[k, w] = grams[cur, w] ^ row[w]
                    cur = k
                if j + 1 >= n_min:
                    k += 1
                    if k == 16:
                        _flush16(grams, planes, carry)
                        k = 0
        for r in range(k):
            for w in range(n_words):
                carry[w] = grams[r, w]
            _ripple(planes, 0, carry)
        # bit-sliced comparison of the counts with m // 2, from the top plane down
        half = m // 2
        gt = np.zeros(n_words, dtype=np.uint64)
        eq = np.full(n_words, ~np.uint64(0), dtype=np.uint64)
        for level in range(n_planes - 1, -1, -1):
            if (half >> level) & 1:
                for w in range(n_words):
                    eq[w] &= planes[level, w]
            else:
                for w in range(n_words):
                    gt[w] |= eq[w] & planes[level, w]
                    eq[w] &= ~planes[level, w]
        if m % 2:
            for w in range(n_words):
                out[i, w] = gt[w]
        else:
            for w in range(n_words):
                out[i, w] = gt[w] | (eq[w] & tie[w])
