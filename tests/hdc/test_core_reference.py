"""Every fast kernel of the core against the naive reference on unpacked bits."""

import numpy as np
import pytest

import hdc
from hdc.bundling import _tie_bits

from ._reference import counts as ref_counts
from ._reference import hamming as ref_hamming
from ._reference import majority as ref_majority
from ._reference import pack_bits, rotate, unpack_bits
from ._reference import top_k as ref_top_k


@pytest.mark.parametrize("dim", [64, 128, 640, 1024])
def test_pack_unpack_match_reference(dim):
    x = hdc.random(7, dim, random_state=dim)
    assert np.array_equal(hdc.unpack(x), unpack_bits(x))
    assert np.array_equal(hdc.pack(unpack_bits(x)), x)
    assert np.array_equal(pack_bits(hdc.unpack(x)), x)


@pytest.mark.parametrize("n_a,n_b,dim", [(1, 1, 64), (5, 3, 128), (17, 26, 640), (0, 4, 64)])
def test_hamming_matches_reference(n_a, n_b, dim):
    a = hdc.random(n_a, dim, random_state=1)
    b = hdc.random(n_b, dim, random_state=2)
    got = hdc.hamming(a, b)
    assert got.shape == (n_a, n_b)
    if n_a:
        assert np.array_equal(got, ref_hamming(a, b))


def test_hamming_shapes_for_vectors():
    a = hdc.random(4, 256, random_state=0)
    assert hdc.hamming(a[0], a[1]) == ref_hamming(a[0], a[1])[0, 0]
    assert np.array_equal(hdc.hamming(a[0], a), ref_hamming(a[0], a)[0])
    assert np.array_equal(hdc.hamming(a, a[2]), ref_hamming(a, a[2])[:, 0])
    assert np.allclose(hdc.similarity(a, a), 1 - ref_hamming(a, a) / 256)


@pytest.mark.parametrize("n", [1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 257])
@pytest.mark.parametrize("dim", [64, 192, 1024])
def test_counts_and_bundle_match_reference(n, dim):
    x = hdc.random(n, dim, random_state=n * 1000 + dim)
    assert np.array_equal(hdc.counts(x), ref_counts(x))
    for tie in ("zero", "one", "random"):
        tie_bits = _tie_bits(tie, dim // 64, 5)
        expected = ref_majority(x, tie_bits=tie_bits)
        assert np.array_equal(hdc.bundle(x, tie=tie, random_state=5), expected)


@pytest.mark.parametrize("n", [1, 4, 16, 40])
def test_weighted_counts_and_bundle_match_reference(n):
    rng = np.random.default_rng(n)
    x = hdc.random(n, 256, random_state=rng)
    weights = rng.integers(-5, 9, size=n)
    assert np.array_equal(hdc.counts(x, weights), ref_counts(x, weights))
    tie_bits = _tie_bits("random", 4, 3)
    expected = ref_majority(x, weights, tie_bits)
    assert np.array_equal(hdc.bundle(x, weights=weights, random_state=3), expected)


def test_counts_return_int32_and_accept_large_weights():
    x = hdc.random(3, 64, random_state=0)
    c = hdc.counts(x, [1000, -70000, 3])
    assert c.dtype == np.int32
    assert np.array_equal(c, ref_counts(x, [1000, -70000, 3]))


@pytest.mark.parametrize("dim", [64, 128, 640])
@pytest.mark.parametrize("shift", [0, 1, 5, 63, 64, 65, 127, 200, -1, -64, -70, 1000, -1001])
def test_permute_matches_reference(dim, shift):
    x = hdc.random(3, dim, random_state=dim + shift % 97)
    assert np.array_equal(hdc.permute(x, shift), rotate(x, shift))
    assert np.array_equal(hdc.permute(x[0], shift), rotate(x[0], shift))


def test_threshold_matches_reference_rows():
    rng = np.random.default_rng(0)
    c = rng.integers(0, 7, size=(3, 128))
    n = np.array([6, 5, 4])
    out = hdc.threshold(c, n, tie="one")
    for r in range(3):
        expected = (2 * c[r] >= n[r]).astype(np.uint8)
        assert np.array_equal(unpack_bits(out[r]), expected)


def test_flip_rate_and_extremes():
    x = hdc.random(20, 1024, random_state=0)
    assert np.array_equal(hdc.flip(x, 0.0, random_state=1), x)
    assert np.array_equal(hdc.flip(x, 1.0, random_state=1), ~x)
    rate = hdc.hamming(x, hdc.flip(x, 0.25, random_state=2)).diagonal().mean() / 1024
    assert abs(rate - 0.25) < 0.02


def test_level_distances_grow_linearly():
    lv = hdc.level(9, 1024, random_state=0)
    d = hdc.hamming(lv, lv)
    assert np.array_equal(d[0], np.round(np.arange(9) * 512 / 8))
    for i in range(9):
        for j in range(9):
            assert d[i, j] == abs(d[0, i] - d[0, j])


def test_associative_memory_top_k_matches_bruteforce():
    stored = hdc.random(50, 256, random_state=0)
    queries = hdc.random(30, 256, random_state=1)
    memory = hdc.AssociativeMemory(256)
    memory.add(stored, np.arange(50))
    labels, sims = memory.query(queries, k=5)
    order, dist = ref_top_k(queries, stored, 5)
    assert np.array_equal(labels.astype(int), order)
    assert np.allclose(sims, 1 - dist / 256)
    assert np.array_equal(memory.cleanup(hdc.flip(stored[:5], 0.1, random_state=2)), stored[:5])


def test_multi_chunk_paths_match_reference():
    # large enough for the threaded kernels (several row chunks, parallel Hamming)
    x = hdc.random(5000, 128, random_state=7)
    assert np.array_equal(hdc.counts(x), ref_counts(x))
    expected = ref_majority(x, tie_bits=_tie_bits("one", 2, 0))
    assert np.array_equal(hdc.bundle(x, tie="one"), expected)
    y = hdc.random(60, 128, random_state=8)
    assert np.array_equal(hdc.hamming(x, y), ref_hamming(x, y))


@pytest.mark.parametrize("n_queries", [1, 3, 700])
def test_associative_memory_serial_and_parallel_paths_agree(n_queries):
    stored = hdc.random(400, 1024, random_state=3)
    queries = hdc.flip(stored[np.arange(n_queries) % 400], 0.3, random_state=4)
    memory = hdc.AssociativeMemory(1024)
    memory.add(stored, np.arange(400))
    labels, sims = memory.query(queries, k=3)
    order, dist = ref_top_k(queries, stored, 3)
    assert np.array_equal(labels.astype(int), order)
    assert np.allclose(sims, 1 - dist / 1024)


@pytest.mark.parametrize("dim", [64, 192, 640])
def test_permute_by_one_shift_per_row_matches_reference(dim):
    rng = np.random.default_rng(dim)
    x = hdc.random(9, dim, random_state=dim)
    shifts = rng.integers(-3 * dim, 3 * dim, size=9)
    shifts[:3] = [0, 64, -1]
    got = hdc.permute(x, shifts)
    assert np.array_equal(got, np.stack([rotate(x[r], int(s)) for r, s in enumerate(shifts)]))
    many = hdc.permute(x[0], shifts)
    assert np.array_equal(many, np.stack([rotate(x[0], int(s)) for s in shifts]))
