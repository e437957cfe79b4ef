"""Regression tests: learner inputs that once gave silently wrong results or unclear errors."""

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits

import encoders
import hdc
from hdc.baselines import GLNClassifier, GLNRegressor


@pytest.fixture(scope="module")
def packed():
    X, y = load_digits(return_X_y=True)
    H = encoders.ProjectionEncoder(dim=512, random_state=0).fit_transform(X[:300])
    return H, y[:300]


def test_big_endian_packed_input_is_used_as_hypervectors(packed):
    H, y = packed
    native = hdc.HDClassifier(epochs=2, random_state=0).fit(H, y)
    big = hdc.HDClassifier(epochs=2, random_state=0).fit(H.astype(">u8"), y)
    assert big.encoder_ is None and big.dim_ == 512
    assert np.array_equal(big.counters_, native.counters_)
    assert np.array_equal(big.predict(H.astype(">u8")), native.predict(H))
    clf = hdc.HDClassifier(epochs=0, random_state=0)
    clf.partial_fit(H[:150].astype(">u8"), y[:150], classes=np.unique(y))
    clf.partial_fit(H[150:].astype(">u8"), y[150:])
    assert clf.dim_ == 512


def test_dask_batch_fit_rejects_continuous_y_like_fit(packed):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    H, _ = packed
    y = np.linspace(0.0, 1.0, len(H))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        hdc.HDClassifier(retraining="batch").fit(H, y)
    with dask.config.set(scheduler="synchronous"), pytest.raises(
        ValueError, match="Unknown label type: continuous"
    ):
        hdc.HDClassifier(retraining="batch").fit(
            da.from_array(H, chunks=100), da.from_array(y, chunks=100))


def test_dask_fit_of_big_endian_words_equals_native(packed):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    H, y = packed
    params = dict(retraining="batch", epochs=2, random_state=0)
    native = hdc.HDClassifier(**params).fit(H, y)
    with dask.config.set(scheduler="synchronous"):
        big = hdc.HDClassifier(**params).fit(
            da.from_array(H.astype(">u8"), chunks=100), da.from_array(y, chunks=100))
    assert np.array_equal(big.counters_, native.counters_)


@pytest.mark.parametrize("epochs", [0, 2])
def test_memory_mapped_model_can_partial_fit(tmp_path, packed, epochs):
    H, y = packed
    clf = hdc.HDClassifier(epochs=epochs, random_state=0)
    clf.partial_fit(H[:200], y[:200], classes=np.unique(y))
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path, mmap_mode="r")
    before = np.array(loaded.counters_)
    loaded.partial_fit(H[200:], y[200:])
    clf.partial_fit(H[200:], y[200:])
    assert np.array_equal(loaded.counters_, clf.counters_)
    # the file is untouched: loading it again gives the old counters
    assert np.array_equal(joblib.load(path, mmap_mode="r").counters_, before)


def test_memory_mapped_gln_can_partial_fit(tmp_path):
    X, y = load_digits(return_X_y=True)
    gln = GLNClassifier(random_state=0).partial_fit(X[:100], y[:100], classes=np.unique(y))
    joblib.dump(gln, tmp_path / "gln.joblib")
    joblib.load(tmp_path / "gln.joblib", mmap_mode="r").partial_fit(X[100:200], y[100:200])


def test_gln_regressor_with_string_y_names_y():
    X = np.random.default_rng(0).random((20, 3))
    with pytest.raises(ValueError, match=r"\by\b"):
        GLNRegressor().fit(X, np.array(["a", "b"] * 10))


@pytest.mark.parametrize("dtype", ["float16", ">f2", ">f8"])
def test_gln_regressor_accepts_half_and_big_endian_targets(dtype):
    X = np.random.default_rng(0).random((20, 3))
    y = np.linspace(0.0, 1.0, 20)
    expected = GLNRegressor(random_state=0).fit(X, y.astype(np.float16).astype(np.float64))
    got = GLNRegressor(random_state=0).fit(X, y.astype(np.float16).astype(dtype))
    assert np.array_equal(got.predict(X), expected.predict(X))


def test_gln_regressor_complex_y_names_y():
    X = np.random.default_rng(0).random((8, 3))
    with pytest.raises(ValueError, match="^y: Complex data not supported"):
        GLNRegressor().fit(X, np.ones(8, complex))
