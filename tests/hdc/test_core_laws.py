"""Algebraic laws of the hypervector core, checked with hypothesis."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import hdc

dims = st.sampled_from([64, 128, 320, 1024])
seeds = st.integers(0, 2**32 - 1)


@given(dims, seeds)
def test_bind_commutative_associative_self_inverse(dim, seed):
    a, b, c = hdc.random(3, dim, random_state=seed)
    assert np.array_equal(hdc.bind(a, b), hdc.bind(b, a))
    assert np.array_equal(hdc.bind(hdc.bind(a, b), c), hdc.bind(a, hdc.bind(b, c)))
    assert np.array_equal(hdc.bind(hdc.bind(a, b), b), a)
    assert np.array_equal(hdc.unbind(hdc.bind(a, b), a), b)


@given(dims, seeds, st.integers(-5000, 5000))
def test_permute_invertible_and_distance_preserving(dim, seed, shift):
    x = hdc.random(2, dim, random_state=seed)
    p = hdc.permute(x, shift)
    assert np.array_equal(hdc.permute(p, -shift), x)
    assert hdc.hamming(p[0], p[1]) == hdc.hamming(x[0], x[1])


@given(dims, seeds, st.integers(-3, 3))
def test_permute_by_multiple_of_dim_is_identity(dim, seed, k):
    x = hdc.random(3, dim, random_state=seed)
    assert np.array_equal(hdc.permute(x, k * dim), x)


@given(dims, seeds, st.integers(-300, 300), st.integers(-300, 300))
def test_permute_composes(dim, seed, s, t):
    x = hdc.random(None, dim, random_state=seed)
    assert np.array_equal(hdc.permute(hdc.permute(x, s), t), hdc.permute(x, s + t))


@given(st.sampled_from([1024, 4096, 10240]), seeds)
def test_random_vectors_nearly_orthogonal(dim, seed):
    a, b = hdc.random(2, dim, random_state=seed)
    assert abs(hdc.similarity(a, b) - 0.5) <= 6 / np.sqrt(dim)


@given(dims, seeds, st.sampled_from([1, 3, 5, 7, 15, 17, 33]))
def test_bundle_of_odd_copies_is_the_vector(dim, seed, copies):
    x = hdc.random(None, dim, random_state=seed)
    assert np.array_equal(hdc.bundle(np.tile(x, (copies, 1))), x)


@given(seeds, st.integers(3, 9))
def test_bundle_closer_to_members_than_to_unrelated(seed, n):
    dim = 4096
    members = hdc.random(n, dim, random_state=seed)
    other = hdc.random(None, dim, random_state=seed + 1)
    b = hdc.bundle(members)
    assert hdc.similarity(b, members).min() > hdc.similarity(b, other)


@given(dims, seeds)
def test_same_random_state_gives_identical_bits(dim, seed):
    assert np.array_equal(hdc.random(4, dim, seed), hdc.random(4, dim, seed))
    assert np.array_equal(hdc.level(5, dim, seed), hdc.level(5, dim, seed))
    x = hdc.random(6, dim, seed)
    assert np.array_equal(hdc.bundle(x, random_state=seed), hdc.bundle(x, random_state=seed))
    assert np.array_equal(hdc.flip(x, 0.3, seed), hdc.flip(x, 0.3, seed))


@given(dims, seeds, seeds)
def test_hamming_is_a_metric(dim, s1, s2):
    a, b = hdc.random(2, dim, random_state=s1)
    c = hdc.random(None, dim, random_state=s2)
    assert hdc.hamming(a, a) == 0
    assert hdc.hamming(a, b) == hdc.hamming(b, a)
    assert hdc.hamming(a, c) <= hdc.hamming(a, b) + hdc.hamming(b, c)
