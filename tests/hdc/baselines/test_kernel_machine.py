"""Tests of KernelMachineClassifier: it is SVC, and its Hamming kernel is the popcount kernel."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted, validate_data

import hdc
from hdc.baselines import KernelMachineClassifier, hamming_kernel


def _naive_hamming_kernel(a, b):
    """Bipolar cosine from unpacked bits: mean over bits of (+1 if equal else -1)."""
    dim = a.shape[1] * 64
    bits_a = hdc.unpack(a, dim).astype(np.int64) * 2 - 1
    bits_b = hdc.unpack(b, dim).astype(np.int64) * 2 - 1
    return bits_a @ bits_b.T / dim


def _noisy_prototypes(n=300, n_classes=4, dim=512, noise=0.35, seed=0):
    rng = np.random.default_rng(seed)
    protos = hdc.random(n_classes, dim, random_state=seed)
    y = rng.integers(0, n_classes, n)
    X = hdc.flip(protos[y], noise, random_state=seed + 1)
    return X, y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, X[600:900] / 16, y[:600], y[600:900]


# ------------------------------------------------------------------------------------------------
# It is SVC
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_float_kernels_are_exactly_svc(digits, kernel):
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train, _ = digits
    for scale, svc in ((False, SVC(kernel=kernel, C=3.0)),
                       (True, make_pipeline(StandardScaler(), SVC(kernel=kernel, C=3.0)))):
        ours = KernelMachineClassifier(kernel=kernel, C=3.0, scale=scale).fit(X_train, y_train)
        svc.fit(X_train, y_train)
        np.testing.assert_array_equal(ours.predict(X_test), svc.predict(X_test))
        np.testing.assert_array_equal(ours.decision_function(X_test),
                                      svc.decision_function(X_test))
    assert not hasattr(KernelMachineClassifier(scale=False).fit(X_train, y_train), "scaler_")


def test_hamming_kernel_matches_naive_bits():
    a = hdc.random(7, 192, random_state=0)
    b = hdc.random(5, 192, random_state=1)
    np.testing.assert_allclose(hamming_kernel(a, b), _naive_hamming_kernel(a, b))
    np.testing.assert_allclose(hamming_kernel(a, a).diagonal(), 1.0)
    # positive semi-definite (a Gram matrix of +-1 vectors)
    assert np.linalg.eigvalsh(hamming_kernel(a, a)).min() > -1e-10


def test_hamming_kernel_blocks(monkeypatch):
    import hdc.baselines.kernel_machine as km

    a = hdc.random(9, 128, random_state=2)
    whole = hamming_kernel(a, a)
    monkeypatch.setattr(km, "_GRAM_BUDGET", 10)
    np.testing.assert_array_equal(hamming_kernel(a, a), whole)


def test_hamming_machine_equals_precomputed_svc_and_keeps_only_support_vectors():
    X, y = _noisy_prototypes(n=240, noise=0.3)
    X_train, X_test, y_train = X[:160], X[160:], y[:160]
    ours = KernelMachineClassifier(kernel="hamming", C=0.5, normalize_hamming=False).fit(
        X_train, y_train)
    assert ours.kernel_spread_ == 1.0
    svc = SVC(kernel="precomputed", C=0.5).fit(_naive_hamming_kernel(X_train, X_train), y_train)
    gram_test = _naive_hamming_kernel(X_test, X_train)
    np.testing.assert_array_equal(ours.predict(X_test), svc.predict(gram_test))
    np.testing.assert_allclose(ours.decision_function(X_test), svc.decision_function(gram_test),
                               rtol=1e-7, atol=1e-9)
    assert ours.support_vectors_.dtype == np.uint64
    np.testing.assert_array_equal(ours.support_vectors_, X_train[svc.support_])
    assert ours.score(X_test, y[160:]) > 0.9


def test_normalised_hamming_kernel_is_the_penalty_divided_by_the_spread():
    X, y = _noisy_prototypes(n=240, noise=0.3, seed=7)
    X_train, X_test, y_train = X[:160], X[160:], y[:160]
    ours = KernelMachineClassifier(kernel="hamming", C=2.0, tol=1e-6).fit(X_train, y_train)
    gram = _naive_hamming_kernel(X_train, X_train)
    off = gram[~np.eye(160, dtype=bool)]
    assert ours.kernel_spread_ == pytest.approx(1.0 - off.mean())
    # an SVM with a bias on K / s with C is the SVM on K with C / s: the same predictions
    svc = SVC(kernel="precomputed", C=2.0 / ours.kernel_spread_, tol=1e-6).fit(gram, y_train)
    gram_test = _naive_hamming_kernel(X_test, X_train)
    np.testing.assert_array_equal(ours.predict(X_test), svc.predict(gram_test))
    np.testing.assert_allclose(ours.decision_function(X_test), svc.decision_function(gram_test),
                               rtol=1e-4, atol=1e-4)


def test_prediction_in_blocks_equals_one_block(monkeypatch):
    import hdc.baselines.kernel_machine as km

    X, y = _noisy_prototypes(n=200, noise=0.3, seed=5)
    clf = KernelMachineClassifier(kernel="hamming", probability=True, random_state=0)
    clf.fit(X[:120], y[:120])
    whole = (clf.decision_function(X), clf.predict(X), clf.predict_proba(X))
    monkeypatch.setattr(km, "_GRAM_BUDGET", 120 * 7)  # blocks of 7 test rows
    for a, b in zip(whole, (clf.decision_function(X), clf.predict(X), clf.predict_proba(X)),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_hamming_nystroem_classifies_noisy_prototypes():
    X, y = _noisy_prototypes(n=400, noise=0.4, seed=3)
    clf = KernelMachineClassifier(kernel="hamming", approximation="nystroem", n_components=60,
                                  random_state=0).fit(X[:300], y[:300])
    assert clf.landmarks_.shape == (60, X.shape[1])
    assert clf.score(X[300:], y[300:]) > 0.9
    again = KernelMachineClassifier(kernel="hamming", approximation="nystroem", n_components=60,
                                    random_state=0).fit(X[:300], y[:300])
    np.testing.assert_array_equal(clf.decision_function(X), again.decision_function(X))


def test_hamming_nystroem_map_preserves_the_kernel():
    """With every training vector as a landmark, feature inner products are the kernel."""
    X, y = _noisy_prototypes(n=40, dim=256, noise=0.3)
    clf = KernelMachineClassifier(kernel="hamming", approximation="nystroem", n_components=40,
                                  random_state=0).fit(X, y)
    features = clf._features(X)
    np.testing.assert_allclose(features @ features.T, hamming_kernel(X, X) / clf.kernel_spread_,
                               atol=1e-6)


def test_rbf_nystroem_close_to_exact(digits):
    X_train, X_test, y_train, y_test = digits
    for scale in (False, True):
        approx = KernelMachineClassifier(approximation="nystroem", n_components=300, C=10,
                                         scale=scale, random_state=0).fit(X_train, y_train)
        exact = KernelMachineClassifier(C=10, scale=scale).fit(X_train, y_train)
        assert approx.score(X_test, y_test) > exact.score(X_test, y_test) - 0.04
    approx = KernelMachineClassifier(approximation="nystroem", n_components=300, C=10,
                                     scale=False, random_state=0).fit(X_train, y_train)
    exact = KernelMachineClassifier(C=10, scale=False).fit(X_train, y_train)
    assert approx.score(X_test, y_test) > exact.score(X_test, y_test) - 0.03


def test_probabilities_only_when_asked(digits):
    X_train, X_test, y_train, _ = digits
    plain = KernelMachineClassifier().fit(X_train, y_train)
    assert not hasattr(plain, "predict_proba")
    with pytest.raises(AttributeError, match="predict_proba"):
        plain.predict_proba(X_test)
    calibrated = KernelMachineClassifier(probability=True, random_state=0).fit(X_train, y_train)
    proba = calibrated.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # predictions do not depend on the calibration
    np.testing.assert_array_equal(calibrated.predict(X_test), plain.predict(X_test))


# ------------------------------------------------------------------------------------------------
# Input errors
# ------------------------------------------------------------------------------------------------
def test_hamming_needs_packed_input():
    X, y = _noisy_prototypes(n=30)
    with pytest.raises(TypeError, match="uint64"):
        KernelMachineClassifier(kernel="hamming").fit(X.astype(np.float64), y)
    clf = KernelMachineClassifier(kernel="hamming").fit(X, y)
    with pytest.raises(TypeError, match="uint64"):
        clf.predict(X.astype(np.int64))
    with pytest.raises(ValueError, match="words|features"):
        clf.predict(X[:, :-1])


def test_float_kernels_refuse_packed_input():
    X, y = _noisy_prototypes(n=30)
    with pytest.raises(TypeError, match="kernel='hamming'"):
        KernelMachineClassifier(kernel="rbf").fit(X, y)


@pytest.mark.parametrize(
    ("params", "name"),
    [({"kernel": "poly"}, "kernel"), ({"approximation": "rff"}, "approximation"),
     ({"n_components": 0}, "n_components")],
)
def test_bad_parameters(params, name):
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match=name):
        KernelMachineClassifier(**params).fit(X[:50], y[:50])


# ------------------------------------------------------------------------------------------------
# scikit-learn's estimator checks. The checks feed float data, so the Hamming kernel is checked
# behind a tiny packing transformer (sign of a random projection, packed), the way it is used:
# after an encoder.
# ------------------------------------------------------------------------------------------------
class _SignPacker(TransformerMixin, BaseEstimator):
    """Float features -> packed hypervectors: bits = (X - mean) @ R > 0, dim 128."""

    def __init__(self, dim=128, random_state=0):
        self.dim = dim
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X)
        self.mean_ = X.mean(axis=0)
        rng = np.random.default_rng(self.random_state)
        self.projection_ = rng.standard_normal((X.shape[1], self.dim))
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return hdc.pack(((X - self.mean_) @ self.projection_ > 0).astype(np.uint8))


def _pipeline_failures(estimator):
    """Two checks that scikit-learn's own Pipeline fails whatever its steps (it replaces
    ``steps`` in fit): check_estimator(make_pipeline(StandardScaler(), LogisticRegression()))
    fails exactly these."""
    if hasattr(estimator, "steps"):
        reason = "sklearn.pipeline.Pipeline itself fails it"
        return {"check_estimators_overwrite_params": reason,
                "check_dont_overwrite_parameters": reason}
    return {}


@parametrize_with_checks([
    KernelMachineClassifier(),
    KernelMachineClassifier(kernel="linear"),
    KernelMachineClassifier(approximation="nystroem", n_components=20, random_state=0),
    make_pipeline(_SignPacker(), KernelMachineClassifier(kernel="hamming")),
    make_pipeline(_SignPacker(), KernelMachineClassifier(kernel="hamming", C=10.0,
                                                         approximation="nystroem",
                                                         n_components=20, random_state=0)),
], expected_failed_checks=_pipeline_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
