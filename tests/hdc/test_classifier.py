"""Tests of hdc.HDClassifier and its kernels (against naive numpy references)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import ProjectionEncoder
from hdc import HDClassifier, _learn_kernels
from hdc._counter_planes import integer_cosines, integer_planes, plane_bits
from hdc._validation import readonly


def _bipolar(H: np.ndarray) -> np.ndarray:
    return hdc.unpack(H).astype(np.float64) * 2 - 1


# ---------------------------------------------------------------- kernels vs references
def test_cosine_integer_matches_numpy():
    rng = np.random.default_rng(0)
    H = hdc.random(7, 256, random_state=1)
    P = rng.integers(-20, 20, size=(3, 256)).astype(np.float64)
    norms = np.linalg.norm(P, axis=1)
    out = np.empty((7, 3))
    _learn_kernels.cosine_integer(H, P, norms, out)
    expected = _bipolar(H) @ P.T / (norms * np.sqrt(256))
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_cosine_binary_matches_hamming():
    H = hdc.random(5, 192, random_state=2)
    B = hdc.random(4, 192, random_state=3)
    out = np.empty((5, 4))
    _learn_kernels.cosine_binary(H, B, out)
    np.testing.assert_allclose(out, 1 - 2 * hdc.hamming(H, B) / 192)


def test_sign_rows_matches_numpy():
    rng = np.random.default_rng(4)
    P = rng.integers(-2, 3, size=(3, 128)).astype(np.float64)
    tie = hdc.random(None, 128, random_state=5)
    out = np.empty((3, 2), dtype=np.uint64)
    _learn_kernels.sign_rows(P, tie, out)
    tie_bits = hdc.unpack(tie)
    expected = np.where(P > 0, 1, np.where(P < 0, 0, tie_bits[None, :]))
    np.testing.assert_array_equal(hdc.unpack(out), expected)


def _naive_retrain_integer(H, y, order, P, lr, margin):
    Q = _bipolar(H)
    P = P.copy()
    S = np.zeros_like(P)
    dim = H.shape[1] * 64
    updates = 0
    for step, i in enumerate(order):
        norms = np.linalg.norm(P, axis=1)
        s = np.where(norms > 0, P @ Q[i] / (np.where(norms > 0, norms, 1) * np.sqrt(dim)), 0.0)
        t = y[i]
        others = [c for c in range(len(P)) if c != t]
        r = others[int(np.argmax(s[others]))]
        if s[t] - s[r] <= margin:
            P[t] += lr * Q[i]
            P[r] -= lr * Q[i]
            S[t] += step * lr * Q[i]
            S[r] -= step * lr * Q[i]
            updates += 1
    return P, S, updates


@pytest.mark.parametrize("margin", [0.0, 0.1])
def test_retrain_integer_matches_naive(margin):
    H = hdc.random(40, 128, random_state=6)
    y = np.random.default_rng(7).integers(0, 3, size=40)
    P0 = np.random.default_rng(8).integers(-5, 6, size=(3, 128)).astype(np.float64)
    order = np.random.default_rng(9).permutation(40).astype(np.int64)
    expected, expected_S, n_expected = _naive_retrain_integer(H, y, order, P0, 2.0, margin)
    P = P0.copy()
    S = np.zeros_like(P)
    norms2 = np.einsum("ij,ij->i", P, P)
    n = _learn_kernels.retrain_integer(  # inputs read-only, as HDClassifier passes them
        readonly(H), readonly(y.astype(np.int64)), readonly(order), P, norms2, 2.0, margin, S,
        0.0,
    )
    assert n == n_expected
    np.testing.assert_array_equal(P, expected)
    np.testing.assert_array_equal(S, expected_S)
    np.testing.assert_allclose(norms2, (P * P).sum(axis=1))


def test_retrain_binary_matches_naive():
    H = hdc.random(30, 128, random_state=10)
    y = np.random.default_rng(11).integers(0, 3, size=30).astype(np.int64)
    P0 = np.random.default_rng(12).integers(-5, 6, size=(3, 128)).astype(np.float64)
    tie = hdc.random(None, 128, random_state=13)
    order = np.arange(30, dtype=np.int64)
    Q = _bipolar(H)
    P_ref = P0.copy()
    tie_bits = hdc.unpack(tie)
    n_ref = 0
    for i in order:
        B = np.where(P_ref > 0, 1, np.where(P_ref < 0, 0, tie_bits))
        s = 1 - 2 * (B != hdc.unpack(H[i])).sum(axis=1) / 128
        t = y[i]
        others = [c for c in range(3) if c != t]
        r = others[int(np.argmax(s[others]))]
        if s[t] - s[r] <= 0.0:
            P_ref[t] += Q[i]
            P_ref[r] -= Q[i]
            n_ref += 1
    P = P0.copy()
    B = np.empty((3, 2), dtype=np.uint64)
    _learn_kernels.sign_rows(P, tie, B)
    H, y, order, tie = (readonly(a) for a in (H, y, order, tie))  # as HDClassifier passes them
    n = _learn_kernels.retrain_binary(H, y, order, P, B, tie, 1.0, 0.0, np.zeros_like(P), 0.0)
    assert n == n_ref
    np.testing.assert_array_equal(P, P_ref)
    expected_B = np.empty_like(B)
    _learn_kernels.sign_rows(P, tie, expected_B)
    np.testing.assert_array_equal(B, expected_B)


# ---------------------------------------------------------------- bit-sliced integer counters
def _planes_to_values(planes: np.ndarray, K: int) -> np.ndarray:
    """Naive inverse of to_planes: the integer rows held by the first K two's-complement planes."""
    bits = np.stack([hdc.unpack(planes[:, k]) for k in range(K)], axis=-1).astype(np.int64)
    weights = 2 ** np.arange(K, dtype=np.int64)
    weights[-1] = -weights[-1]
    return bits @ weights


@pytest.mark.parametrize("high", [1, 7, 1000, 2**20])
def test_to_planes_round_trips(high):
    P = np.random.default_rng(high).integers(-high, high + 1, size=(4, 192)).astype(np.float64)
    K = plane_bits(int(np.abs(P).max()))
    planes = np.zeros((4, K + 2, 3), dtype=np.uint64)
    _learn_kernels.to_planes(P, K, planes)
    np.testing.assert_array_equal(_planes_to_values(planes, K), P)
    assert not planes[:, K:].any()  # the spare planes are left alone


def test_plane_bits_is_the_two_complement_width():
    for m in range(0, 300):
        K = plane_bits(m)
        assert -(2 ** (K - 1)) <= -m and m <= 2 ** (K - 1) - 1
        assert K == 2 or m > 2 ** (K - 2) - 1  # no smaller width would do


def test_bipolar_dots_planes_match_numpy():
    rng = np.random.default_rng(1)
    H = hdc.random(9, 320, random_state=2)
    P = rng.integers(-5000, 5000, size=(5, 320)).astype(np.float64)
    P[2] = 0  # a zero row
    planes = integer_planes(P)
    out = np.empty((9, 5))
    _learn_kernels.bipolar_dots_planes(H, planes.bits, planes.n_planes, planes.row_sums, out)
    np.testing.assert_array_equal(out, _bipolar(H) @ P.T)
    np.testing.assert_array_equal(planes.bounds, np.abs(P).max(axis=1))
    norms = np.linalg.norm(P, axis=1)
    fast, slow = np.empty((9, 5)), np.empty((9, 5))
    integer_cosines(H, P, norms, fast)
    _learn_kernels.cosine_integer(H, P, norms, slow)
    np.testing.assert_array_equal(fast, slow)


def test_integer_planes_refuses_non_integer_or_huge_counters():
    P = np.zeros((2, 128))
    assert integer_planes(P) is not None
    assert integer_planes(P + 0.5) is None
    assert integer_planes(np.full((2, 128), np.inf)) is None
    assert integer_planes(np.full((2, 128), 2.0**53)) is None
    assert integer_planes(P, growth=2.0**60) is None
    # a dot product could reach 2**53 (16384 * 2**39): the float64 kernels take over
    assert integer_planes(np.full((2, 16384), 2.0**39)) is None
    assert integer_planes(np.full((2, 16384), 2.0**37)) is not None
    planes = integer_planes(P, growth=1000)
    assert planes.n_planes == 2 and planes.bits.shape[1] == plane_bits(1000)


@pytest.mark.parametrize("lr, margin", [(1.0, 0.0), (3.0, 0.1), (16.0, 0.05)])
def test_retrain_integer_planes_matches_naive(lr, margin):
    H = hdc.random(60, 192, random_state=14)
    y = np.random.default_rng(15).integers(0, 4, size=60)
    P0 = np.random.default_rng(16).integers(-2, 3, size=(4, 192)).astype(np.float64)
    order = np.random.default_rng(17).permutation(60).astype(np.int64)
    expected, expected_S, n_expected = _naive_retrain_integer(H, y, order, P0, lr, margin)
    P = P0.copy()
    S = np.zeros_like(P)
    norms2 = np.einsum("ij,ij->i", P, P)
    planes = integer_planes(P, growth=lr * 60)
    assert planes.n_planes == 3  # |P| <= 2: the updates must grow the planes (sign extension)
    n, K_out = _learn_kernels.retrain_integer_planes(  # inputs read-only, as HDClassifier
        readonly(H), readonly(y.astype(np.int64)), readonly(order), P, planes.bits,
        planes.n_planes, planes.bounds, planes.row_sums, norms2, lr, margin, S, 0.0,
    )
    assert n == n_expected and n > 0
    np.testing.assert_array_equal(P, expected)
    np.testing.assert_array_equal(S, expected_S)
    assert K_out > planes.n_planes
    np.testing.assert_array_equal(_planes_to_values(planes.bits, K_out), expected)
    np.testing.assert_array_equal(planes.row_sums, expected.sum(axis=1))
    assert np.all(planes.bounds >= np.abs(expected).max(axis=1))


@pytest.mark.parametrize("average", [False, True])
def test_fit_with_bit_planes_equals_float_kernels(monkeypatch, average):
    """The popcount path (integer lr) gives the float64 kernels' fit and predictions exactly."""
    import hdc.classifier as classifier_module

    X, y = make_blobs(400, centers=4, n_features=6, cluster_std=3.0, random_state=3)
    params = dict(dim=640, epochs=4, lr=2, average=average, random_state=0)
    fast = HDClassifier(**params).fit(X, y)
    assert fast.n_updates_[0] > 0
    monkeypatch.setattr(classifier_module, "integer_planes", lambda *args, **kwargs: None)
    slow = HDClassifier(**params).fit(X, y)
    assert slow._planes is None
    np.testing.assert_array_equal(fast.counters_, slow.counters_)
    np.testing.assert_array_equal(fast.decision_function(X), slow.decision_function(X))


# ---------------------------------------------------------------- estimator behaviour
@parametrize_with_checks(
    [
        HDClassifier(dim=512, epochs=5),
        HDClassifier(dim=512, epochs=3, prototypes="binary"),
    ]
)
@pytest.mark.filterwarnings("ignore:the first partial_fit batch")
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_counters_are_class_bipolar_sums_without_retraining():
    H = hdc.random(20, 256, random_state=0)
    y = np.array([0, 1] * 10)
    clf = HDClassifier(epochs=0, random_state=0).fit(H, y)
    for c in (0, 1):
        np.testing.assert_array_equal(clf.counters_[c], _bipolar(H[y == c]).sum(axis=0))
    assert clf.dim_ == 256 and clf.encoder_ is None and clf.n_features_in_ == 4


def test_dim_rounds_up_and_default_encoder():
    X, y = load_iris(return_X_y=True)
    clf = HDClassifier(dim=1000, epochs=2, random_state=0).fit(X, y)
    assert clf.dim_ == 1024
    assert clf.prototypes_.shape == (3, 16)
    assert type(clf.encoder_).__name__ == "TableEncoder" and clf.encoder_.dim_ == 1024


def test_retraining_beats_bundling_on_held_out_digits():
    from hdkit.datasets import load_dataset

    X_train, X_test, y_train, y_test = load_dataset("digits")
    plain = HDClassifier(dim=1024, epochs=0, random_state=0).fit(X_train, y_train)
    trained = HDClassifier(dim=1024, epochs=10, random_state=0).fit(X_train, y_train)
    assert plain.score(X_test, y_test) < 0.95  # a centroid classifier: 0.929
    assert trained.score(X_test, y_test) >= 0.97  # retraining with a margin: 0.980


def test_packed_input_is_used_as_is():
    X, y = make_blobs(200, centers=3, n_features=5, random_state=0)
    H = ProjectionEncoder(dim=512, kind="rff", gamma=0.1, random_state=0).fit_transform(X)
    clf = HDClassifier(epochs=5, random_state=0).fit(H, y)
    assert clf.score(H, y) > 0.95
    with pytest.raises(ValueError, match="expecting 8 features"):
        clf.predict(H[:, :4])
    with pytest.raises(TypeError, match="packed uint64"):
        clf.predict(np.zeros((3, 8)))


def test_encoder_instance_is_cloned_and_fitted():
    X, y = make_blobs(200, centers=3, n_features=5, random_state=1)
    enc = ProjectionEncoder(dim=512, kind="rff", gamma=0.1)
    clf = HDClassifier(encoder=enc, epochs=5, random_state=0).fit(X, y)
    assert not hasattr(enc, "dim_")
    assert clf.encoder_.dim_ == 512 and clf.score(X, y) > 0.95


def test_partial_fit_without_retraining_equals_fit():
    H = hdc.random(60, 256, random_state=3)
    y = np.random.default_rng(0).integers(0, 3, size=60)
    full = HDClassifier(epochs=0, random_state=0).fit(H, y)
    stream = HDClassifier(epochs=0, random_state=0)
    for start in range(0, 60, 25):
        stream.partial_fit(H[start : start + 25], y[start : start + 25], classes=[0, 1, 2])
    np.testing.assert_array_equal(stream.counters_, full.counters_)
    np.testing.assert_array_equal(stream.class_count_, np.bincount(y, minlength=3))
    np.testing.assert_array_equal(stream.predict(H), full.predict(H))


def test_partial_fit_retrains_and_checks_classes():
    X, y = make_blobs(300, centers=3, n_features=4, random_state=2)
    clf = HDClassifier(dim=1024, epochs=1, random_state=0)
    with pytest.raises(ValueError, match="classes must be given"):
        clf.partial_fit(X[:50], y[:50])
    for start in range(0, 300, 100):
        clf.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1, 2])
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(X[:10], y[:10], classes=[0, 1])


@pytest.mark.parametrize("prototypes", ["integer", "binary"])
def test_pickle_and_joblib_round_trips(prototypes, tmp_path):
    import joblib

    X, y = load_iris(return_X_y=True)
    clf = HDClassifier(dim=1024, epochs=3, prototypes=prototypes, random_state=0).fit(X, y)
    joblib.dump(clf, tmp_path / "model.joblib")
    for again in (pickle.loads(pickle.dumps(clf)), joblib.load(tmp_path / "model.joblib")):
        np.testing.assert_array_equal(again.predict(X), clf.predict(X))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_predict_proba_is_softmax_of_similarities():
    X, y = load_iris(return_X_y=True)
    clf = HDClassifier(dim=1024, epochs=2, temperature=0.1, random_state=0).fit(X, y)
    sims = clf.decision_function(X)
    e = np.exp((sims - sims.max(axis=1, keepdims=True)) / 0.1)
    np.testing.assert_allclose(clf.predict_proba(X), e / e.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
    assert np.all(np.abs(sims) <= 1 + 1e-12)


def test_binary_decision_function_is_difference():
    X, y = make_blobs(100, centers=2, n_features=3, random_state=0)
    clf = HDClassifier(dim=512, epochs=2, random_state=0).fit(X, y)
    sims = clf._similarities(X)
    np.testing.assert_allclose(clf.decision_function(X), sims[:, 1] - sims[:, 0])


def test_average_is_mean_of_counters_over_steps():
    H = hdc.random(30, 128, random_state=20)
    y = np.random.default_rng(21).integers(0, 3, size=30)
    clf = HDClassifier(epochs=2, average=True, margin=0.3, random_state=0).fit(H, y)
    # replay the same passes and average the counters after every visited sample
    ref = HDClassifier(epochs=0, random_state=0).fit(H, y)
    rng = np.random.default_rng(0)
    rng.integers(2**31 - 1)  # the encoder seed drawn in fit
    rng.integers(0, 2**64, size=2, dtype=np.uint64)  # the tie bits
    P = ref.counters_.copy()
    Q = _bipolar(H)
    history = []
    for _ in range(2):
        for i in rng.permutation(30):
            norms = np.linalg.norm(P, axis=1)
            s = np.where(norms > 0, P @ Q[i] / (np.where(norms > 0, norms, 1) * np.sqrt(128)), 0)
            t = y[i]
            others = [c for c in range(3) if c != t]
            r = others[int(np.argmax(s[others]))]
            if s[t] - s[r] <= 0.3:
                P[t] += Q[i]
                P[r] -= Q[i]
            history.append(P.copy())
    np.testing.assert_allclose(clf.counters_, np.mean(history, axis=0), atol=1e-9)


def test_auto_margin_is_median_initial_gap():
    H = hdc.random(50, 256, random_state=30)
    y = np.random.default_rng(31).integers(0, 4, size=50)
    P = HDClassifier(epochs=0, random_state=0).fit(H, y).counters_  # the initial counters
    S = _bipolar(H) @ P.T / (np.linalg.norm(P, axis=1) * 16)
    true = S[np.arange(50), y]
    S[np.arange(50), y] = -np.inf
    clf = HDClassifier(epochs=1, random_state=0).fit(H, y)
    assert clf.margin_ == pytest.approx(max(0.0, np.median(true - S.max(axis=1))))
    assert HDClassifier(epochs=1, margin=0.3).fit(H, y).margin_ == 0.3
    assert HDClassifier(epochs=0).fit(H, y).margin_ == 0.0  # no retraining, no margin


def test_deterministic_for_a_seed():
    X, y = load_iris(return_X_y=True)
    a = HDClassifier(dim=512, epochs=3, random_state=5).fit(X, y)
    b = HDClassifier(dim=512, epochs=3, random_state=5).fit(X, y)
    np.testing.assert_array_equal(a.counters_, b.counters_)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"epochs": -1}, ValueError, "epochs"),
        ({"lr": 0}, ValueError, "lr"),
        ({"margin": -0.1}, ValueError, "margin"),
        ({"temperature": "hot"}, TypeError, "temperature"),
        ({"prototypes": "ternary"}, ValueError, "prototypes"),
        ({"encoder": "magic"}, ValueError, "encoder"),
        ({"encoder": 3}, TypeError, "encoder"),
        ({"dim": 0}, ValueError, "dim"),
        ({"dim": 100.0}, TypeError, "dim"),
        ({"lr": float("nan")}, ValueError, "lr"),
        ({"lr": "big"}, TypeError, "lr"),
        ({"verbose": "no"}, TypeError, "verbose"),
        ({"encoder": __import__("sklearn.preprocessing").preprocessing.StandardScaler()},
         TypeError, "dim_"),
    ],
)
def test_bad_parameters_raise(params, error, match):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(error, match=match):
        HDClassifier(**params).fit(X, y)


def test_nan_is_a_missing_value_and_infinity_raises():
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[0, 0] = np.nan
    clf = HDClassifier(dim=256, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        HDClassifier(dim=256).fit(X, y)
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(X)


# ------------------------------------------------------------------ the "auto" encoder's width
def _neighbour_gamma_reference(S: np.ndarray) -> float:
    """Loops over pairs: median over rows of the squared distance to the nearest other row
    that is not equal to it, then 0.5 / that."""
    nearest = []
    for i in range(len(S)):
        d2 = [float(np.sum((S[i] - S[j]) ** 2)) for j in range(len(S)) if j != i]
        d2 = [d for d in d2 if d > 0]
        if d2:
            nearest.append(min(d2))
    return 0.5 / float(np.median(nearest)) if nearest else 1.0


def test_neighbour_gamma_matches_reference_and_scales():
    from hdc._rbf_width import neighbour_gamma

    S = np.random.default_rng(0).integers(0, 4, size=(40, 3)).astype(float)  # many duplicates
    assert neighbour_gamma(S) == pytest.approx(_neighbour_gamma_reference(S), rel=1e-9)
    assert neighbour_gamma(S * 10 + 7) == pytest.approx(neighbour_gamma(S) / 100, rel=1e-9)
    assert neighbour_gamma(np.ones((5, 3))) == 1.0
    assert neighbour_gamma(np.ones((1, 3))) == 1.0


def test_gamma_sample_rows_are_a_function_of_size_and_seed():
    from hdc._rbf_width import GAMMA_SAMPLE_ROWS, gamma_sample_rows

    rows = gamma_sample_rows(5000, 3)
    assert len(rows) == GAMMA_SAMPLE_ROWS == len(np.unique(rows))
    assert np.all(np.diff(rows) > 0) and rows[-1] < 5000
    np.testing.assert_array_equal(rows, gamma_sample_rows(5000, 3))
    np.testing.assert_array_equal(gamma_sample_rows(7, 3), np.arange(7))


def test_auto_encoder_learns_isotropic_high_dimensional_data():
    # 96 independent Gaussian features: a kernel width from the average distance (the former
    # rule, 4 / (n_features * X.var())) left every pair of points orthogonal and gave chance
    # accuracy; the nearest-neighbour width must learn the linear labels
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 96))
    y = np.argmax(X @ np.random.default_rng(1).standard_normal((96, 5)), axis=1)
    clf = HDClassifier(dim=2048, random_state=0).fit(X[:2000], y[:2000])
    assert clf.score(X[2000:], y[2000:]) > 0.6  # chance: ~0.2


def test_dim_is_checked_with_packed_input_too():
    H = hdc.random(10, 128, random_state=0)
    with pytest.raises(ValueError, match="dim"):
        HDClassifier(dim=-5).fit(H, np.arange(10) % 2)


def test_partial_fit_warns_on_a_small_first_batch_and_checks_labels_first():
    X, y = make_blobs(300, centers=3, n_features=4, random_state=2)
    clf = HDClassifier(dim=512, epochs=1, random_state=0)
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:50], y[:50], classes=[0, 1])
    assert not hasattr(clf, "classes_")  # nothing half-initialised
    with pytest.warns(UserWarning, match="only 5 samples.*scales.*margin"):
        clf.partial_fit(X[:5], y[:5], classes=[0, 1, 2])
    # packed input, a numeric margin and averaging chosen: nothing is estimated from the batch
    H = hdc.random(5, 128, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HDClassifier(margin=0.1, average=False).partial_fit(H, [0, 1, 2, 0, 1],
                                                            classes=[0, 1, 2])
        HDClassifier().partial_fit(X[:200], y[:200], classes=[0, 1, 2])


def test_text_pipeline_and_generator_input():
    from sklearn.pipeline import make_pipeline

    from encoders import NGramEncoder

    texts = ["the cat sat on the mat", "a dog ran in the park", "le chat est sur le tapis",
             "un chien court dans le parc", "the bird flew over the tree",
             "l'oiseau vole sur l'arbre"] * 5
    langs = np.array(["en", "en", "fr", "fr", "en", "fr"] * 5)
    encoder = NGramEncoder(dim=1024, ngram_range=(1, 3), random_state=0)
    model = make_pipeline(encoder, HDClassifier(epochs=3, random_state=0)).fit(texts, langs)
    assert model.score(texts, langs) == 1.0
    clf = HDClassifier(encoder=encoder, epochs=3, random_state=0)
    clf.fit((t for t in texts), langs)  # a generator is read once, for fit and encoding alike
    np.testing.assert_array_equal(clf.predict(iter(texts)), langs)
    np.testing.assert_array_equal(
        clf.predict(["le chien est dans le parc", "the cat ran over the mat"]), ["fr", "en"]
    )


def test_verbose_shows_progress(capsys):
    X, y = load_iris(return_X_y=True)
    HDClassifier(dim=256, epochs=3, verbose=True, random_state=0).fit(X, y)
    assert "HDClassifier epochs" in capsys.readouterr().err


def test_parameters_after_the_first_are_keyword_only():
    import inspect

    from hdc.baselines import GLNClassifier, GLNRegressor, KernelMachineClassifier

    for estimator in (HDClassifier, GLNClassifier, GLNRegressor, KernelMachineClassifier):
        params = list(inspect.signature(estimator.__init__).parameters.values())[1:]
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), estimator
    with pytest.raises(TypeError):
        HDClassifier("auto", 1024)


# ------------------------------------------------------------------ tables, classes, averaging
def _table(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Object table whose label depends on a category and a number; missing values."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.normal(size=n) * 100 + 1000
    y = ((colour == "red") | (size > 1100)).astype(int)
    X = np.empty((n, 3), dtype=object)
    X[:, 0], X[:, 1], X[:, 2] = size.tolist(), colour.tolist(), rng.normal(size=n).tolist()
    X[::7, 0] = np.nan
    X[::11, 1] = None
    return X, y


def test_tables_with_categories_and_missing_values_need_no_preprocessing():
    X, y = _table(200)
    clf = HDClassifier(dim=1024, random_state=0).fit(X[:150], y[:150])
    assert clf.score(X[150:], y[150:]) > 0.8
    assert clf.encoder_.categorical_.tolist() == [False, True, False]
    unseen = X[150:].copy()
    unseen[:, 1] = "purple"  # never seen in fit: left out, as a missing value
    missing = X[150:].copy()
    missing[:, 1] = None
    np.testing.assert_array_equal(clf.decision_function(unseen), clf.decision_function(missing))
    empty = np.array([[np.nan, None, None]], dtype=object)
    assert clf.predict(empty).shape == (1,)


def test_dataframe_input_equals_object_array_input():
    pd = pytest.importorskip("pandas")
    X, y = _table()
    frame = pd.DataFrame({"size": X[:, 0].astype(float), "colour": X[:, 1],
                          "noise": X[:, 2].astype(float)})
    a = HDClassifier(dim=512, epochs=5, random_state=0).fit(X, y)
    b = HDClassifier(dim=512, epochs=5, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(a.counters_, b.counters_)
    assert list(b.feature_names_in_) == ["size", "colour", "noise"]
    np.testing.assert_array_equal(a.predict(X), b.predict(frame))
    with pytest.warns(UserWarning, match="feature names"):
        np.testing.assert_array_equal(b.predict(X), b.predict(frame))


@pytest.mark.parametrize("make_input", [
    lambda rng: rng.normal(size=(20, 3)),
    lambda rng: hdc.random(20, 128, random_state=0),
])
def test_one_class_is_an_error(make_input):
    X = make_input(np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2 classes.*got 1 class"):
        HDClassifier(dim=128).fit(X, np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match="classes must hold at least 2 classes"):
        HDClassifier(dim=128).partial_fit(X, np.zeros(20, dtype=int), classes=[0])
    with pytest.raises(ValueError, match="at least 2 classes"):
        HDClassifier(dim=128).fit(X[:1], [3])


def test_auto_average_on_overlapping_classes_only():
    from hdc._batch_retraining import average_from_gaps

    assert average_from_gaps(np.array([-0.1, 0.0, 0.2])) is True
    assert average_from_gaps(np.array([0.1, 0.2, -0.3])) is False
    assert average_from_gaps(np.empty(0)) is False
    X, y = load_iris(return_X_y=True)
    separable = HDClassifier(dim=512, epochs=3, random_state=0).fit(X, y)
    assert separable.average_ is False
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5))
    noisy = rng.integers(0, 3, size=2000)  # labels unrelated to X
    overlapping = HDClassifier(dim=512, epochs=3, random_state=0).fit(X, noisy)
    assert overlapping.average_ is True and overlapping.margin_ == 0.0
    same = HDClassifier(dim=512, epochs=3, average=True, random_state=0).fit(X, noisy)
    np.testing.assert_array_equal(same.counters_, overlapping.counters_)
    assert HDClassifier(dim=512, epochs=0).fit(X, noisy).average_ is False
    batch = HDClassifier(dim=512, epochs=2, retraining="batch", random_state=0).fit(X, noisy)
    assert batch.average_ is True
