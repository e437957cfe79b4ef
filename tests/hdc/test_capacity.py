"""The capacity analysis against exact enumeration, and its input checks."""

import itertools
from math import comb

import numpy as np
import pytest

import hdc


def enumerated_member_similarity(n):
    """P(majority bit == member bit) by enumerating every bit pattern of the other n - 1 members
    and, for even n, both values of the tie bit."""
    agree = 0.0
    for others in itertools.product((0, 1), repeat=n - 1):
        for member in (0, 1):
            ones = member + sum(others)
            if 2 * ones > n:
                agree += member == 1
            elif 2 * ones < n:
                agree += member == 0
            else:
                agree += 0.5  # a tie bit independent of the member
    return agree / 2**n


@pytest.mark.parametrize("n", range(1, 12))
def test_member_similarity_matches_enumeration(n):
    assert hdc.member_similarity(n) == pytest.approx(enumerated_member_similarity(n), abs=1e-12)


def test_member_similarity_for_large_n_and_arrays():
    sizes = np.array([101, 1001, 100001])
    assert np.allclose(
        hdc.member_similarity(sizes), 0.5 + 1 / np.sqrt(2 * np.pi * sizes), rtol=1e-3
    )
    assert hdc.member_similarity([1, 2]).tolist() == [1.0, 0.75]


def enumerated_capacity(n, dim, m):
    """P(target strictly nearest, ties shared) summed over every joint distance (m - 1 axes)."""
    p = hdc.member_similarity(n)
    d = np.arange(dim + 1)
    target = np.array([comb(dim, k) * (1 - p) ** k * p ** (dim - k) for k in d])
    other = np.array([comb(dim, k) / 2**dim for k in d])
    grids = np.meshgrid(*([d] * (m - 1)), indexing="ij")
    joint = np.ones_like(grids[0], dtype=float)
    for g in grids:
        joint = joint * other[g]
    total = 0.0
    for dt in d:
        beaten = np.zeros_like(joint, dtype=bool)
        tied = np.zeros_like(grids[0])
        for g in grids:
            beaten |= g < dt
            tied += g == dt
        total += target[dt] * np.sum(np.where(beaten, 0.0, joint / (1 + tied)))
    return total


@pytest.mark.parametrize("n,m", [(1, 2), (3, 2), (4, 3), (7, 3), (9, 2)])
def test_binomial_capacity_matches_enumeration(n, m):
    assert hdc.capacity(n, 64, m) == pytest.approx(enumerated_capacity(n, 64, m), abs=1e-9)


def test_normal_approximation_is_close_at_large_dim():
    sizes = [50, 100, 200, 400, 800]
    exact = hdc.capacity(sizes, 10240, 1000)
    normal = hdc.capacity(sizes, 10240, 1000, method="normal")
    assert np.max(np.abs(exact - normal)) < 0.005


def test_capacity_is_monotone():
    sizes = np.arange(1, 200, 7)
    acc = hdc.capacity(sizes, 2048, 100)
    assert acc.shape == sizes.shape
    assert np.all(np.diff(acc) <= 1e-12)
    assert hdc.capacity(101, 2048, 10) > hdc.capacity(101, 2048, 1000)
    assert hdc.capacity(101, 4096, 100) > hdc.capacity(101, 2048, 100)
    assert hdc.capacity(500, 1024, 1) == 1.0
    assert isinstance(hdc.capacity(5, 1024, 10), float)


def test_membership_error_matches_binomial_tails():
    from scipy import stats

    t, fn, fp = hdc.membership_error(21, 1024, threshold=0.55)
    p = hdc.member_similarity(21)
    agreements = np.ceil(0.55 * 1024)
    assert t == 0.55
    assert fn == pytest.approx(stats.binom.cdf(agreements - 1, 1024, p))
    assert fp == pytest.approx(stats.binom.sf(agreements - 1, 1024, 0.5))
    default_t, _, _ = hdc.membership_error(21, 1024)
    assert default_t == pytest.approx(0.25 + p / 2)


def test_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1"):
        hdc.capacity(0, 1024, 10)
    with pytest.raises(TypeError, match="n must be an integer"):
        hdc.capacity(2.5, 1024, 10)
    with pytest.raises(ValueError, match="dim"):
        hdc.capacity(3, 1000, 10)
    with pytest.raises(ValueError, match="m must be an integer >= 1"):
        hdc.capacity(3, 1024, 0)
    with pytest.raises(TypeError, match="m must be an integer"):
        hdc.capacity(3, 1024, 10.0)
    with pytest.raises(ValueError, match="method"):
        hdc.capacity(3, 1024, 10, method="exact")
    with pytest.raises(ValueError, match="threshold"):
        hdc.membership_error(3, 1024, threshold=0.0)
    with pytest.raises(TypeError, match="n must be an integer"):
        hdc.member_similarity([1.5])
