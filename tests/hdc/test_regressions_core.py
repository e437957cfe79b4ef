"""Regression tests: inputs that once crashed the core or gave a silently wrong result."""

import numpy as np
import pytest

import hdc


@pytest.mark.parametrize(
    "weights",
    [
        np.array([-(2**63), 1, 1, 1], dtype=np.int64),
        np.array([2**64 - 1, 1, 1, 1], dtype=np.uint64),
        np.array([2**31, 1, 1, 1], dtype=np.int64),
    ],
)
def test_extreme_weights_are_rejected_not_wrapped(weights):
    x = hdc.random(4, 64, random_state=0)
    with pytest.raises(ValueError, match="weights"):
        hdc.counts(x, weights=weights)
    with pytest.raises(ValueError, match="weights"):
        hdc.bundle(x, weights=weights)


def test_largest_accepted_weight_counts_exactly():
    x = hdc.random(2, 64, random_state=0)
    w = np.array([2**31 - 1, 0], dtype=np.uint64)
    expected = hdc.unpack(x[0]).astype(np.int64) * (2**31 - 1)
    assert np.array_equal(hdc.counts(x, weights=w), expected)


def test_threshold_huge_counts_and_ties():
    ones = np.iinfo(np.uint64).max
    assert (hdc.threshold(np.full(64, 2**62), 0, tie="zero") == ones).all()
    assert (hdc.threshold(np.full(64, 2**63 - 1), 2**63 - 1, tie="zero") == ones).all()
    assert (hdc.threshold(np.full(64, -(2**63)), 2**63 - 1, tie="one") == 0).all()
    assert (hdc.threshold(np.full(64, 2**64 - 1, dtype=np.uint64), 1, tie="zero") == ones).all()
    assert (hdc.threshold(np.full(64, 2**63, dtype=np.uint64), 2**62, tie="zero") == ones).all()
    # ties at huge totals: count == n / 2 exactly
    assert (hdc.threshold(np.full(64, 2**61), 2**62, tie="zero") == 0).all()
    assert (hdc.threshold(np.full(64, 2**61), 2**62, tie="one") == ones).all()
    assert (hdc.threshold(np.zeros(64, int), -(2**63), tie="zero") == ones).all()


def test_threshold_total_beyond_int64_is_an_error_naming_n():
    with pytest.raises(ValueError, match=r"\bn\b"):
        hdc.threshold(np.zeros(64, int), 2**63, tie="zero")


def test_threshold_n_of_wrong_length_names_n():
    with pytest.raises(ValueError, match=r"^n must be one integer or 1 integers"):
        hdc.threshold(np.zeros(64, int), [1, 2, 3])
    with pytest.raises(ValueError, match=r"^n must"):
        hdc.threshold(np.zeros((2, 64), int), [[1, 2]])


def test_threshold_matches_naive_on_random_wide_values():
    rng = np.random.default_rng(0)
    c = rng.integers(-(2**62), 2**62, size=(3, 128))
    n = rng.integers(-(2**62), 2**62, size=3)
    c[:, :10] = (n // 2)[:, None]  # some exact ties (n even) and near-ties
    got = hdc.unpack(hdc.threshold(c, n, tie="one"))
    two_c = c.astype(object) * 2
    expected = (two_c > n[:, None].astype(object)) | (two_c == n[:, None].astype(object))
    assert np.array_equal(got.astype(bool), expected.astype(bool))


def test_big_endian_words_mean_the_same_hypervectors():
    x = hdc.random(5, 128, random_state=1)
    big = x.astype(">u8")
    assert np.array_equal(hdc.bind(big, x), np.zeros_like(x))
    assert np.array_equal(hdc.bundle(big), hdc.bundle(x))
    assert np.array_equal(hdc.counts(big), hdc.counts(x))
    assert np.array_equal(hdc.hamming(big, x[::-1]), hdc.hamming(x, x[::-1]))
    assert np.array_equal(hdc.permute(big, 3), hdc.permute(x, 3))
    assert np.array_equal(hdc.unpack(big), hdc.unpack(x))
    memory = hdc.AssociativeMemory(128)
    memory.add(big, np.arange(5))
    assert memory.query(x)[0][:, 0].tolist() == list(range(5))


def test_unsigned_shift_above_int64_is_taken_modulo_dim():
    x = hdc.random(2, 128, random_state=2)
    got = hdc.permute(x, np.array([2**64 - 1, 2**63], dtype=np.uint64))
    expected = np.stack([hdc.permute(x[0], (2**64 - 1) % 128), hdc.permute(x[1], 2**63 % 128)])
    assert np.array_equal(got, expected)


def test_unbind_errors_name_its_own_arguments():
    x = hdc.random(2, 128, random_state=0)
    with pytest.raises(ValueError, match="bound and key"):
        hdc.unbind(x, hdc.random(2, 64))
    with pytest.raises(TypeError, match="^key"):
        hdc.unbind(x, np.zeros(2))
    with pytest.raises(TypeError, match="^bound"):
        hdc.unbind([1, 2], x)
