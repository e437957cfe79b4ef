"""Tests of encoders.ProjectionEncoder against numpy references."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import ProjectionEncoder


@parametrize_with_checks(
    [ProjectionEncoder(dim=256), ProjectionEncoder(dim=128, kind="rff", gamma=0.5)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_sign_matches_numpy():
    X = np.random.default_rng(0).normal(size=(30, 7))
    enc = ProjectionEncoder(dim=200, batch_size=8, random_state=0).fit(X)
    Z = (X - X.mean(axis=0)).astype(np.float32) @ enc.components_
    expected = hdc.pack((Z > 0).astype(np.uint8))
    np.testing.assert_array_equal(enc.transform(X), expected)
    assert enc.dim_ == 256


def test_rff_matches_cosine_reference():
    X = np.random.default_rng(1).normal(size=(40, 5))
    enc = ProjectionEncoder(dim=512, kind="rff", gamma=0.3, random_state=0).fit(X)
    Z = (X - enc.mean_).astype(np.float32) @ enc.components_
    turns = Z.astype(np.float64) + enc.phase_
    expected = hdc.pack((np.cos(2 * np.pi * turns) > 0).astype(np.uint8))
    got = enc.transform(X)
    # values within float rounding of a zero crossing may differ
    assert (hdc.unpack(got) != hdc.unpack(expected)).mean() < 1e-3


def test_rff_similarity_follows_rbf_kernel():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4))
    others = x + rng.normal(size=(200, 4)) * rng.uniform(0, 2, size=(200, 1))
    gamma = 0.5
    enc = ProjectionEncoder(dim=16384, kind="rff", gamma=gamma, random_state=0).fit(
        np.vstack([x, others])
    )
    sims = hdc.similarity(enc.transform(x)[0], enc.transform(others))
    kernel = np.exp(-gamma * ((others - x) ** 2).sum(axis=1))
    # binarised RFF: E[similarity] = 1 - arccos(kernel)... monotone in the kernel
    assert np.corrcoef(sims, kernel)[0, 1] > 0.95


def test_sign_similarity_estimates_angle():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 6))
    enc = ProjectionEncoder(dim=16384, random_state=0).fit(X)
    H = enc.transform(X)
    C = X - enc.mean_
    cos = (C[0] @ C[1:].T) / (np.linalg.norm(C[0]) * np.linalg.norm(C[1:], axis=1))
    expected = 1 - np.arccos(np.clip(cos, -1, 1)) / np.pi
    np.testing.assert_allclose(hdc.similarity(H[0], H[1:]), expected, atol=0.03)


def test_gamma_scale():
    X = np.random.default_rng(4).normal(scale=3.0, size=(100, 5))
    enc = ProjectionEncoder(dim=64, kind="rff").fit(X)
    assert enc.gamma_ == pytest.approx(1 / (5 * X.var()))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"kind": "cos"}, ValueError, "kind"),
        ({"kind": "rff", "gamma": -1.0}, ValueError, "gamma"),
        ({"kind": "rff", "gamma": "auto"}, ValueError, "gamma"),
        ({"kind": "rff", "gamma": [1]}, TypeError, "gamma"),
        ({"batch_size": -1}, ValueError, "batch_size"),
    ],
)
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        ProjectionEncoder(**params).fit([[0.0, 1.0], [1.0, 0.0]])


def test_nan_raises():
    with pytest.raises(ValueError, match="NaN"):
        ProjectionEncoder(dim=64).fit([[0.0], [np.nan]])


@pytest.mark.parametrize("kind", ["sign", "rff"])
@pytest.mark.parametrize(
    "gamma, error", [("foo", ValueError), (-1, ValueError), (0.0, ValueError),
                     (np.inf, ValueError), (True, TypeError), (None, TypeError)]
)
def test_bad_gamma_raises_whatever_the_kind(kind, gamma, error):
    with pytest.raises(error, match="gamma must be a finite number > 0 or 'scale'"):
        ProjectionEncoder(dim=64, kind=kind, gamma=gamma).fit([[0.0], [1.0]])


def test_transform_uses_the_fitted_kind():
    X = np.random.default_rng(3).normal(size=(20, 4))
    for kind, other in [("sign", "rff"), ("rff", "sign")]:
        enc = ProjectionEncoder(dim=256, kind=kind, gamma=0.5, random_state=0).fit(X)
        before = enc.transform(X)
        enc.set_params(kind=other)
        assert enc.kind_ == kind
        np.testing.assert_array_equal(enc.transform(X), before)
        refit = enc.fit(X)
        assert refit.kind_ == other
        np.testing.assert_array_equal(
            refit.transform(X),
            ProjectionEncoder(dim=256, kind=other, gamma=0.5, random_state=0).fit_transform(X),
        )


@pytest.mark.parametrize("verbose", ["no", -1, 0.5, None])
def test_verbose_must_be_a_bool_or_an_int(verbose):
    with pytest.raises(TypeError, match="verbose must be a bool"):
        ProjectionEncoder(dim=64, verbose=verbose).fit([[0.0], [1.0]])
