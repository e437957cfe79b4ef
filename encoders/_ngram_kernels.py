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
def _flush16(grams, planes, base, carry):
    """Add the 16 rows of ``grams`` (16, W), with weight ``2**base``, into ``planes`` (levels, W).

    A Harley-Seal tree of carry-save adders over planes base..base+3, then the carry of weight
    ``2**(base + 4)`` is rippled into the higher planes. Loops run over words, so they vectorise.
    """
    n_words = planes.shape[1]
    b0 = planes[base]
    b1 = planes[base + 1]
    b2 = planes[base + 2]
    b3 = planes[base + 3]
    for w in range(n_words):
        ones, two_a = _csa(b0[w], grams[0, w], grams[1, w])
        ones, two_b = _csa(ones, grams[2, w], grams[3, w])
        twos, four_a = _csa(b1[w], two_a, two_b)
        ones, two_a = _csa(ones, grams[4, w], grams[5, w])
        ones, two_b = _csa(ones, grams[6, w], grams[7, w])
        twos, four_b = _csa(twos, two_a, two_b)
        fours, eight_a = _csa(b2[w], four_a, four_b)
        ones, two_a = _csa(ones, grams[8, w], grams[9, w])
        ones, two_b = _csa(ones, grams[10, w], grams[11, w])
        twos, four_a = _csa(twos, two_a, two_b)
        ones, two_a = _csa(ones, grams[12, w], grams[13, w])
        ones, two_b = _csa(ones, grams[14, w], grams[15, w])
        twos, four_b = _csa(twos, two_a, two_b)
        fours, eight_b = _csa(fours, four_a, four_b)
        eights, carry[w] = _csa(b3[w], eight_a, eight_b)
        b0[w] = ones
        b1[w] = twos
        b2[w] = fours
        b3[w] = eights
    _ripple(planes, base + 4, carry)


@njit(inline="always")
def _ripple(planes, level, carry):
    """Add the bits of ``carry`` (W,) with weight ``2**level`` into ``planes``; clobbers carry."""
    n_planes, n_words = planes.shape
    for lv in range(level, n_planes):
        for w in range(n_words):
            q = planes[lv, w]
            planes[lv, w] = q ^ carry[w]
            carry[w] = q & carry[w]


@njit(inline="always")
def _majority(planes, total, tie, out):
    """out = lanes whose vertical count is > total / 2, ``tie`` bits where it is exactly half.

    A bit-sliced comparison with ``total // 2``, from the top plane down.
    """
    n_planes, n_words = planes.shape
    half = total // 2
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
    if total % 2:
        for w in range(n_words):
            out[w] = gt[w]
    else:
        for w in range(n_words):
            out[w] = gt[w] | (eq[w] & tie[w])


@njit(inline="always")
def _n_grams(length, n_min, n_max):
    """Number of n-grams of sizes n_min..n_max in a text of ``length`` characters."""
    m = 0
    for size in range(n_min, n_max + 1):
        if length >= size:
            m += length - size + 1
    return m


@njit(inline="always")
def _bit_length(value):
    n = 0
    while (value >> n) > 0:
        n += 1
    return n


@njit(inline="always")
def _gram_keys(symbols, codepoints, start, length, n_min, n_max, seed, keys):
    """64-bit keys of the n-grams of one text (a hash chain over their code points).

    ``keys[k]`` identifies the k-th n-gram whatever the batch; n-grams are numbered by start
    position, then size. Returns the number of n-grams.
    """
    k = 0
    for p in range(length):
        key = seed
        top = min(n_max, length - p)
        for j in range(top):
            cp = np.uint64(codepoints[symbols[start + p + j]])
            key = _mix64(key + (cp + np.uint64(1)) * _GOLDEN)
            if j + 1 >= n_min:
                keys[k] = key
                k += 1
    return k


@njit(inline="always")
def _bucket(key, hash_bits):
    """Row of the weight table of an n-gram key: its top ``hash_bits`` bits."""
    if hash_bits == 0:
        return 0
    return np.int64(key >> np.uint64(64 - hash_bits))


@njit(cache=True, nogil=True, parallel=True)
def ngram_buckets(symbols, offsets, codepoints, n_min, n_max, seed, hash_bits, first, out):
    """Distinct weight-table buckets of the n-grams of every text (for document frequencies).

    Text ``i`` writes its sorted distinct buckets to ``out[first[i]:]`` and fills the rest of
    its ``first[i + 1] - first[i]`` slots (its number of n-grams) with ``2**hash_bits``.
    """
    n = offsets.shape[0] - 1
    sentinel = np.int64(1) << hash_bits
    for i in prange(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        m = first[i + 1] - first[i]
        keys = np.empty(m, dtype=np.uint64)
        _gram_keys(symbols, codepoints, start, length, n_min, n_max, seed, keys)
        buckets = np.empty(m, dtype=np.int64)
        for k in range(m):
            buckets[k] = _bucket(keys[k], hash_bits)
        buckets.sort()
        u = 0
        for k in range(m):
            if k == 0 or buckets[k] != buckets[k - 1]:
                out[first[i] + u] = buckets[k]
                u += 1
        for k in range(u, m):
            out[first[i] + k] = sentinel


@njit(cache=True, nogil=True, parallel=True)
def ngram_bundle(
    symbols,
    offsets,
    codepoints,
    table,
    n_min,
    n_max,
    distinct,
    seed,
    weights,
    hash_bits,
    tie,
    out,
):
    """(Weighted) majority bundle of the character n-grams of every text.

    Parameters (all validated by the caller)
    ----------------------------------------
    symbols : int32 (total,)
        The characters of all texts, concatenated, as indices into ``codepoints`` and the table.
    offsets : int64 (n + 1,)
        Text ``i`` is ``symbols[offsets[i]:offsets[i + 1]]``.
    codepoints : int64 (S,)
        Code point of every symbol (for the n-gram keys).
    table : uint64 (n_max, S, W)
        ``table[j, s]``: letter vector ``s`` rotated by ``j`` bits, the letter's vector at
        position ``j`` of an n-gram.
    n_min, n_max : int
        Range of n-gram sizes; the n-gram of size ``n`` starting at ``p`` is
        ``XOR_{j < n} table[j, symbols[p + j]]``, so the n-grams starting at ``p`` are prefixes
        of one another and are built incrementally.
    distinct : bool
        False: every occurrence of an n-gram votes with weight 1. True: an n-gram occurring
        several times in a text votes once, with the weight ``weights[bucket]`` of its key's
        bucket (``hash_bits=0``: ``weights[0]`` for all); repetitions are found by sorting the
        n-gram keys (seeded by ``seed``).
    weights : uint8 (2**hash_bits,)
        Integer weights 1..2**L - 1. A weight is added bit by bit: the n-gram goes to the
        Harley-Seal buffer of every set bit ``l`` of its weight, which is counted into the
        vertical counters from plane ``l`` up.
    tie : uint64 (W,)
        Bits taken where exactly half of the total weight votes 1 (and for texts without
        n-grams).
    out : uint64 (n, W)
    """
    n = offsets.shape[0] - 1
    n_words = out.shape[1]
    max_weight = 1
    for b in range(weights.shape[0]):
        max_weight = max(max_weight, np.int64(weights[b]))
    n_levels = _bit_length(max_weight)
    for i in prange(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        m = _n_grams(length, n_min, n_max)
        weight = np.ones(m, dtype=np.int64)
        total = m
        if distinct:
            keys = np.empty(m, dtype=np.uint64)
            _gram_keys(symbols, codepoints, start, length, n_min, n_max, seed, keys)
            # weight of the first of equal keys in sorted order, 0 for its repetitions
            order = np.argsort(keys)
            total = 0
            for r in range(m):
                k = order[r]
                if r == 0 or keys[k] != keys[order[r - 1]]:
                    weight[k] = np.int64(weights[_bucket(keys[k], hash_bits)])
                    total += weight[k]
                else:
                    weight[k] = 0
        n_planes = max(_bit_length(total), n_levels + 3)
        planes = np.zeros((n_planes, n_words), dtype=np.uint64)
        grams = np.empty((n_levels, 16, n_words), dtype=np.uint64)
        filled = np.zeros(n_levels, dtype=np.int64)
        row = np.empty(n_words, dtype=np.uint64)
        carry = np.empty(n_words, dtype=np.uint64)
        k = 0
        for p in range(length):
            top = min(n_max, length - p)
            if top < n_min:
                continue
            first_row = table[0, symbols[start + p]]
            for w in range(n_words):
                row[w] = first_row[w]
            for j in range(top):
                if j > 0:
                    rotated = table[j, symbols[start + p + j]]
                    for w in range(n_words):
                        row[w] ^= rotated[w]
                if j + 1 < n_min:
                    continue
                wk = weight[k]
                k += 1
                for level in range(n_levels):
                    if (wk >> level) & 1:
                        slot = filled[level]
                        for w in range(n_words):
                            grams[level, slot, w] = row[w]
                        filled[level] = slot + 1
                        if slot == 15:
                            _flush16(grams[level], planes, level, carry)
                            filled[level] = 0
        for level in range(n_levels):
            for r in range(filled[level]):
                for w in range(n_words):
                    carry[w] = grams[level, r, w]
                _ripple(planes, level, carry)
        _majority(planes, total, tie, out[i])
