"""Tests of the Gated Linear Network estimators against a plain-numpy reference and laws."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from hdc._validation import readonly
from hdc.baselines import GLNClassifier, GLNRegressor
from hdc.baselines import _gln_kernels as kernels
from hdc.baselines.gln import learning_rates

from . import gln_reference


def _blobs(n=120, d=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(n_classes, d))
    y = rng.integers(0, n_classes, n)
    return centers[y] + rng.normal(size=(n, d)), y


# ------------------------------------------------------------------------------------------------
# The compiled online loop against the numpy reference (pygln's algorithm, one sample at a time)
# ------------------------------------------------------------------------------------------------
def _reference_from(clf: GLNClassifier) -> gln_reference.NumpyGLN:
    """A NumpyGLN holding the same hyperplanes and (float64 copies of the) weights as clf."""
    sizes = list(clf._layer_sizes)
    d = clf.n_features_in_
    m = clf._context_dim
    n_contexts = 1 << m
    ref = gln_reference.NumpyGLN(
        sizes, d, d, clf.n_nets_, context_dim=m, eps=clf.eps, weight_clip=clf.weight_clip,
        bias=1.0, rng=0,
    )
    sets = clf.n_context_sets_
    planes = clf.hyperplanes_.astype(np.float64).T.reshape(sets, clf.n_neurons_, m, d)
    offsets = clf.context_offsets_.astype(np.float64).reshape(sets, clf.n_neurons_, m)
    # shared context functions: every network gets the same hyperplanes
    planes = np.broadcast_to(planes, (clf.n_nets_,) + planes.shape[1:])
    offsets = np.broadcast_to(offsets, (clf.n_nets_,) + offsets.shape[1:])
    first = 0
    offset = 0
    for layer, (size, k) in enumerate(zip(sizes, clf.widths_, strict=True)):
        ref.planes[layer] = planes[:, first:first + size]
        ref.offsets[layer] = offsets[:, first:first + size]
        block = size * n_contexts * int(k)
        ref.weights[layer] = (
            clf.weights_[:, offset:offset + block].astype(np.float64)
            .reshape(clf.n_nets_, size, n_contexts, int(k))
        )
        first += size
        offset += block
    return ref


def _naive_inputs(clf: GLNClassifier, X: np.ndarray):
    """Base logits and side information computed the obvious way (float32 like the estimator)."""
    eps = clf.eps
    p = np.clip((X - clf.min_) * clf.inv_span_, eps, 1 - eps)
    base = np.log(p / (1 - p)).astype(np.float32).astype(np.float64)
    side = ((X - clf.mean_) / clf.side_scale_).astype(np.float32).astype(np.float64)
    return base, side


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("context_dim", [0, 2])
@pytest.mark.parametrize(("shared", "whiten"), [(True, None), (False, None), (True, 3)])
def test_online_updates_match_numpy_reference(n_classes, context_dim, shared, whiten):
    X, y = _blobs(n=60, d=5, n_classes=n_classes, seed=1)
    clf = GLNClassifier(layer_sizes=(3, 2), context_dim=context_dim, context_offset=0.5,
                        whiten=whiten, learning_rate=0.05, learning_rate_scale=2.0,
                        shared_contexts=shared, random_state=3)
    # a first call fixes the network; the reference starts from the same state
    clf.partial_fit(X[:20], y[:20], classes=np.unique(y))
    ref = _reference_from(clf)
    t0 = clf.n_updates_
    Z = clf._inputs(X)  # standardised with the first batch's statistics, clipped
    np.testing.assert_allclose(Z, np.clip((X - X[:20].mean(0)) / X[:20].std(0), -5, 5))
    online = clf._run(Z[20:], y[20:])  # the online logits (before each update)
    base, side = _naive_inputs(clf, Z[20:])
    targets = clf._targets(y[20:])
    rates = np.minimum(2.0 / np.arange(t0 + 1, t0 + 41), 0.05)
    ref_online = ref.fit_online(base, side, targets, rates)
    np.testing.assert_allclose(online, ref_online, rtol=1e-4, atol=1e-4)
    after = _reference_from(clf)
    for ours, theirs in zip(after.weights, ref.weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    # prediction (no update) agrees too and leaves the weights alone
    before = clf.weights_.copy()
    logits = clf.decision_function(X)
    np.testing.assert_array_equal(clf.weights_, before)
    base_all, side_all = _naive_inputs(clf, Z)
    ref_logits = ref.predict_logits(base_all, side_all)
    np.testing.assert_allclose(logits.reshape(len(X), -1), ref_logits, rtol=1e-4, atol=1e-4)


def test_only_the_active_row_changes():
    X, y = _blobs(n=30, d=4, n_classes=2, seed=2)
    clf = GLNClassifier(layer_sizes=(2,), context_dim=3, random_state=0)
    clf.partial_fit(X[:29], y[:29], classes=[0, 1])
    before = clf.weights_.copy()
    clf.partial_fit(X[29:], y[29:])
    changed = np.flatnonzero((clf.weights_ != before).any(axis=0))
    # one row per neuron at most (2 neurons of width 5, one neuron of width 3)
    assert 0 < changed.size <= 2 * 5 + 3
    contexts = clf._contexts(clf._side_information(X[29:]))[0, 0]
    n_contexts = 8
    allowed = set()
    for j, k, start in ((0, 5, 0), (1, 5, 0)):
        row = start + (j * n_contexts + contexts[j]) * k
        allowed.update(range(row, row + k))
    last = 2 * n_contexts * 5 + contexts[2] * 3
    allowed.update(range(last, last + 3))
    assert set(changed.tolist()) <= allowed


def test_partial_fit_sample_by_sample_equals_one_call():
    X, y = _blobs(n=200, seed=4)
    one = GLNClassifier(layer_sizes=(4, 3), random_state=1)
    many = clone(one)
    for est in (one, many):
        est.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    one.partial_fit(X[50:], y[50:])
    for i in range(50, 200):
        many.partial_fit(X[i:i + 1], y[i:i + 1])
    np.testing.assert_array_equal(one.weights_, many.weights_)
    assert one.n_updates_ == many.n_updates_ == 200


def test_small_batches_run_on_one_thread_and_restore_the_pool(monkeypatch):
    import numba

    import hdc.baselines.gln as gln

    X, y = _blobs(n=40, seed=11)
    before = numba.get_num_threads()
    seen = []
    original = gln._gln_kernels.bernoulli_forward

    def spy(*args):
        seen.append(numba.get_num_threads())
        return original(*args)

    monkeypatch.setattr(gln._gln_kernels, "bernoulli_forward", spy)
    clf = GLNClassifier(random_state=0).partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    clf.partial_fit(X[30:31], y[30:31])
    assert seen == [1, 1]
    assert numba.get_num_threads() == before


def test_fit_is_one_partial_fit_pass_and_epochs_repeat_it():
    X, y = _blobs(n=150, seed=5)
    params = dict(shuffle=False, epochs=1, learning_rate_scale=100.0, context_dim=4,
                  random_state=2)
    fitted = GLNClassifier(**params).fit(X, y)
    online = GLNClassifier(random_state=2).partial_fit(X, y, classes=np.unique(y))
    # "auto" in a stream of unknown length: Veness et al.'s constants
    assert online.learning_rate_scale_ == 100.0 and online.context_dim_ == 4
    np.testing.assert_array_equal(fitted.weights_, online.weights_)
    twice = GLNClassifier(**{**params, "epochs": 2}).fit(X, y)
    online.partial_fit(X, y)
    np.testing.assert_array_equal(twice.weights_, online.weights_)


def test_auto_epochs_schedule_and_shuffled_passes():
    X, y = _blobs(n=150, seed=5)
    clf = GLNClassifier(random_state=2).fit(X, y)
    assert clf.epochs_ == 20 and clf.learning_rate_scale_ == 10.0 and clf.n_updates_ == 3000
    assert clf.context_dim_ == 1 and clf.hyperplanes_.shape[1] == 33  # 16 + 16 + 1 neurons
    big = GLNClassifier(layer_sizes=(2,), random_state=0).fit(np.tile(X, (60, 1)), np.tile(y, 60))
    assert big.epochs_ == 3 and big.learning_rate_scale_ == 30.0
    order = np.argsort(y, kind="stable")  # a class-sorted training set
    sorted_fit = GLNClassifier(shuffle=False, epochs=3, random_state=0).fit(X[order], y[order])
    shuffled = GLNClassifier(epochs=3, random_state=0).fit(X[order], y[order])
    assert shuffled.score(X, y) >= sorted_fit.score(X, y)


def test_chunked_run_equals_unchunked(monkeypatch):
    import hdc.baselines.gln as gln

    X, y = _blobs(n=300, seed=6)
    whole = GLNClassifier(random_state=0).fit(X, y)
    monkeypatch.setattr(gln, "_CHUNK", 7)
    chunked = GLNClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(whole.weights_, chunked.weights_)
    np.testing.assert_array_equal(whole.decision_function(X), chunked.decision_function(X))


def test_context_indices_match_naive_bits():
    rng = np.random.default_rng(0)
    proj = rng.normal(size=(11, 12)).astype(np.float32)
    offsets = rng.normal(size=12).astype(np.float32)
    out = np.empty((11, 4), dtype=np.int64)
    kernels.context_indices(readonly(proj), readonly(offsets), 3, out)  # as the model passes
    bits = (proj > offsets).reshape(11, 4, 3)
    np.testing.assert_array_equal(out, (bits * (1 << np.arange(3))).sum(axis=-1))


def test_whitened_hyperplanes_cut_the_principal_space_evenly():
    rng = np.random.default_rng(0)
    # strongly anisotropic data: 3 informative directions of very different variances
    X = rng.normal(size=(400, 3)) * [30.0, 3.0, 0.3] @ rng.normal(size=(3, 12))
    X += 0.001 * rng.normal(size=X.shape)
    y = (X[:, 0] > 0).astype(int)
    clf = GLNClassifier(layer_sizes=(4,), context_dim=3, whiten=3, random_state=0).fit(X, y)
    assert clf.n_whitened_ == 3
    proj = clf._side_information(clf._inputs(X)).astype(np.float64) @ clf.hyperplanes_.astype(
        np.float64)
    # a unit vector of the whitened space gives a projection of unit variance
    np.testing.assert_allclose(proj.var(axis=0, ddof=1), 1.0, rtol=1e-3)
    plain = GLNClassifier(layer_sizes=(4,), context_dim=3, random_state=0).fit(X, y)
    assert plain.n_whitened_ == 0
    np.testing.assert_allclose(np.linalg.norm(plain.hyperplanes_, axis=0), 1.0, rtol=1e-6)
    # a first batch of one sample has no principal space: isotropic normals instead
    one = GLNClassifier(whiten=3, random_state=0).partial_fit(X[:1], y[:1], classes=[0, 1])
    assert one.n_whitened_ == 0


def test_learning_rate_schedules():
    np.testing.assert_allclose(learning_rates("constant", 0.1, 5.0, 10, 3), [0.1] * 3)
    np.testing.assert_allclose(learning_rates("inverse", 0.01, 100.0, 9998, 4),
                               [0.01, 0.01, 100 / 10001, 100 / 10002])


# ------------------------------------------------------------------------------------------------
# Behaviour
# ------------------------------------------------------------------------------------------------
def test_learns_separable_blobs_and_probabilities_are_normalized():
    X, y = _blobs(n=600, d=6, n_classes=4, seed=7)
    clf = GLNClassifier(learning_rate_scale=5, random_state=0).fit(X[:400], y[:400])
    assert clf.score(X[400:], y[400:]) > 0.9
    proba = clf.predict_proba(X[400:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X[400:]))


def test_binary_labels_and_decision_function():
    X, y = _blobs(n=300, n_classes=2, seed=8)
    labels = np.array(["no", "yes"])[y]
    clf = GLNClassifier(random_state=0).fit(X, labels)
    assert clf.n_nets_ == 1
    assert clf.decision_function(X).shape == (300,)
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.predict_proba(X).shape == (300, 2)


def test_deterministic_for_a_seed_and_different_across_seeds():
    X, y = _blobs(n=100, seed=9)
    a = GLNClassifier(random_state=5).fit(X, y)
    b = GLNClassifier(random_state=5).fit(X, y)
    c = GLNClassifier(random_state=6).fit(X, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert not np.array_equal(a.hyperplanes_, c.hyperplanes_)


def test_bias_is_appended_not_overwriting_a_feature():
    X, y = _blobs(n=50, d=3, seed=10)
    clf = GLNClassifier(layer_sizes=(4,), random_state=0).fit(X, y)
    assert clf.widths_.tolist() == [3 + 1, 4 + 1]
    base = clf._base_logits(X)
    assert np.all(base[:, -1] == 1.0)
    eps = clf.eps
    p = np.clip((X - clf.min_) * clf.inv_span_, eps, 1 - eps)
    np.testing.assert_allclose(base[:, :-1], np.log(p / (1 - p)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"layer_sizes": (4, 0)}, ValueError),
        ({"layer_sizes": "16"}, TypeError),
        ({"context_dim": -1}, ValueError),
        ({"context_dim": 2.5}, TypeError),
        ({"learning_rate": 0}, ValueError),
        ({"learning_rate_schedule": "cosine"}, ValueError),
        ({"eps": 0.5}, ValueError),
        ({"weight_clip": -1.0}, ValueError),
        ({"base": "relu"}, ValueError),
        ({"epochs": 0}, ValueError),
        ({"context_offset": -0.1}, ValueError),
        ({"whiten": 0}, ValueError),
        ({"shared_contexts": "yes"}, TypeError),
    ],
)
def test_bad_parameters_are_named(params, error):
    X, y = _blobs(n=20)
    name = next(iter(params))
    with pytest.raises(error, match=name):
        GLNClassifier(**params).fit(X, y)


def test_partial_fit_errors():
    X, y = _blobs(n=20)
    with pytest.raises(ValueError, match="classes"):
        GLNClassifier().partial_fit(X, y)
    clf = GLNClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:2], np.array([0, 7]))
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="2 classes"):
        GLNClassifier().fit(X, np.zeros(20))


# ------------------------------------------------------------------------------------------------
# Gaussian GLN
# ------------------------------------------------------------------------------------------------
def _nll(weights, mu_in, tau_in, y):
    tau = weights @ tau_in
    mu = weights @ (tau_in * mu_in) / tau
    return 0.5 * np.log(2 * np.pi / tau) + 0.5 * tau * (y - mu) ** 2


def test_gaussian_neuron_step_is_the_nll_gradient():
    """A one-neuron Gaussian GLN takes exactly one step of the NLL's (numerical) gradient."""
    rng = np.random.default_rng(0)
    k = 6
    mu_in = rng.normal(size=(1, k))
    tau_in = rng.uniform(0.5, 2.0, size=(1, k))
    w0 = rng.uniform(0.2, 1.0, size=k)
    weights = w0.copy()[None, :]
    lr, y = 0.01, 0.7
    out_mean, out_var = np.empty(1), np.empty(1)
    inputs = (mu_in, tau_in, np.zeros((1, 1, 1), dtype=np.int64), np.array([y]), np.array([lr]))
    kernels.gaussian_forward(  # inputs read-only, as GLNRegressor passes them
        *(readonly(a) for a in inputs), weights, readonly(np.array([1])), readonly(np.array([k])),
        1, 0.0, 1.0, 1e-6, 100.0, 1e-9, 1e9, True,
        out_mean, out_var,
    )
    h = 1e-6
    grad = np.array([
        (_nll(w0 + h * e, mu_in[0], tau_in[0], y) - _nll(w0 - h * e, mu_in[0], tau_in[0], y))
        / (2 * h)
        for e in np.eye(k)
    ])
    np.testing.assert_allclose(weights[0], w0 - lr * grad, rtol=1e-6, atol=1e-9)
    tau = w0 @ tau_in[0]
    np.testing.assert_allclose(out_mean[0], w0 @ (tau_in[0] * mu_in[0]) / tau)
    np.testing.assert_allclose(out_var[0], 1 / tau)


def test_regressor_learns_a_smooth_function_online():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(3000, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 3.0
    reg = GLNRegressor(random_state=0).fit(X[:2500], y[:2500])
    assert reg.score(X[2500:], y[2500:]) > 0.85
    one = GLNRegressor(random_state=0).partial_fit(X[:100], y[:100])
    for i in range(100, 300, 50):
        one.partial_fit(X[i:i + 50], y[i:i + 50])
    batch = GLNRegressor(random_state=0).partial_fit(X[:100], y[:100]).partial_fit(
        X[100:300], y[100:300]
    )
    np.testing.assert_array_equal(one.weights_, batch.weights_)


def test_regressor_weights_stay_in_their_box():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = 100 * X[:, 0] ** 3
    reg = GLNRegressor(learning_rate=0.5, learning_rate_schedule="constant", weight_clip=2.0,
                       random_state=0).fit(X, y)
    assert reg.weights_.min() >= reg.weight_min and reg.weights_.max() <= 2.0
    assert np.all(np.isfinite(reg.predict(X)))


# ------------------------------------------------------------------------------------------------
# scikit-learn's estimator checks
# ------------------------------------------------------------------------------------------------
# check_regressors_train asks for a training R^2 > 0.5 on 200 noisy samples: the regressor gets
# three online passes there (one pass reaches about 0.45 on that data).
@parametrize_with_checks([
    GLNClassifier(layer_sizes=(8, 8), learning_rate_scale=10, random_state=0),
    GLNRegressor(layer_sizes=(8, 8), epochs=3, random_state=0),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)
