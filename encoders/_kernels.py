"""Compiled kernels of the encoders (numba), over plain, already validated arrays.

Kernels are serial and ``nogil``: the Python wrappers run them over chunks of rows with the
load-tolerant scheduler of :mod:`hdc._parallel`.

Counting is bit-sliced with the helpers of :mod:`hdc._bitslice`: 64 bits of a word go through
carry-save adders into vertical counters, so no hypervector is expanded to one byte per bit.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(level indices below the table size - ``quantize_uniform`` clips every finite value and maps
NaN to 0 -, vertical counters with enough levels for every count); numba does no bounds checks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hdc._bitslice import add16, majority, ripple_word
from hdc._compile_note import note_if_cold


@njit(cache=True, nogil=True)
def record_bundle_present(index, keys_t, table_t, tie, n_planes, out):
    """Majority over the present features of ``keys[f] XOR table[index[i, f]]``, per row ``i``.

    ``index[i, f] < 0`` marks a missing value: feature ``f`` gives row ``i`` no vote, and the
    majority threshold is half the number of present features of the row. Lanes that tie (an
    even number of present features split evenly) take their bit from ``tie`` (W,); a row with
    no present feature is ``tie``. With every feature present this is the plain majority of all
    of them.

    The word-major (transposed) layouts keep the inner loop over features contiguous:
    keys_t (W, F) is ``keys.T``, table_t (W, T) is ``table.T`` and index (n, F) int64 picks
    columns of it (``-1 <= index < T``, ``T >= 1``, checked by the caller); ``n_planes`` >= max(4,
    bit_length(F)) vertical counter levels; out (n, W).
    """
    n, n_features = index.shape
    n_words = out.shape[1]
    n_full = n_features - n_features % 16
    zero = np.uint64(0)
    planes = np.empty((n_planes, n_words), dtype=np.uint64)
    v = np.empty(16, dtype=np.uint64)
    # a missing feature reads column 0 and is masked out: no branch in the word loop
    row = np.empty(n_features, dtype=np.int64)
    keep = np.empty(n_features, dtype=np.uint64)
    for i in range(n):
        present = 0
        for f in range(n_features):
            q = index[i, f]
            row[f] = max(q, 0)
            keep[f] = ~zero if q >= 0 else zero
            present += q >= 0
        for w in range(n_words):
            column = planes[:, w]
            for level in range(n_planes):
                column[level] = 0
            ones = zero
            twos = zero
            fours = zero
            eights = zero
            for f in range(0, n_full, 16):
                for k in range(16):
                    v[k] = (keys_t[w, f + k] ^ table_t[w, row[f + k]]) & keep[f + k]
                ones, twos, fours, eights, carry = add16(
                    ones, twos, fours, eights, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                    v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                )
                ripple_word(column, 4, carry)
            column[0] = ones
            column[1] = twos
            column[2] = fours
            column[3] = eights
            for f in range(n_full, n_features):
                ripple_word(column, 0, (keys_t[w, f] ^ table_t[w, row[f]]) & keep[f])
        majority(planes, present, tie, out[i])


@njit(cache=True, nogil=True)
def quantize_uniform(X, low, high, scale, n_levels, out):
    """out[i, f] = round((X[i, f] - low[f]) * scale[f]) clipped to [0, n_levels - 1].

    ``scale[f]`` is ``(n_levels - 1) / (high[f] - low[f])``, 0 for a constant feature (every
    value then gets level 0), +inf for a span so small that the quotient overflows (the
    position in the range is then divided by the span first). Values are clipped to ``[low,
    high]`` first; a difference ``X - low`` that overflows (a range wider than the largest
    float) is computed on halves.
    Every finite input gives a level in ``[0, n_levels - 1]``; NaN arithmetic can only give 0.
    """
    n, n_features = X.shape
    top = n_levels - 1
    for i in range(n):
        for f in range(n_features):
            x = X[i, f]
            lo = low[f]
            s = scale[f]
            if s == 0.0 or x <= lo:
                out[i, f] = 0
            elif x >= high[f]:
                out[i, f] = top
            else:
                d = x - lo
                if np.isinf(s):  # a span so small that (n_levels - 1) / span overflows
                    v = d / (high[f] - lo) * top + 0.5
                elif np.isinf(d):
                    v = (0.5 * x - 0.5 * lo) * (2.0 * s) + 0.5
                else:
                    v = d * s + 0.5
                # written so that a NaN v falls through to level 0
                if v >= top:
                    out[i, f] = top
                elif v >= 1.0:
                    out[i, f] = np.int64(np.floor(v))
                else:
                    out[i, f] = 0


@njit(cache=True, nogil=True)
def pack_projection(Z, phase, periodic, out):
    """Pack the bits of projected rows Z (n, 64 W) into out (n, W).

    ``periodic`` False: bit j = ``Z[i, j] > 0`` (sign projection). ``periodic`` True: bit j =
    ``cos(2 pi (Z[i, j] + phase[j])) > 0`` (Z and phase in turns), computed without ``cos``:
    it holds exactly when the fractional part of ``Z + phase + 1/4`` is below 1/2.
    """
    n, n_words = out.shape
    for i in range(n):
        for w in range(n_words):
            word = np.uint64(0)
            base = 64 * w
            for b in range(64):
                if periodic:
                    t = Z[i, base + b] + phase[base + b] + 0.25
                    on = t - np.floor(t) < 0.5
                else:
                    on = Z[i, base + b] > 0
                if on:
                    word |= np.uint64(1) << np.uint64(b)
            out[i, w] = word


note_if_cold(record_bundle_present)  # one log line if numba is about to compile this module
