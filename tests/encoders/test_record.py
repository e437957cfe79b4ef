"""Tests of encoders.RecordEncoder against a naive unpacked reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import RecordEncoder
from encoders._base import check_batch_size, round_dim


def _naive_record(enc: RecordEncoder, X: np.ndarray) -> np.ndarray:
    """Majority over features of keys[f] XOR level[q_f] (or level rotated by f), per bit."""
    index = enc.quantize(X)
    n_features = X.shape[1]
    votes = np.zeros((X.shape[0], enc.dim_), dtype=np.int64)
    for f in range(n_features):
        lv = enc.levels_[index[:, f]]
        if enc.binding == "permute":
            lv = hdc.permute(lv, f)
        votes += hdc.unpack(enc.keys_[f] ^ lv)
    tie = hdc.unpack(enc.tie_)
    bits = np.where(2 * votes > n_features, 1, np.where(2 * votes < n_features, 0, tie))
    return hdc.pack(bits.astype(np.uint8))


@parametrize_with_checks(
    [RecordEncoder(dim=256, n_levels=8), RecordEncoder(dim=128, binding="permute",
                                                       quantization="quantile")]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("binding", ["id", "permute"])
@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
@pytest.mark.parametrize("n_features", [1, 2, 15, 16, 17, 40])
def test_matches_naive_reference(binding, quantization, n_features):
    X = np.random.default_rng(n_features).normal(size=(23, n_features))
    enc = RecordEncoder(
        dim=320, n_levels=6, binding=binding, quantization=quantization, batch_size=7,
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(enc.transform(X), _naive_record(enc, X))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-100, 100), min_size=2, max_size=30),
    st.integers(2, 40),
)
def test_uniform_quantization_is_nearest_level(values, n_levels):
    X = np.array(values)[:, None]
    enc = RecordEncoder(dim=64, n_levels=n_levels, random_state=0).fit(X)
    q = enc.quantize(X).ravel()
    lo, hi = X.min(), X.max()
    if hi == lo:
        assert np.all(q == 0)
        return
    grid = lo + (hi - lo) * np.arange(n_levels) / (n_levels - 1)
    dist = np.abs(X - grid[None, :])
    # the chosen level is a nearest one (up to float rounding at midpoints)
    assert np.all(dist[np.arange(len(q)), q] <= dist.min(axis=1) + 1e-9 * (hi - lo))


def test_out_of_range_values_clip_to_end_levels():
    X = np.array([[0.0], [10.0]])
    enc = RecordEncoder(dim=128, n_levels=4, random_state=0).fit(X)
    np.testing.assert_array_equal(enc.quantize([[-5.0], [50.0]]).ravel(), [0, 3])
    np.testing.assert_array_equal(enc.transform([[-5.0]]), enc.transform([[0.0]]))
    np.testing.assert_array_equal(enc.transform([[50.0]]), enc.transform([[10.0]]))


def test_quantile_levels_have_equal_mass():
    X = np.random.default_rng(0).exponential(size=(4000, 1))
    enc = RecordEncoder(dim=64, n_levels=4, quantization="quantile", random_state=0).fit(X)
    share = np.bincount(enc.quantize(X).ravel(), minlength=4) / 4000
    np.testing.assert_allclose(share, 0.25, atol=0.01)


def test_nearby_values_give_similar_hypervectors():
    X = np.linspace(0, 1, 11)[:, None] * np.ones((1, 5))
    enc = RecordEncoder(dim=4096, n_levels=11, random_state=0).fit(X)
    H = enc.transform(X)
    d = hdc.hamming(H[0], H)
    assert np.all(np.diff(d) >= 0)
    assert d[-1] > 1500


def test_batches_and_determinism():
    X = np.random.default_rng(1).normal(size=(50, 9))
    a = RecordEncoder(dim=512, batch_size=3, random_state=4).fit_transform(X)
    b = RecordEncoder(dim=512, batch_size=1000, random_state=4).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, 8) and a.dtype == np.uint64


def test_verbose_progress_bar(capsys):
    pytest.importorskip("tqdm")
    X = np.random.default_rng(2).normal(size=(20, 3))
    RecordEncoder(dim=128, batch_size=5, verbose=True, random_state=0).fit_transform(X)
    assert "RecordEncoder" in capsys.readouterr().err


def test_dim_rounding_and_helpers():
    assert RecordEncoder(dim=100).fit([[0.0], [1.0]]).dim_ == 128
    assert round_dim(64) == 64 and round_dim(65) == 128
    with pytest.raises(ValueError, match="dim"):
        round_dim(0)
    with pytest.raises(TypeError, match="batch_size"):
        check_batch_size(2.5)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_levels": 0}, ValueError, "n_levels"),
        ({"binding": "xor"}, ValueError, "binding"),
        ({"quantization": "log"}, ValueError, "quantization"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"dim": -3}, ValueError, "dim"),
        ({"dim": 1.5}, TypeError, "dim"),
    ],
)
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        RecordEncoder(**params).fit([[0.0], [1.0]])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_raise(bad):
    with pytest.raises(ValueError, match="NaN|infinity"):
        RecordEncoder(dim=64).fit([[0.0], [bad]])
    enc = RecordEncoder(dim=64).fit([[0.0], [1.0]])
    with pytest.raises(ValueError, match="NaN|infinity"):
        enc.transform([[bad]])
