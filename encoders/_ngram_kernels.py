"""Compiled kernels of :class:`encoders.NGramEncoder` (numba), over plain, validated arrays.

- :func:`letter_words`: the letter hypervector of a code point, a splitmix64 stream seeded by a
  hash of ``(seed, code point)`` (no alphabet to fit, any Unicode text works);
- :func:`ngram_buckets`: the distinct weight-table buckets of the n-grams of every text (for
  document frequencies);
- :func:`ngram_bundle`: the bitwise majority of all character n-grams of every text, each n-gram
  the XOR of position-rotated letter vectors read from a precomputed table. N-grams are counted
  16 at a time into bit-sliced vertical counters (:mod:`hdc._bitslice`), so nothing is ever one
  byte per bit.

Kernels are serial and ``nogil``: :class:`encoders.NGramEncoder` runs them over chunks of texts
with the load-tolerant scheduler of :mod:`hdc._parallel`.

Repeated n-grams of a text are found with a small open-addressing hash set, not by sorting.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(``offsets`` within ``symbols``, symbols within ``codepoints`` and the table, buckets within
``weights``, output slots sized from the n-gram counts); numba does no bounds checks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hdc._bitslice import add16_rows, majority, ripple
from hdc._compile_note import note_if_cold

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


@njit(inline="always")
def _mark_first(values, m, first):
    """first[k] = True where ``values[k]`` does not occur in ``values[:k]`` (k < m).

    An open-addressing hash set of twice the next power of two above m slots, probed linearly
    from the top bits of the mixed value: linear time, no sorting.
    """
    bits = _bit_length(max(m, 1)) + 1
    slots = np.empty(1 << bits, dtype=np.uint64)
    used = np.zeros(1 << bits, dtype=np.bool_)
    mask = (1 << bits) - 1
    for k in range(m):
        value = np.uint64(values[k])
        h = np.int64(_mix64(value) >> np.uint64(64 - bits))
        while used[h] and slots[h] != value:
            h = (h + 1) & mask
        first[k] = not used[h]
        used[h] = True
        slots[h] = value


@njit(cache=True, nogil=True)
def ngram_buckets(symbols, offsets, codepoints, n_min, n_max, seed, hash_bits, first, out):
    """Distinct weight-table buckets of the n-grams of every text (for document frequencies).

    Text ``i`` writes its distinct buckets, in order of first occurrence, to ``out[first[i]:]``
    and fills the rest of its ``first[i + 1] - first[i]`` slots (its number of n-grams) with
    ``2**hash_bits``.
    """
    n = offsets.shape[0] - 1
    sentinel = np.int64(1) << hash_bits
    for i in range(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        m = first[i + 1] - first[i]
        keys = np.empty(m, dtype=np.uint64)
        _gram_keys(symbols, codepoints, start, length, n_min, n_max, seed, keys)
        buckets = np.empty(m, dtype=np.int64)
        for k in range(m):
            buckets[k] = _bucket(keys[k], hash_bits)
        is_first = np.empty(m, dtype=np.bool_)
        _mark_first(buckets, m, is_first)
        u = 0
        for k in range(m):
            if is_first[k]:
                out[first[i] + u] = buckets[k]
                u += 1
        for k in range(u, m):
            out[first[i] + k] = sentinel


@njit(inline="always")
def _vote_weights(keys, m, distinct, weights, hash_bits, weight):
    """Vote weight of every n-gram of a text into ``weight`` (m,); returns the total weight.

    Without ``distinct`` every occurrence votes 1. With it, the first occurrence of an n-gram
    votes with the weight of its key's bucket and its repetitions vote 0.
    """
    if not distinct:
        for k in range(m):
            weight[k] = 1
        return m
    is_first = np.empty(m, dtype=np.bool_)
    _mark_first(keys, m, is_first)
    total = 0
    for k in range(m):
        weight[k] = np.int64(weights[_bucket(keys[k], hash_bits)]) if is_first[k] else 0
        total += weight[k]
    return total


@njit(inline="always")
def _count_grams(symbols, start, length, table, n_min, n_max, weight, planes, grams, filled):
    """Count the n-grams of one text, each with its ``weight``, into ``planes``.

    An n-gram of weight ``v`` goes to the 16-row buffer ``grams[l]`` of every set bit ``l`` of
    ``v``; a full buffer is added with weight ``2**l`` (a Harley-Seal tree from plane ``l``) and
    its carry rippled further up. N-grams starting at one position are prefixes of one another
    and are built incrementally. Returns nothing; ``filled[l]`` rows stay in buffer ``l``.
    """
    n_levels, _, n_words = grams.shape
    sixteen = np.arange(16)
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
                    buffer = grams[level, slot]
                    for w in range(n_words):
                        buffer[w] = row[w]
                    filled[level] = slot + 1
                    if slot == 15:
                        add16_rows(planes, level, grams[level], sixteen, carry)
                        ripple(planes, level + 4, carry)
                        filled[level] = 0


@njit(inline="always")
def _flush_grams(grams, filled, planes):
    """Ripple the rows left in the buffers ``grams[l, :filled[l]]`` into ``planes`` at level l."""
    carry = np.empty(grams.shape[2], dtype=np.uint64)
    for level in range(grams.shape[0]):
        for r in range(filled[level]):
            for w in range(carry.shape[0]):
                carry[w] = grams[level, r, w]
            ripple(planes, level, carry)


@njit(cache=True, nogil=True)
def ngram_bundle(symbols, offsets, codepoints, table, n_min, n_max, distinct, seed, weights,
                 hash_bits, tie, out):
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
        ``XOR_{j < n} table[j, symbols[p + j]]``.
    distinct : bool
        False: every occurrence of an n-gram votes with weight 1. True: an n-gram occurring
        several times in a text votes once, with the weight ``weights[bucket]`` of its key's
        bucket (``hash_bits=0``: ``weights[0]`` for all); n-grams are told apart by 64-bit keys
        seeded by ``seed``.
    weights : uint8 (2**hash_bits,)
        Integer weights 0..2**L - 1, added bit by bit (see :func:`_count_grams`).
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
    for i in range(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        m = _n_grams(length, n_min, n_max)
        keys = np.empty(m if distinct else 0, dtype=np.uint64)
        if distinct:
            _gram_keys(symbols, codepoints, start, length, n_min, n_max, seed, keys)
        weight = np.empty(m, dtype=np.int64)
        total = _vote_weights(keys, m, distinct, weights, hash_bits, weight)
        planes = np.zeros((max(_bit_length(total), n_levels + 3), n_words), dtype=np.uint64)
        grams = np.empty((n_levels, 16, n_words), dtype=np.uint64)
        filled = np.zeros(n_levels, dtype=np.int64)
        _count_grams(symbols, start, length, table, n_min, n_max, weight, planes, grams, filled)
        _flush_grams(grams, filled, planes)
        majority(planes, total, tie, out[i])


note_if_cold(ngram_bundle)  # one log line if numba is about to compile this module
