"""The resonator network and exhaustive factorization against naive references on bits."""

import itertools

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hdc
from hdc import _resonator_kernels
from hdc._validation import readonly
from hdc.resonator import exhaustive_factorize

from ._reference import pack_bits, unpack_bits

settings.register_profile("hdkit", deadline=None, max_examples=60)
settings.load_profile("hdkit")


def ref_weighted_sign(codebook, dots, tie_bits):
    """sign(sum_m dots[m] * bipolar(codebook[m])) with bit 0 = +1, bit 1 = -1; 0 -> tie bit."""
    bipolar = 1 - 2 * unpack_bits(codebook).astype(np.int64)
    total = (np.asarray(dots)[:, None] * bipolar).sum(0)
    bits = np.where(total < 0, 1, np.where(total > 0, 0, unpack_bits(tie_bits)))
    return pack_bits(bits.astype(np.uint8))


def run_weighted_sign(codebook, dots, tie_bits, weight_bits=0, scratch=None):
    """weighted_sign on a codebook's pool, with fresh scratch unless ``scratch`` is given."""
    n_rows, n_words = codebook.shape
    dots = np.asarray(dots, dtype=np.int64)
    out = np.empty(n_words, dtype=np.uint64)
    if scratch is None:
        scratch = _resonator_kernels.weighted_sign_scratch(
            n_rows, n_words, int(np.abs(dots).max()))
    pool = readonly(_resonator_kernels.signed_pool(codebook))  # as resonate passes it
    _resonator_kernels.weighted_sign(pool, dots, tie_bits, out, *scratch, weight_bits)
    return out


def ref_quantized(dots, weight_bits):
    """Each |dot| rounded (half up) to weight_bits significant bits of the largest, in Python
    integers: |dot| / 2**drop rounded, where drop = bit_length(max |dot|) - weight_bits."""
    dots = [int(d) for d in dots]
    drop = max(abs(d) for d in dots).bit_length() - weight_bits
    if drop <= 0:
        return dots
    return [(1 if d >= 0 else -1) * ((abs(d) + 2 ** (drop - 1)) // 2**drop) for d in dots]


@given(st.integers(0, 2**32 - 1), st.integers(1, 70), st.sampled_from([64, 192]))
def test_weighted_sign_matches_reference(seed, n_rows, dim):
    rng = np.random.default_rng(seed)
    codebook = hdc.random(n_rows, dim, random_state=rng)
    scale = int(rng.choice([1, 3, 50, dim, 2**20]))
    dots = rng.integers(-scale, scale + 1, size=n_rows)
    if rng.random() < 0.3:  # one dominant weight: the shortcut
        dots[rng.integers(n_rows)] = int(rng.choice([-1, 1])) * (np.abs(dots).sum() + 1)
    if rng.random() < 0.3:  # a common power of two, divided out
        dots = dots << int(rng.integers(1, 5))
    if rng.random() < 0.2:  # runs of ones: negative digits of the non-adjacent form
        dots = np.where(rng.random(n_rows) < 0.5, -1, 1) * (2 ** rng.integers(1, 12, n_rows) - 1)
    tie_bits = hdc.random(None, dim, random_state=rng)
    expected = ref_weighted_sign(codebook, dots, tie_bits)
    assert np.array_equal(run_weighted_sign(codebook, dots, tie_bits), expected)


@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 14))
def test_quantized_weighted_sign_is_the_exact_sign_of_the_rounded_weights(seed, n_rows, bits):
    rng = np.random.default_rng(seed)
    codebook = hdc.random(n_rows, 192, random_state=rng)
    scale = int(rng.choice([1, 7, 192, 8192, 2**20]))
    dots = rng.integers(-scale, scale + 1, size=n_rows)
    tie_bits = hdc.random(None, 192, random_state=rng)
    expected = ref_weighted_sign(codebook, ref_quantized(dots, bits), tie_bits)
    assert np.array_equal(run_weighted_sign(codebook, dots, tie_bits, bits), expected)


def test_weight_bits_round_half_up_and_keep_signs():
    # 1000 has 10 bits: drop 8, 1000 / 256 = 3.9 -> 4, 999 -> 4, 3 / 256 -> 0
    assert ref_quantized([1000, -999, 3, -2, 0], 2) == [4, -4, 0, 0, 0]
    codebook = hdc.random(5, 128, random_state=0)
    tie_bits = hdc.random(None, 128, random_state=1)
    dots = [1000, -999, 3, -2, 0]
    # two codevectors of equal weight and opposite sign: every other lane ties
    expected = ref_weighted_sign(codebook, [4, -4, 0, 0, 0], tie_bits)
    assert np.array_equal(run_weighted_sign(codebook, dots, tie_bits, 2), expected)
    # enough bits: the weights are used as they are
    exact = ref_weighted_sign(codebook, dots, tie_bits)
    assert np.array_equal(run_weighted_sign(codebook, dots, tie_bits, 10), exact)
    assert np.array_equal(run_weighted_sign(codebook, dots, tie_bits, 0), exact)


def ref_non_adjacent_form(weight):
    """(mask of the +1 digits, mask of the -1 digits) of weight, digit by digit."""
    plus = minus = 0
    k = 0
    while weight:
        if weight & 1:
            digit = 2 - (weight & 3)  # +1 where weight = 1 mod 4, -1 where 3 mod 4
            if digit > 0:
                plus |= 1 << k
            else:
                minus |= 1 << k
            weight -= digit
        weight >>= 1
        k += 1
    return plus, minus


def test_non_adjacent_digits_match_the_reference():
    weights = np.arange(-5000, 5000, dtype=np.int64)
    for shift in (0, 3):
        plus = np.empty_like(weights)
        minus = np.empty_like(weights)
        bound, raised = _resonator_kernels._non_adjacent_digits(weights, shift, plus, minus)
        expected = [ref_non_adjacent_form(abs(int(w)) >> shift) for w in weights]
        assert plus.tolist() == [p for p, _ in expected]
        assert minus.tolist() == [m for _, m in expected]
        assert (plus & minus).max() == 0 and (plus & (plus >> 1)).max() == 0
        assert bound == plus.sum() + minus.sum() and raised == 2 * minus.sum()


def small_weights(rng, per_level):
    """Weights 1 to 5, signed, whose non-adjacent digits put per_level[k] rows at level k,
    and some zero weights, shuffled."""
    n0, n1, n2 = per_level
    both = int(rng.integers(0, min(n0, n2) + 1))  # 3 = 4 - 1 and 5 = 4 + 1: levels 0 and 2
    weights = ([1] * (n0 - both) + [2] * n1 + [4] * (n2 - both)
               + list(rng.choice([3, 5], size=both)) + [0] * int(rng.integers(0, 4)))
    weights = np.array(weights, dtype=np.int64) * rng.choice([-1, 1], size=len(weights))
    return rng.permutation(weights)


def takes_one_pass(weights):
    """Whether weighted_sign counts these weights in its one-pass network, as documented:
    after their common power of two is divided out, all digits at levels 0 to 2, with at most
    32, 16 and 8 rows there."""
    weights = [abs(int(w)) for w in weights]
    while all(w % 2 == 0 for w in weights) and any(weights):
        weights = [w // 2 for w in weights]
    counts = [0, 0, 0]
    for w in weights:
        plus, minus = ref_non_adjacent_form(w)
        if (plus | minus) >> 3:
            return False
        for level in range(3):
            counts[level] += ((plus | minus) >> level) & 1
    return counts[0] <= 32 and counts[1] <= 16 and counts[2] <= 8


# the network full, one row over at each level, and even weights (halved first: levels 1
# and 2 become 0 and 1)
@pytest.mark.parametrize(
    ("per_level", "one_pass"),
    [((16, 8, 4), True), ((32, 16, 8), True), ((0, 32, 16), True), ((0, 17, 9), True),
     ((33, 0, 0), False), ((1, 17, 1), False), ((2, 1, 9), False)],
)
def test_small_weights_take_the_one_pass_network(per_level, one_pass):
    rng = np.random.default_rng(sum(per_level))
    dim = 192
    marker = np.uint64(0xA5A5A5A5A5A5A5A5)
    for _ in range(5):
        weights = small_weights(rng, per_level)
        assert takes_one_pass(weights) == one_pass
        codebook = hdc.random(len(weights), dim, random_state=rng)
        tie_bits = hdc.random(None, dim, random_state=rng)
        scratch = _resonator_kernels.weighted_sign_scratch(len(weights), dim // 64, 5)
        scratch[0].fill(marker)  # the counter planes: only the level-by-level path writes them
        out = run_weighted_sign(codebook, weights, tie_bits, scratch=scratch)
        assert np.array_equal(out, ref_weighted_sign(codebook, weights, tie_bits))
        assert bool((scratch[0] == marker).all()) == one_pass


@given(st.integers(0, 2**32 - 1), st.integers(0, 40), st.integers(0, 20), st.integers(0, 10),
       st.sampled_from([64, 192]))
def test_small_weights_match_reference(seed, n0, n1, n2, dim):
    rng = np.random.default_rng(seed)
    weights = small_weights(rng, (n0, n1, n2))
    if weights.size == 0:
        return
    codebook = hdc.random(len(weights), dim, random_state=rng)
    tie_bits = hdc.random(None, dim, random_state=rng)
    expected = ref_weighted_sign(codebook, weights, tie_bits)
    assert np.array_equal(run_weighted_sign(codebook, weights, tie_bits), expected)


def test_weighted_sign_ties_take_the_tie_bits():
    codebook = hdc.random(2, 128, random_state=0)
    tie_bits = hdc.random(None, 128, random_state=1)
    got = run_weighted_sign(codebook, [5, 5], tie_bits)  # equal rows agree, others tie
    assert np.array_equal(got, ref_weighted_sign(codebook, [5, 5], tie_bits))
    zero = run_weighted_sign(codebook, [0, 0], tie_bits)
    assert np.array_equal(zero, tie_bits)


def ref_exhaustive(product, codebooks):
    """Every combination, bit by bit; the first at the smallest distance."""
    bits = [unpack_bits(book) for book in codebooks]
    target = unpack_bits(product)
    best, best_combo = None, None
    for combo in itertools.product(*(range(len(b)) for b in bits)):
        bound = np.bitwise_xor.reduce(np.stack([b[i] for b, i in zip(bits, combo, strict=True)]))
        d = int((bound != target).sum())
        if best is None or d < best:
            best, best_combo = d, combo
    return list(best_combo), best


@pytest.mark.parametrize("sizes", [(3, 4), (2, 3, 4), (2, 2, 3, 2)])
def test_exhaustive_matches_reference(sizes):
    rng = np.random.default_rng(len(sizes))
    books = [hdc.random(m, 128, random_state=rng) for m in sizes]
    products = hdc.random(4, 128, random_state=rng)  # not exact products: nearest combination
    indices, distances = exhaustive_factorize(products, books)
    for i in range(4):
        combo, d = ref_exhaustive(products[i], books)
        assert indices[i].tolist() == combo and distances[i] == d


def test_exhaustive_in_chunks(monkeypatch):
    from hdc import resonator

    monkeypatch.setattr(resonator, "_EXHAUSTIVE_CHUNK_WORDS", 3)
    books = [hdc.random(5, 192, random_state=f) for f in range(3)]
    s = books[0][4] ^ books[1][0] ^ books[2][3]
    indices, distance = exhaustive_factorize(s, books)
    assert indices.tolist() == [4, 0, 3] and distance == 0


def make_problems(n_factors, m, dim, n, seed):
    rng = np.random.default_rng(seed)
    books = [hdc.item_memory(m, dim, random_state=rng) for _ in range(n_factors)]
    truth = rng.integers(0, m, size=(n, n_factors))
    products = np.bitwise_xor.reduce(
        np.stack([books[f][truth[:, f]] for f in range(n_factors)]), axis=0
    )
    return books, truth, products


@pytest.mark.parametrize("n_factors", [2, 3, 4])
def test_resonator_recovers_small_problems(n_factors):
    books, truth, products = make_problems(n_factors, 8, 2048, 20, seed=n_factors)
    result = hdc.Resonator(books, random_state=0).factorize(products)
    assert np.array_equal(result.indices, truth)
    assert result.converged.all()
    assert (result.iterations >= 1).all() and (result.iterations <= 100).all()
    single = hdc.Resonator(books, random_state=0).factorize(products[0])
    assert single.indices.tolist() == truth[0].tolist() and bool(single.converged)


@pytest.mark.parametrize("weight_bits", [1, 2, 3])
def test_resonator_with_quantized_weights_recovers_small_problems(weight_bits):
    books, truth, products = make_problems(3, 16, 2048, 30, seed=7)
    resonator = hdc.Resonator(books, random_state=0, weight_bits=weight_bits)
    result = resonator.factorize(products)
    assert np.array_equal(result.indices, truth)
    assert result.converged.all()
    assert f"weight_bits={weight_bits}" in repr(resonator)


def test_a_resonator_saved_before_weight_bits_loads_as_exact(tmp_path):
    books, truth, products = make_problems(3, 8, 1024, 5, seed=2)
    path = hdc.save(hdc.Resonator(books, random_state=0, weight_bits=None), tmp_path / "r.npz")
    loaded = hdc.load(path)
    del loaded.__dict__["weight_bits"]  # the state files of earlier versions hold
    assert loaded.weight_bits is None
    assert np.array_equal(loaded.factorize(products).indices, truth)


def test_enough_weight_bits_give_the_exact_network():
    """Similarities are at most dim = 512 (10 bits): 10 or more bits change no weight."""
    books, _, products = make_problems(3, 24, 512, 40, seed=5)
    exact = hdc.Resonator(books, max_iter=30, random_state=3, weight_bits=None).factorize(products)
    rounded = hdc.Resonator(books, max_iter=30, random_state=3, weight_bits=10).factorize(products)
    for field in ("indices", "iterations", "converged", "restarts"):
        assert np.array_equal(getattr(exact, field), getattr(rounded, field))


def test_resonator_is_deterministic_and_independent_of_threads():
    books, _, products = make_problems(3, 24, 512, 40, seed=5)  # a hard size: some fail
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = hdc.Resonator(books, max_iter=30, random_state=3).factorize(products)
        numba.set_num_threads(max(2, threads) if numba.config.NUMBA_NUM_THREADS > 1 else 1)
        many = hdc.Resonator(books, max_iter=30, random_state=3).factorize(products)
    finally:
        numba.set_num_threads(threads)
    for field in ("indices", "iterations", "converged", "restarts"):
        assert np.array_equal(getattr(one, field), getattr(many, field))


def test_problems_of_a_batch_share_no_state():
    # a product twice with the same seed, and among 40 others: the scratch shared by
    # the problems of a batch (the cycle history above all) must not carry over
    books, _, products = make_problems(3, 24, 512, 40, seed=5)  # a hard size: many sweeps
    resonator = hdc.Resonator(books, max_iter=30, random_state=3)
    offsets = resonator._offsets
    init = resonator.initial

    def resonate(batch, seeds):
        n = batch.shape[0]
        out = (np.zeros((n, 3), np.int64), np.zeros(n, np.int64), np.zeros(n, bool),
               np.zeros(n, np.int64))
        _resonator_kernels.resonate(batch, resonator._stacked, offsets, resonator._pools,
                                    resonator._pool_offsets, init, 30, 32, 2, seeds, *out)
        return out

    seeds = np.arange(1, 41, dtype=np.uint64)
    in_batch = resonate(products, seeds)
    slow = np.flatnonzero(in_batch[1] >= 3)
    assert slow.size >= 5  # problems that store states in the cycle history
    for i in slow[:5]:
        twice = resonate(products[[i, i]], seeds[[i, i]])
        for field_batch, field_twice in zip(in_batch, twice, strict=True):
            assert np.array_equal(field_twice[0], field_batch[i])
            assert np.array_equal(field_twice[1], field_batch[i])


def test_resonator_reports_non_convergence():
    books, _, products = make_problems(3, 64, 256, 30, seed=1)  # far beyond capacity
    result = hdc.Resonator(books, max_iter=40, random_state=0).factorize(products)
    assert not result.converged.all()
    assert (result.iterations[~result.converged] == 40).all()
    assert (result.indices >= 0).all() and (result.indices < 64).all()


def test_resonator_restarts_on_limit_cycles():
    """Tiny vectors (128 bits, 4 factors of 6) make short limit cycles common with exact weights
    (rounded ones, the default, rarely cycle there)."""
    books, truth, products = make_problems(4, 6, 128, 200, seed=0)
    with_restarts = hdc.Resonator(books, random_state=0, weight_bits=None).factorize(products)
    without = hdc.Resonator(books, history=0, random_state=0, weight_bits=None).factorize(products)
    assert with_restarts.restarts.sum() > 0 and without.restarts.sum() == 0
    cycled = with_restarts.restarts > 0
    # without restarts, a cycling problem runs to max_iter
    assert (~without.converged[cycled]).any()
    assert with_restarts.converged[cycled].mean() > without.converged[cycled].mean()


def test_bad_input():
    books = [hdc.random(4, 128, random_state=f) for f in range(3)]
    with pytest.raises(TypeError, match="codebooks must be a list"):
        hdc.Resonator(np.stack(books))
    with pytest.raises(ValueError, match="at least 2 codebooks"):
        hdc.Resonator(books[:1])
    with pytest.raises(ValueError, match=r"codebooks\[1\] has 3 words"):
        hdc.Resonator([books[0], hdc.random(4, 192)])
    with pytest.raises(ValueError, match=r"codebooks\[2\] is empty"):
        hdc.Resonator([books[0], books[1], books[2][:0]])
    with pytest.raises(TypeError, match=r"codebooks\[0\].*uint64"):
        hdc.Resonator([np.zeros((4, 2)), books[1]])
    with pytest.raises(ValueError, match="max_iter"):
        hdc.Resonator(books, max_iter=0)
    for bad in (0, 33, -1):
        with pytest.raises(ValueError, match=r"weight_bits.*\[1, 32\]"):
            hdc.Resonator(books, weight_bits=bad)
    with pytest.raises(TypeError, match="weight_bits"):
        hdc.Resonator(books, weight_bits=2.5)
    with pytest.raises(ValueError, match="products have 3 words"):
        hdc.Resonator(books).factorize(hdc.random(2, 192))
    with pytest.raises(ValueError, match="products have 3 words"):
        exhaustive_factorize(hdc.random(2, 192), books)
