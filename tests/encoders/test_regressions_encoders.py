"""Regression tests: encoder inputs that once gave silently wrong results."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import encoders
import hdc


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200], y[:200]


def test_sign_projection_is_scale_free_beyond_float32(digits):
    X, _ = digits
    clean = encoders.ProjectionEncoder(dim=512, random_state=0).fit_transform(X)
    for factor in (2.0**130, 2.0**1000):
        got = encoders.ProjectionEncoder(dim=512, random_state=0).fit_transform(X * factor)
        assert np.array_equal(got, clean), factor


@pytest.mark.parametrize("factor", [1e39, 1e300, 1e-300])
def test_rff_projection_beyond_float32_keeps_the_code(digits, factor):
    X, _ = digits
    clean = encoders.ProjectionEncoder(dim=1024, kind="rff", random_state=0).fit_transform(X)
    with np.errstate(over="raise", invalid="raise"):
        got = encoders.ProjectionEncoder(dim=1024, kind="rff", random_state=0).fit_transform(
            X * factor)
    assert len(np.unique(got, axis=0)) == len(np.unique(clean, axis=0))
    assert (hdc.unpack(got) != hdc.unpack(clean)).mean() < 0.02


def test_projection_of_float64_extremes_is_finite_and_deterministic():
    big = np.finfo(np.float64).max
    X = np.array([[big, -big], [-big, big], [1.0, 2.0], [big / 3, 0.0]])
    for kind in ("sign", "rff"):
        enc = encoders.ProjectionEncoder(dim=128, kind=kind, random_state=0)
        a = enc.fit_transform(X)
        assert np.array_equal(a, enc.transform(X))
        if kind == "sign":
            assert len(np.unique(a, axis=0)) == 4


@pytest.mark.parametrize("name", ["TableEncoder", "TableRFFEncoder", "RecordEncoder"])
def test_table_encoders_beyond_float32_keep_rows_distinct(digits, name):
    X, _ = digits
    for factor in (1e39, 1e300):
        H = getattr(encoders, name)(dim=512, random_state=0).fit_transform(X * factor)
        assert len(np.unique(H, axis=0)) == len(np.unique(X, axis=0)), factor


def test_classifier_on_features_beyond_float32(digits):
    X, y = digits
    clean = hdc.HDClassifier(dim=1024, epochs=3, random_state=0).fit(X, y).score(X, y)
    big = hdc.HDClassifier(dim=1024, epochs=3, random_state=0).fit(X * 1e39, y)
    assert big.score(X * 1e39, y) >= clean - 0.02
    rff = hdc.HDClassifier(encoders.ProjectionEncoder(dim=1024, kind="rff"), epochs=3,
                           random_state=0)
    assert rff.fit(X * 1e39, y).score(X * 1e39, y) > 0.9
