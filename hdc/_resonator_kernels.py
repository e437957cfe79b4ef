"""Compiled kernels of the resonator network (:mod:`hdc.resonator`).

All arrays are validated, C-contiguous packed ``uint64`` words. Bit value 0 stands for +1 and 1
for -1, so XOR is the bipolar product and ``dim - 2 * hamming`` the bipolar dot product.

Bounds: kernels index only within bounds the Python wrapper (:class:`hdc.resonator.Resonator`)
established from validated input (codebooks of equal width, products as wide as the codebooks,
estimate indices below each codebook's size); numba does no bounds checks.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hdc._kernels import count_chunk, majority_from_planes, popcount64

_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(inline="always")
def _next_random(state):
    """splitmix64: returns (new state, 64 random bits); one stream per problem."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _dots(u, codebook, out):
    """out[m] = bipolar dot product of u with codebook[m] = dim - 2 * hamming."""
    n_words = u.shape[0]
    dim = 64 * n_words
    for m in range(codebook.shape[0]):
        row = codebook[m]
        total = np.uint64(0)
        for w in range(n_words):
            total += popcount64(u[w] ^ row[w])
        out[m] = dim - 2 * np.int64(total)


@njit(cache=True, nogil=True)
def _ripple_carry(planes, carry, start):
    """Add the bit vector ``carry`` at level ``start`` of the vertical counter ``planes``
    (levels, W), rippling until no word carries; ``carry`` is used up.

    The update and the test for a pending carry are separate loops: fused, LLVM does not
    vectorise them.
    """
    n_levels, n_words = planes.shape
    for level in range(start, n_levels):
        pending = np.uint64(0)
        for w in range(n_words):
            pending |= carry[w]
        if pending == 0:
            return
        plane = planes[level]
        for w in range(n_words):
            p = plane[w]
            plane[w] = p ^ carry[w]
            carry[w] = p & carry[w]


@njit(cache=True, nogil=True)
def _ripple_add(planes, row, start, carry):
    """Add the bit vector ``row`` at level ``start`` of ``planes``; ``carry`` is scratch."""
    for w in range(planes.shape[1]):
        carry[w] = row[w]
    _ripple_carry(planes, carry, start)


@njit(cache=True, nogil=True)
def _add_counter(planes, counter, n_count_levels, start, carry):
    """planes += counter << start, both vertical counters (levels, W): a bit-sliced ripple
    adder over the counter's levels, then the carry rippled on."""
    n_words = planes.shape[1]
    for w in range(n_words):
        carry[w] = 0
    for level in range(n_count_levels):
        plane = planes[start + level]
        add = counter[level]
        for w in range(n_words):
            a = plane[w]
            b = add[w]
            c = carry[w]
            half = a ^ b
            plane[w] = half ^ c
            carry[w] = (a & b) | (half & c)
    _ripple_carry(planes, carry, start + n_count_levels)


@njit(cache=True, nogil=True)
def weighted_sign(codebook, dots, tie_bits, out, planes, signed, counter, rows, carry):
    """out = sign(sum_m dots[m] * codebook[m]) in bipolar terms, packed; exact.

    With weights ``w_m = |dots[m]|`` and rows ``r_m = codebook[m]`` complemented where
    ``dots[m] < 0``, an output bit is 1 (bipolar -1) where ``2 * sum_m w_m r_m > sum_m w_m``,
    0 where it is below and ``tie_bits`` where equal. When one weight exceeds the sum of all
    the others it decides every bit, and the result is its (signed) row. Otherwise the weighted
    sum is built bit-sliced in ``planes`` (levels >= bit_length(sum w) + 1, W): for each bit k
    of the weights, the signed rows whose weight has bit k are counted 16 at a time by
    carry-save adder trees (:func:`hdc._kernels.count_chunk`) into ``counter`` (levels >=
    bit_length(M) + 4, W), which is added at level k; the rest (fewer than 16) are rippled in
    at level k one by one. No per-bit counts are formed.

    Scratch: ``signed`` (M, W), ``rows`` (M,) int64, ``carry`` (W,).
    """
    n_rows = codebook.shape[0]
    n_levels, n_words = planes.shape
    best = 0
    total = np.int64(0)
    for m in range(n_rows):
        w = abs(dots[m])
        total += w
        if w > abs(dots[best]):
            best = m
    top = abs(dots[best])
    if top > total - top:
        mask = _ALL_ONES if dots[best] < 0 else np.uint64(0)
        row = codebook[best]
        for w in range(n_words):
            out[w] = row[w] ^ mask
        return
    for level in range(n_levels):
        for w in range(n_words):
            planes[level, w] = 0
    for m in range(n_rows):
        mask = _ALL_ONES if dots[m] < 0 else np.uint64(0)
        row = codebook[m]
        dst = signed[m]
        for w in range(n_words):
            dst[w] = row[w] ^ mask
    k = 0
    while (top >> k) > 0:
        n_set = 0
        for m in range(n_rows):
            if (abs(dots[m]) >> k) & 1:
                rows[n_set] = m
                n_set += 1
        in_trees = n_set - n_set % 16
        if in_trees:
            n_count_levels = 0
            while (in_trees >> n_count_levels) > 0:
                n_count_levels += 1
            counter[:] = 0
            count_chunk(signed, rows[:in_trees], counter)
            _add_counter(planes, counter, n_count_levels, k, carry)
        for i in range(in_trees, n_set):
            _ripple_add(planes, signed[rows[i]], k, carry)
        k += 1
    # an odd total cannot tie; an even one takes tie_bits where 2 * count == total
    majority_from_planes(planes, total, tie_bits, out)


@njit(inline="always")
def _state_hash(estimates):
    h = np.uint64(0xCBF29CE484222325)
    for f in range(estimates.shape[0]):
        for w in range(estimates.shape[1]):
            h = (h ^ estimates[f, w]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    return h


@njit(cache=True, nogil=True)
def _resonate_one(
    product, codebooks, offsets, init, max_iter, history, seed, indices, estimates, scratch
):
    """One factorization. Returns (iterations, converged, solved, restarts).

    ``indices`` holds the decoded factors when ``solved`` (their product equals ``product``);
    otherwise the caller decodes ``estimates``.
    """
    n_factors = offsets.shape[0] - 1
    n_words = product.shape[0]
    max_rows = 0
    for f in range(n_factors):
        max_rows = max(max_rows, offsets[f + 1] - offsets[f])
    dots = np.empty(max_rows, dtype=np.int64)
    rows = np.empty(max_rows, dtype=np.int64)
    signed = np.empty((max_rows, n_words), dtype=np.uint64)
    count_levels = 4
    while (max_rows >> (count_levels - 4)) > 0:
        count_levels += 1
    counter = np.empty((count_levels, n_words), dtype=np.uint64)
    u, new, tie, carry = scratch[0], scratch[1], scratch[2], scratch[3]
    n_levels = 2
    while (np.int64(1) << (n_levels - 1)) <= max_rows * 64 * n_words:
        n_levels += 1
    planes = np.empty((n_levels, n_words), dtype=np.uint64)
    seen = np.zeros(max(history, 1), dtype=np.uint64)
    state = np.uint64(seed)
    for f in range(n_factors):
        for w in range(n_words):
            estimates[f, w] = init[f, w]
    restarts = 0
    for iteration in range(1, max_iter + 1):
        changed = False
        for f in range(n_factors):
            for w in range(n_words):
                u[w] = product[w]
            for g in range(n_factors):
                if g != f:
                    for w in range(n_words):
                        u[w] ^= estimates[g, w]
            book = codebooks[offsets[f] : offsets[f + 1]]
            _dots(u, book, dots)
            best = 0
            for m in range(book.shape[0]):
                if abs(dots[m]) > abs(dots[best]):
                    best = m
            indices[f] = best
            for w in range(n_words):
                state, bits = _next_random(state)
                tie[w] = bits
            weighted_sign(
                book, dots[: book.shape[0]], tie, new, planes, signed, counter, rows, carry
            )
            for w in range(n_words):
                if new[w] != estimates[f, w]:
                    changed = True
                estimates[f, w] = new[w]
        # the decoded factors reproduce the product exactly: a solution, and a fixed point
        distance = np.uint64(0)
        for w in range(n_words):
            x = product[w]
            for f in range(n_factors):
                x ^= codebooks[offsets[f] + indices[f], w]
            distance += popcount64(x)
        if distance == 0 or not changed:
            return iteration, True, distance == 0, restarts
        if history == 0:
            continue
        h = _state_hash(estimates)
        cycle = False
        for k in range(history):
            if seen[k] == h:
                cycle = True
        if cycle:
            # a limit cycle: restart from random estimates
            restarts += 1
            for f in range(n_factors):
                for w in range(n_words):
                    state, bits = _next_random(state)
                    estimates[f, w] = bits
            for k in range(history):
                seen[k] = 0
        else:
            seen[iteration % history] = h
    return max_iter, False, False, restarts


@njit(cache=True, nogil=True)
def _decode(codebooks, offsets, estimates, indices):
    """indices[f] = the codebook row with the largest |bipolar dot| with estimates[f]."""
    for f in range(offsets.shape[0] - 1):
        best_score = np.int64(-1)
        for m in range(offsets[f], offsets[f + 1]):
            total = np.uint64(0)
            for w in range(estimates.shape[1]):
                total += popcount64(estimates[f, w] ^ codebooks[m, w])
            score = abs(64 * estimates.shape[1] - 2 * np.int64(total))
            if score > best_score:
                best_score = score
                indices[f] = m - offsets[f]


@njit(cache=True, nogil=True, parallel=True)
def resonate(
    products,
    codebooks,
    offsets,
    init,
    max_iter,
    history,
    seeds,
    indices,
    iterations,
    converged,
    restarts,
):
    """Factorize every product (n, W) over the codebooks; one problem per thread at a time.

    Each problem has its own random stream (``seeds[i]``), so results do not depend on the
    number of threads.
    """
    n_factors = offsets.shape[0] - 1
    n_words = products.shape[1]
    for i in prange(products.shape[0]):
        estimates = np.empty((n_factors, n_words), dtype=np.uint64)
        scratch = np.empty((4, n_words), dtype=np.uint64)
        it, ok, solved, n_restarts = _resonate_one(
            products[i],
            codebooks,
            offsets,
            init,
            max_iter,
            history,
            seeds[i],
            indices[i],
            estimates,
            scratch,
        )
        if not solved:
            _decode(codebooks, offsets, estimates, indices[i])
        iterations[i] = it
        converged[i] = ok
        restarts[i] = n_restarts
