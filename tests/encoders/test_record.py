"""Tests of encoders.RecordEncoder against a naive unpacked reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import (
    ConvolutionEncoder,
    KeypointEncoder,
    NGramEncoder,
    ProjectionEncoder,
    RecordEncoder,
)
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


@settings(max_examples=min(25, settings.default.max_examples))
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


@pytest.mark.parametrize("n_levels", [2, 4, 8, 32])
@pytest.mark.parametrize("dist", ["exponential", "normal"])
def test_quantile_levels_have_equal_mass(n_levels, dist):
    X = getattr(np.random.default_rng(0), dist)(size=(4000, 3))
    enc = RecordEncoder(dim=64, n_levels=n_levels, quantization="quantile", random_state=0).fit(X)
    assert np.isfinite(enc.edges_).all() and enc.edges_.shape == (3, n_levels - 1)
    for f in range(3):
        share = np.bincount(enc.quantize(X)[:, f], minlength=n_levels) / 4000
        np.testing.assert_allclose(share, 1 / n_levels, atol=0.002)


def test_quantile_ties_keep_the_end_levels():
    # 90% of the values tie at the minimum: all three quartile edges sit on it
    X = np.r_[np.zeros(90), np.arange(1, 11)][:, None]
    enc = RecordEncoder(dim=64, n_levels=4, quantization="quantile", random_state=0).fit(X)
    q = enc.quantize([[-1e-9], [0.0], [0.5], [1.0], [10.0], [11.0]]).ravel()
    np.testing.assert_array_equal(q, [0, 0, 0, 3, 3, 3])
    np.testing.assert_array_equal(enc.edges_, [[1.0, np.inf, np.inf]])
    np.testing.assert_array_equal(enc.transform([[-5.0]]), enc.transform([[0.0]]))
    # a tie in the middle takes one level; the other levels keep (about) equal mass
    X = np.r_[np.arange(-30, 0), np.zeros(40), np.arange(1, 31)][:, None].astype(float)
    enc = RecordEncoder(dim=64, n_levels=4, quantization="quantile", random_state=0).fit(X)
    q = enc.quantize(X).ravel()
    assert len(set(q[30:70])) == 1
    assert q.min() == 0 and q.max() == 3 and np.all(np.diff(q) >= 0)


def test_quantile_constant_feature_and_one_level():
    enc = RecordEncoder(dim=64, n_levels=5, quantization="quantile", random_state=0)
    enc.fit([[3.0, 0.0], [3.0, 1.0]])
    np.testing.assert_array_equal(enc.quantize([[-1.0, -1.0], [3.0, 0.0], [9.0, 1.0]]),
                                  [[0, 0], [0, 0], [0, 4]])
    assert np.isinf(enc.edges_[0]).all()
    enc = RecordEncoder(dim=64, n_levels=1, quantization="quantile", random_state=0)
    assert np.all(enc.fit([[0.0], [1.0]]).quantize([[-1.0], [0.5], [2.0]]) == 0)


@settings(max_examples=min(60, settings.default.max_examples))
@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=40),
    st.integers(2, 12),
)
def test_quantile_levels_are_monotone_with_clipped_ends(values, n_levels):
    X = np.array(values, dtype=float)[:, None]
    enc = RecordEncoder(dim=64, n_levels=n_levels, quantization="quantile", random_state=0)
    enc.fit(X)
    grid = np.linspace(-5, 5, 81)[:, None]
    q = enc.quantize(grid).ravel()
    assert np.all(np.diff(q) >= 0) and q.min() >= 0 and q.max() <= n_levels - 1
    lo, hi = X.min(), X.max()
    assert np.all(q[grid.ravel() <= lo] == 0)
    if hi > lo:
        assert np.all(q[grid.ravel() >= hi] == n_levels - 1)
    else:
        assert np.all(q == 0)


@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
def test_huge_ranges_stay_in_level_bounds(quantization):
    big = np.finfo(np.float64).max
    probe = np.array([[-big], [-1e308], [-1e307], [0.0], [1e307], [1e308], [big]])
    enc = RecordEncoder(dim=64, n_levels=8, quantization=quantization, random_state=0)
    q = enc.fit([[-1e308], [1e308], [0.0]]).quantize(probe).ravel()
    assert np.all(np.diff(q) >= 0) and q[0] == 0 and q[-1] == 7 and q[1] == 0 and q[-2] == 7
    assert 0 < q[3] < 7
    enc = RecordEncoder(dim=64, n_levels=8, quantization=quantization, random_state=0)
    q = enc.fit([[1e308], [1e308]]).quantize(probe).ravel()
    np.testing.assert_array_equal(q, 0)
    H = enc.transform(probe)
    np.testing.assert_array_equal(H, np.repeat(H[:1], len(probe), axis=0))
    enc = RecordEncoder(dim=64, n_levels=8, quantization=quantization, random_state=0)
    q = enc.fit([[-big], [big]]).quantize(probe).ravel()
    assert q[0] == 0 and q[3] in (3, 4) and q[6] == 7  # 0 sits at the midpoint 3.5


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


@pytest.mark.parametrize("verbose", ["no", "", -1, 1.0, None, [True]])
@pytest.mark.parametrize(
    "make, X",
    [
        (lambda v: RecordEncoder(dim=64, verbose=v), [[0.0], [1.0]]),
        (lambda v: ConvolutionEncoder(dim=64, verbose=v), np.zeros((2, 4, 4))),
        (
            lambda v: KeypointEncoder(dim=64, n_tables=2, hash_bits=4, verbose=v),
            [(np.zeros((3, 2)), np.eye(3, 8, dtype=np.float32))],
        ),
        (lambda v: NGramEncoder(dim=64, verbose=v), ["abc"]),
        (lambda v: ProjectionEncoder(dim=64, verbose=v), [[0.0], [1.0]]),
    ],
)
def test_verbose_must_be_a_bool_or_an_int(make, X, verbose, capsys):
    with pytest.raises(TypeError, match="verbose must be a bool"):
        make(verbose).fit(X)
    enc = make(np.False_).fit(X)
    enc.set_params(verbose=verbose)
    with pytest.raises(TypeError, match="verbose must be a bool"):
        enc.transform(X)
    assert capsys.readouterr().err == ""


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


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinity_raises(bad):
    with pytest.raises(ValueError, match="infinity"):
        RecordEncoder(dim=64).fit([[0.0], [bad]])
    enc = RecordEncoder(dim=64).fit([[0.0], [1.0]])
    with pytest.raises(ValueError, match="infinity"):
        enc.transform([[bad]])
    with pytest.raises(ValueError, match="infinity"):
        enc.transform(np.array([[bad]], dtype=object))


def test_transform_uses_the_fitted_parameters():
    X = np.random.default_rng(3).normal(size=(30, 4))
    enc = RecordEncoder(dim=256, n_levels=6, random_state=0).fit(X)
    H = enc.transform(X)
    enc.set_params(n_levels=9, quantization="quantile", binding="permute")
    np.testing.assert_array_equal(enc.transform(X), H)  # new values apply at the next fit
    assert enc.fit(X).levels_.shape[0] == 9


def test_verbose_takes_scikit_learn_style_ints(capsys):
    X = np.random.default_rng(0).normal(size=(5, 3))
    RecordEncoder(dim=64, verbose=0).fit(X).transform(X)
    assert capsys.readouterr().err == ""
    RecordEncoder(dim=64, verbose=2).fit(X).transform(X)
    assert "RecordEncoder" in capsys.readouterr().err


def test_tiny_ranges_spread_over_the_levels():
    X = np.array([[0.0], [1e-310], [2e-310]])  # (n_levels - 1) / span overflows to inf
    q = RecordEncoder(dim=64, n_levels=33, random_state=0).fit(X).quantize(X).ravel()
    assert q.tolist() == [0, 16, 32]


@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
def test_fit_from_merged_partition_statistics_equals_fit(quantization):
    X = np.random.default_rng(6).normal(size=(40, 5)) * [1, 10, 100, 0.1, 5]
    enc = RecordEncoder(dim=256, n_levels=8, quantization=quantization, random_state=0)
    assert enc._fits_from_statistics()
    plan = enc._statistics_plan(*X.shape)
    parts = [enc._partition_statistics(X[a:b], a, plan) for a, b in ((0, 13), (13, 13), (13, 40))]
    merged = enc._merge_statistics(enc._merge_statistics(parts[0], parts[1]), parts[2])
    from_statistics = clone(enc)._fit_from_statistics(merged, plan)
    fitted = clone(enc).fit(X)
    np.testing.assert_array_equal(from_statistics.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(from_statistics.quantize(X), fitted.quantize(X))


def test_encoder_parameters_after_dim_are_keyword_only():
    import inspect

    import encoders

    for name in encoders.__all__:
        params = list(inspect.signature(getattr(encoders, name).__init__).parameters.values())
        assert params[1].name == "dim", name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:]), name
    with pytest.raises(TypeError):
        RecordEncoder(1024, 16)
