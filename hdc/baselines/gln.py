"""Gated Linear Networks (Veness et al., 2019/2021) as scikit-learn estimators.

A Gated Linear Network (GLN) is a stack of layers of *gated geometric mixing* neurons. Each
neuron owns ``2**context_dim`` weight vectors and a *halfspace context function*: ``context_dim``
fixed random hyperplanes over the side information ``z`` (here the standardized input) whose
sides, read as bits, select which weight vector is active for the current sample. The neuron
mixes the probabilities of the previous layer geometrically, in logit space::

    p = sigmoid(w_c . logit(clip(p_in, eps, 1 - eps)))

and learns online from its own log loss, with no backpropagation: only the active row moves,
``w_c <- clip(w_c - lr_t * (p - y) * logit(p_in), -weight_clip, weight_clip)``. Every layer
receives a constant bias input appended after the outputs of the previous layer (the base layer
after its base predictions), so no feature is ever replaced by the bias.

:class:`GLNClassifier` is binary, or one GLN per class (one-vs-all) for more classes.
:class:`GLNRegressor` is the Gaussian GLN (Budden et al., 2020): neurons take a weighted product
of Gaussians and learn from the negative log-likelihood of the target.

The sequential update loops are compiled with numba (:mod:`hdc.baselines._gln_kernels`); the
gating indices of a batch come from one matrix product ``z @ hyperplanes``; prediction is O(n)
and parallel over samples.

References
----------
J. Veness, T. Lattimore, D. Budden, A. Bhoopchand, C. Mattern, A. Grabska-Barwinska, E. Sezener,
J. Wang, P. Toth, S. Schmitt, M. Hutter. "Gated Linear Networks". AAAI 2021 (arXiv:1910.01526).

D. Budden, A. Marblestone, E. Sezener, T. Lattimore, G. Wayne, J. Veness. "Gaussian Gated Linear
Networks". NeurIPS 2020 (arXiv:2006.05964).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.extmath import randomized_svd
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from hdc._parameters import Boolean, Integer, Options, Real, check_params, check_value
from hdc._validation import (  # errors naming X / y
    check_classification_targets,
    check_random_state,
    readonly,
    validate_data,
)
from hdc.baselines import _gln_kernels

__all__ = ["GLNClassifier", "GLNRegressor", "auto_context_dim"]

_CHUNK = 2048
_CLIP = 5.0  # standardised inputs of GLNClassifier(scale=True) are clipped to +-5
#: GLNClassifier(epochs="auto"): passes until about this many samples are visited, at most ...
_AUTO_VISITS = 20_000
#: ... this many passes
_AUTO_MAX_EPOCHS = 20
#: learning_rate_scale="auto" is max(_AUTO_SCALE_MIN, n_samples / _AUTO_SAMPLES_PER_SCALE) in
#: fit; partial_fit, which does not know how many samples will come, takes _STREAM_SCALE
_AUTO_SCALE_MIN = 10.0
_AUTO_SAMPLES_PER_SCALE = 300.0
_STREAM_SCALE = 100.0
#: context_dim="auto": the largest context_dim <= _AUTO_MAX_CONTEXT_DIM (at least 1) that leaves
#: every context of a neuron about _SAMPLES_PER_CONTEXT training samples
_AUTO_MAX_CONTEXT_DIM = 4
_SAMPLES_PER_CONTEXT = 40


def _kernel_rows(X: np.ndarray) -> np.ndarray:
    """``X`` C-contiguous (copied only when it is not, e.g. an F-ordered chunk) and read-only:
    the kernels then see one type (one compiled signature), whatever ``X`` was."""
    return readonly(np.ascontiguousarray(X))


def auto_context_dim(n_samples: int) -> int:
    """``context_dim="auto"``: ``floor(log2(n_samples / 40))`` clipped to ``[1, 4]``.

    Examples
    --------
    >>> [auto_context_dim(n) for n in (85, 120, 455, 1347, 60000)]
    [1, 1, 3, 4, 4]
    """
    ratio = max(n_samples, 1) / _SAMPLES_PER_CONTEXT
    return int(min(_AUTO_MAX_CONTEXT_DIM, max(1, np.floor(np.log2(ratio)) if ratio >= 1 else 1)))
_PARALLEL_MIN = 256  # fewer rows than this run on one thread (waking a pool costs more)
_PCA_SAMPLES = 2000  # rows of the first batch used to find the whitened principal directions


def _check_layer_sizes(layer_sizes: Any) -> tuple[int, ...]:
    if isinstance(layer_sizes, numbers.Integral) and not isinstance(layer_sizes, bool):
        layer_sizes = (layer_sizes,)
    if not isinstance(layer_sizes, Sequence) or isinstance(layer_sizes, str):
        raise TypeError(
            f"layer_sizes must be a sequence of positive integers (hidden layers), "
            f"got {layer_sizes!r}"
        )
    return tuple(int(check_value(s, "layer_sizes[]", Integer(1))) for s in layer_sizes)


@contextmanager
def _threads_for(n_rows: int) -> Iterator[None]:
    """Run the compiled kernels on one thread for small batches (e.g. online, one sample)."""
    if n_rows >= _PARALLEL_MIN:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def learning_rates(
    schedule: str, learning_rate: float, scale: float, t0: int, n: int
) -> np.ndarray:
    """Learning rates of samples ``t0 + 1 .. t0 + n`` (1-based count of samples seen).

    ``"constant"``: ``learning_rate``; ``"inverse"``: ``min(scale / t, learning_rate)``.
    """
    if schedule == "constant":
        return np.full(n, learning_rate, dtype=np.float64)
    t = np.arange(t0 + 1, t0 + n + 1, dtype=np.float64)
    return np.minimum(scale / t, learning_rate)


#: rules of the parameters both GLN estimators have (layer_sizes is checked on its own)
_COMMON_RULES = {
    "context_dim": Integer(0, 16),
    "context_offset": Real(0, type_error=False),
    "whiten": (Options(None), Integer(1)),
    "learning_rate": Real(0, low_open=True),
    "learning_rate_schedule": Options("constant", "inverse"),
    "learning_rate_scale": Real(0, low_open=True),
    "weight_clip": Real(0, low_open=True),
    "epochs": Integer(1),
}


class _GLNBase(BaseEstimator):
    """Machinery shared by the GLN estimators: side information, halfspace gating, schedule."""

    _parameter_rules = _COMMON_RULES

    def _check_params(self) -> None:
        self._layer_sizes = _check_layer_sizes(self.layer_sizes) + (1,)
        check_params(self, self._parameter_rules)
        if not isinstance(self.context_dim, str):
            self._context_dim = int(self.context_dim)

    def _init_context(self, X: np.ndarray, n_nets: int, rng: np.random.Generator) -> None:
        """Fix the side-information scaling and draw the hyperplanes of every neuron."""
        n_features = X.shape[1]
        self.mean_ = X.mean(axis=0)
        # mean feature variance E|x|^2 - |E x|^2, without an (n, d) temporary
        flat = np.ascontiguousarray(X).ravel()
        var = (float(np.dot(flat, flat)) / X.shape[0] - float(self.mean_ @ self.mean_)) / n_features
        self.side_scale_ = float(np.sqrt(var)) if var > 1e-24 else 1.0
        n_neurons = sum(self._layer_sizes)
        self.n_context_sets_ = 1 if getattr(self, "shared_contexts", True) else n_nets
        n_planes = self.n_context_sets_ * n_neurons * self._context_dim
        self.hyperplanes_ = self._draw_hyperplanes(X, n_planes, rng)
        self.context_offsets_ = (rng.standard_normal(n_planes) * float(self.context_offset)).astype(
            np.float32
        )
        self.n_nets_ = n_nets
        self.n_neurons_ = n_neurons
        self.n_updates_ = 0

    def _draw_hyperplanes(self, X: np.ndarray, n_planes: int, rng: np.random.Generator):
        """Unit normals, isotropic in the side information or in its whitened principal space.

        With ``whiten=k``, the top ``k`` principal directions ``u_i`` (variances ``l_i``) of the
        side information of (a subsample of) the first batch give normals
        ``v = sum_i h_i u_i / sqrt(l_i)`` with ``h`` uniform on the unit sphere, so that
        ``v . z = h . (whitened coordinates of z)``: the hyperplanes cut all of the top
        principal directions evenly instead of mostly the first few, at the same gating cost.
        """
        n_features = X.shape[1]
        if self.whiten is not None:
            sub = X if X.shape[0] <= _PCA_SAMPLES else X[
                np.sort(rng.choice(X.shape[0], size=_PCA_SAMPLES, replace=False))]
            centred = (sub - self.mean_) / self.side_scale_
            n_comp = min(int(self.whiten), *centred.shape)
            # randomized SVD of the top components: a few small matrix products, on one BLAS
            # thread (threads of small LAPACK calls stall each other on busy cores)
            with threadpool_limits(limits=1):
                _, singular, vt = randomized_svd(
                    centred, n_comp, n_iter=4, random_state=int(rng.integers(2**31 - 1))
                )
            keep = np.empty(0, dtype=np.int64)
            if singular.size and singular[0] > 0:
                keep = np.flatnonzero(singular > 1e-6 * singular[0])[: int(self.whiten)]
            if keep.size:
                std = singular[keep] / np.sqrt(max(1, sub.shape[0] - 1))
                basis = vt[keep].T / std  # (n_features, k)
                h = rng.standard_normal((keep.size, n_planes))
                h /= np.linalg.norm(h, axis=0)
                self.n_whitened_ = int(keep.size)
                return (basis @ h).astype(np.float32)
        self.n_whitened_ = 0
        planes = rng.standard_normal((n_features, n_planes))
        norms = np.linalg.norm(planes, axis=0)
        norms[norms == 0] = 1.0
        return (planes / norms).astype(np.float32)

    def _side_information(self, X: np.ndarray) -> np.ndarray:
        """``z = (X - mean_) / side_scale_`` in float32 (one common scale for all features)."""
        out = np.empty(X.shape, dtype=np.float32)
        _gln_kernels.centred_scaled(X, self.mean_, 1.0 / self.side_scale_, out)
        return out

    def _contexts(self, z: np.ndarray) -> np.ndarray:
        """Active context of every neuron, (n, n_nets, n_neurons) int64: one matmul per batch."""
        n = z.shape[0]
        out = np.zeros((n, self.n_context_sets_ * self.n_neurons_), dtype=np.int64)
        if self._context_dim:
            projections = np.ascontiguousarray(z @ self.hyperplanes_)
            _gln_kernels.context_indices(readonly(projections), readonly(self.context_offsets_),
                                         self._context_dim, out)
        return out.reshape(n, self.n_context_sets_, self.n_neurons_)

    def _layout(self, base_width: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Layer sizes, layer widths (bias included) and the number of weights of one net."""
        sizes = np.array(self._layer_sizes, dtype=np.int64)
        widths = np.array([base_width] + [s + 1 for s in self._layer_sizes[:-1]], dtype=np.int64)
        n_contexts = 1 << self._context_dim
        return sizes, widths, int(np.sum(sizes * widths)) * n_contexts

    def _initial_weights(self, dtype: type, widths: np.ndarray, total: int) -> np.ndarray:
        """Every weight row starts at ``1 / width`` (the geometric average of its inputs)."""
        weights = np.empty((self.n_nets_, total), dtype=dtype)
        offset = 0
        n_contexts = 1 << self._context_dim
        for size, k in zip(self._layer_sizes, widths, strict=True):
            block = size * n_contexts * int(k)
            weights[:, offset:offset + block] = 1.0 / k
            offset += block
        return weights

    def _writable_weights(self) -> np.ndarray:
        """``weights_``, copied first if it is read-only (e.g. memory-mapped from a pickle)."""
        if not self.weights_.flags.writeable:
            self.weights_ = self.weights_.copy()
        return self.weights_

    def _learning_rates(self, n: int) -> np.ndarray:
        rates = learning_rates(
            self.learning_rate_schedule, float(self.learning_rate),
            float(self.learning_rate_scale_), self.n_updates_, n,
        )
        self.n_updates_ += n
        return rates


_BIAS = 1.0  # the constant input (a logit) appended to every layer of a Bernoulli GLN

_COMMON_PARAMS_DOC = """
    context_offset : float, default=0.3
        Standard deviation of the hyperplanes' random offsets, in units of the side
        information's scale; 0 puts every hyperplane through the mean of the first batch.
    whiten : int or None, default=None
        Draw the hyperplane normals isotropically in the space of the top ``whiten`` principal
        components of the side information, whitened (estimated on up to 2,000 rows of the
        first batch), rather than isotropically in the input space. On images, where a few
        components carry most of the variance, this spreads the cuts over more directions
        (its effect on Fashion-MNIST: docs/baselines.md); the gating is still one matrix
        product with the same cost.
    learning_rate : float, default=0.01
        The learning rate of the ``"constant"`` schedule, the cap of the ``"inverse"`` one.
    learning_rate_schedule : {"inverse", "constant"}, default="inverse"
        ``"inverse"``: ``lr_t = min(learning_rate_scale / t, learning_rate)`` for the ``t``-th
        sample seen (the schedule of Veness et al.); ``"constant"``: ``lr_t = learning_rate``."""


class GLNClassifier(ClassifierMixin, _GLNBase):
    """Gated Linear Network classifier: online, backprop-free, one GLN per class.

    Each class has its own binary GLN (one-vs-all; a single GLN for two classes). The side
    information ``z`` is the input centred on the mean of the first batch and divided by one
    common scale (the root mean feature variance): scaling each feature separately would let
    near-constant features (e.g. border pixels) dominate the hyperplanes.

    Parameters
    ----------
    layer_sizes : sequence of int, default=(16, 16)
        Number of gated neurons of each hidden layer; a final layer of one neuron is added. Every
        layer also receives a constant bias input, appended after its inputs.
    context_dim : int or "auto", default="auto"
        Number of random hyperplanes of each neuron's halfspace context function; each neuron
        has ``2**context_dim`` weight vectors. 0 gives an ungated (single-row) network.
        ``"auto"``: ``floor(log2(n_samples / 40))`` clipped to [1, 4] (:func:`auto_context_dim`:
        4, Veness et al.'s choice, from 640 training samples up; fewer contexts below, so that
        every context's weights still see about 40 samples per pass: on a hundred rows of
        one-hot columns 16 contexts leave each a handful of rows, docs/tabular.md);
        :meth:`partial_fit` takes 4.{common}
    learning_rate_scale : float or "auto", default="auto"
        The numerator ``c`` of the inverse schedule. ``"auto"``: in :meth:`fit`, ``max(10,
        n_samples / 300)``: small training sets, visited over many passes, want a slow decay
        (``c`` = 10), larger ones a decay that keeps pace with the number of samples (the
        one-pass rule of docs/baselines.md: 4 for 1,347 digits would be ``n / 300``, 200 for
        60,000 images); on the tabular development suite ``c = 10`` is the best constant and
        ``n / 300`` takes over above 3,000 rows (docs/tabular.md). :meth:`partial_fit`, which
        does not know how many samples will come, takes 100 (Veness et al.'s constant).
    eps : float, default=0.001
        Probabilities are clipped to ``[eps, 1 - eps]`` (logits to ``+-logit(1 - eps)``) at
        every layer, base predictions included.
    weight_clip : float, default=5.0
        Weights are clipped to ``[-weight_clip, weight_clip]`` after each update.
    base : {"minmax", "sigmoid"}, default="minmax"
        Base predictions fed to the first layer: each feature min-max scaled to [0, 1] with the
        range of the first batch (as pygln does per row), or ``sigmoid`` of the feature
        standardized on its own (mean and standard deviation of the first batch).
    shared_contexts : bool, default=True
        The one-vs-all networks share their context functions (neuron ``j`` of layer ``l`` has
        the same hyperplanes in every class's network; the weights stay separate), so the
        gating matrix product is ``n_classes`` times smaller. ``False`` draws hyperplanes
        per network, as pygln does.
    scale : bool, default=True
        Standardise every feature with the mean and standard deviation of the training data
        (of the first batch for :meth:`partial_fit`) and clip it to +-5 before anything else,
        so that a feature's units (a column of values in the thousands beside one of
        fractions) do not decide the hyperplanes and the base predictions, and an outlier
        cannot squash a feature's min-max base prediction. ``False``: the features as given.
    shuffle : bool, default=True
        :meth:`fit` visits the samples in a new random order in every pass (drawn from
        ``random_state``). An online learner given a training set sorted by class (iris,
        digits, many files) otherwise learns one class after another and forgets the first.
        ``False``: the order given. :meth:`partial_fit` always learns in the order given.
    epochs : int or "auto", default="auto"
        Online passes over the data in :meth:`fit`. ``"auto"``: ``min(20, ceil(20000 /
        n_samples))``, enough sample visits for a few hundred rows to converge (one pass for
        20,000 rows or more, as an online learner is meant to run on large data).
    random_state : int, numpy Generator or None, default=None
        Seeds the context hyperplanes, then the order of the samples in every pass.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    scale_mean_, scale_std_ : ndarray of shape (n_features,)
        The standardisation (``scale=True``): mean and standard deviation of every feature
        (1 where it is 0).
    epochs_ : int
        Passes made by the last :meth:`fit`.
    context_dim_ : int
        The ``context_dim`` used.
    learning_rate_scale_ : float
        The ``c`` of the inverse schedule used.
    n_nets_ : int
        Number of binary networks: 1 for two classes, else ``n_classes``.
    mean_ : ndarray of shape (n_features,)
        Centre of the side information (and of the ``"sigmoid"`` base predictions).
    side_scale_ : float
        Common scale of the side information.
    n_context_sets_ : int
        Number of sets of context functions: 1 if ``shared_contexts`` else ``n_nets_``.
    hyperplanes_ : ndarray of float32, shape (n_features, n_context_sets * n_neurons * m)
        Normals of the context hyperplanes (``m = context_dim``; unit norm unless
        ``whiten``), ``context_offsets_`` their offsets; column ``(s * n_neurons + q) * m + b``
        is bit ``b`` of neuron ``q`` (counted over all layers) in set ``s``.
    weights_ : ndarray of float32, shape (n_nets, n_weights)
        The weights of every network, flattened layer by layer (see
        :mod:`hdc.baselines._gln_kernels` for the layout).
    n_updates_ : int
        Number of samples learnt so far (the ``t`` of the learning-rate schedule).

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``predict``, ``predict_proba`` and
    ``decision_function`` only read it and may be called from any number of threads at once.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from hdc.baselines import GLNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = GLNClassifier(random_state=0).fit(X[:1500], y[:1500])
    >>> clf.score(X[1500:], y[1500:]) > 0.9
    True
    """

    def __init__(
        self,
        layer_sizes: Sequence[int] = (16, 16),
        *,
        context_dim: int | str = "auto",
        context_offset: float = 0.3,
        whiten: int | None = None,
        learning_rate: float = 0.01,
        learning_rate_schedule: str = "inverse",
        learning_rate_scale: float | str = "auto",
        eps: float = 0.001,
        weight_clip: float = 5.0,
        base: str = "minmax",
        shared_contexts: bool = True,
        scale: bool = True,
        shuffle: bool = True,
        epochs: int | str = "auto",
        random_state: Any = None,
    ) -> None:
        self.shared_contexts = shared_contexts
        self.scale = scale
        self.shuffle = shuffle
        self.layer_sizes = layer_sizes
        self.context_dim = context_dim
        self.context_offset = context_offset
        self.whiten = whiten
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.learning_rate_scale = learning_rate_scale
        self.eps = eps
        self.weight_clip = weight_clip
        self.base = base
        self.epochs = epochs
        self.random_state = random_state

    _parameter_rules = {
        **_COMMON_RULES,
        "context_dim": (Options("auto"), Integer(0, 16)),
        "learning_rate_scale": (Options("auto"), Real(0, low_open=True)),
        "epochs": (Options("auto"), Integer(1)),
        "eps": Real(0, 0.5, low_open=True, high_open=True),
        "shared_contexts": Boolean(),
        "base": Options("minmax", "sigmoid"),
        "scale": Boolean(),
        "shuffle": Boolean(),
    }

    @property
    def _logit_clip(self) -> float:
        eps = float(self.eps)
        return float(np.log((1.0 - eps) / eps))

    def _init_network(self, X: np.ndarray, classes: np.ndarray, rng: np.random.Generator,
                      scale: float, context_dim: int) -> np.ndarray:
        """Fix the standardisation, the schedule's ``c``, the contexts and the network; return
        the inputs ``X`` as the network sees them."""
        self.classes_ = classes
        self.learning_rate_scale_ = scale
        self._context_dim = self.context_dim_ = context_dim
        if self.scale:
            self.scale_mean_ = X.mean(axis=0)
            std = X.std(axis=0)
            self.scale_std_ = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.scale_mean_)),
                                       std, 1.0)
        X = self._inputs(X)
        self._init_context(X, 1 if len(classes) == 2 else len(classes), rng)
        if self.base == "minmax":
            self.min_ = X.min(axis=0)
            span = X.max(axis=0) - self.min_
            span[~(span > 1e-12)] = 1.0
            self.inv_span_ = 1.0 / span
        else:
            std = X.std(axis=0)
            std[~(std > 1e-12)] = 1.0
            self.inv_std_ = 1.0 / std
        _, self.widths_, total = self._layout(X.shape[1] + 1)
        self.weights_ = self._initial_weights(np.float32, self.widths_, total)
        return X

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """The features standardised and clipped (``scale``), or as given."""
        if not self.scale:
            return X
        return np.clip((X - self.scale_mean_) / self.scale_std_, -_CLIP, _CLIP)

    def _epochs(self, n_samples: int) -> int:
        if isinstance(self.epochs, str):
            return int(min(_AUTO_MAX_EPOCHS, max(1, -(-_AUTO_VISITS // max(n_samples, 1)))))
        return int(self.epochs)

    def _base_logits(self, X: np.ndarray) -> np.ndarray:
        """Logits of the base predictions, float32 (n, n_features + 1), bias column last."""
        out = np.empty((X.shape[0], X.shape[1] + 1), dtype=np.float32)
        if self.base == "minmax":
            X, low, inv_span = _kernel_rows(X), readonly(self.min_), readonly(self.inv_span_)
            _gln_kernels.minmax_logits(X, low, inv_span, float(self.eps), _BIAS, out)
        else:
            z = (X - self.mean_) * self.inv_std_
            _gln_kernels.clipped_logits(z, self._logit_clip, _BIAS, out)
        return out

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.n_nets_ == 1:
            return (y == self.classes_[1]).astype(np.float64)[:, None]
        return (y[:, None] == self.classes_[None, :]).astype(np.float64)

    def _run(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        """Logits (n, n_nets) of X; learn from y sample by sample, in order, when given.

        With ``y``, the logits are the online predictions, made before each sample's update.
        """
        n = X.shape[0]
        logits = np.empty((n, self.n_nets_), dtype=np.float64)
        sizes = np.array(self._layer_sizes, dtype=np.int64)
        n_contexts = 1 << self._context_dim
        clip = self._logit_clip
        for start in range(0, n, _CHUNK):
            stop = min(start + _CHUNK, n)
            with _threads_for(stop - start):
                self._run_chunk(X[start:stop], None if y is None else y[start:stop],
                                logits[start:stop], sizes, n_contexts, clip)
        return logits

    def _run_chunk(self, chunk, y, logits, sizes, n_contexts, clip) -> None:
        base = readonly(self._base_logits(chunk))
        contexts = readonly(self._contexts(self._side_information(chunk)))
        sizes, widths = readonly(sizes), readonly(self.widths_)
        # the per-sample routine is shared by both kernels: it needs writable weights
        weights = self._writable_weights()
        if y is None:
            _gln_kernels.bernoulli_predict(
                base, contexts, weights, sizes, widths, n_contexts, _BIAS, clip, logits
            )
        else:
            _gln_kernels.bernoulli_forward(
                base, contexts, readonly(self._targets(y)),
                readonly(self._learning_rates(len(y))), weights, sizes, widths, n_contexts,
                _BIAS, clip, float(self.weight_clip), logits,
            )

    def fit(self, X: Any, y: Any) -> GLNClassifier:
        """Learn ``epochs`` online passes over ``(X, y)``, from a fresh network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"y must hold at least 2 classes to fit a classifier, got 1 class ({classes[0]!r})"
            )
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        scale = self.learning_rate_scale
        if isinstance(scale, str):
            scale = max(_AUTO_SCALE_MIN, n / _AUTO_SAMPLES_PER_SCALE)
        context_dim = self.context_dim
        context_dim = auto_context_dim(n) if isinstance(context_dim, str) else int(context_dim)
        Z = self._init_network(X, classes, rng, float(scale), context_dim)
        self.epochs_ = self._epochs(n)
        for _ in range(self.epochs_):
            if self.shuffle:
                order = rng.permutation(n)
                self._run(Z[order], y[order])
            else:
                self._run(Z, y)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> GLNClassifier:
        """Learn from ``(X, y)`` online, one sample after another in the order given.

        The first call creates the network: it needs ``classes`` (every label that will ever be
        seen) and fixes the standardisation (``scale``), the side-information centre and scale,
        the base-prediction scaling and the hyperplanes from this first batch, which should be
        representative. Later calls continue the same online pass: the weights and the
        learning-rate schedule carry over, so feeding samples one call at a time or all in one
        call gives the same network, and the same as :meth:`fit` with ``shuffle=False,
        epochs=1`` and a numeric ``learning_rate_scale`` when the first batches agree on the
        standardisation (e.g. ``scale=False``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Required on the first call; afterwards it must match ``classes_`` if given.

        Returns
        -------
        self
        """
        first = not hasattr(self, "weights_")
        if first:
            self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes must be given on the first call to partial_fit, got None")
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least 2 labels, got {classes!r}")
            scale = self.learning_rate_scale
            scale = _STREAM_SCALE if isinstance(scale, str) else float(scale)
            context_dim = self.context_dim
            context_dim = _AUTO_MAX_CONTEXT_DIM if isinstance(context_dim, str) else int(
                context_dim)
            self._init_network(X, classes, check_random_state(self.random_state), scale,
                               context_dim)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first call {self.classes_!r}"
            )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds labels {unknown!r} that are not in classes {self.classes_!r}"
            )
        self._run(self._inputs(X), y)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Output logits: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        logits = self._run(self._inputs(X), None)
        return logits[:, 0] if self.n_nets_ == 1 else logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: the one-vs-all GLN outputs normalized to sum to 1."""
        logits = self.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-logits))
        if self.n_nets_ == 1:
            return np.column_stack([1.0 - p, p])
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """The class whose GLN gives the largest output."""
        logits = self.decision_function(X)
        if self.n_nets_ == 1:
            return self.classes_[(logits > 0).astype(np.int64)]
        return self.classes_[np.argmax(logits, axis=1)]


GLNClassifier.__doc__ = GLNClassifier.__doc__.replace("{common}", _COMMON_PARAMS_DOC)


def _numeric_targets(y: Any) -> Any:
    """``y`` as float64 when it holds numbers as text or objects; a ValueError naming ``y``
    for targets that are not numbers (e.g. class labels given to a regressor)."""
    if y is None:
        return y
    arr = np.asarray(y)
    if arr.dtype.kind in "biuf":
        # half precision and non-native byte order reach the compiled kernels as float64
        return arr.astype(np.float64) if arr.dtype.kind == "f" and (
            arr.dtype.itemsize < 4 or not arr.dtype.isnative) else y
    if arr.dtype.kind == "c":
        raise ValueError(f"y: Complex data not supported (regression targets are real), got "
                         f"dtype {arr.dtype}")
    if arr.dtype.kind in "mM":
        raise ValueError(f"y must hold real numeric regression targets, got dtype {arr.dtype}")
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"y must hold numeric regression targets, got dtype {arr.dtype} (e.g. "
            f"{arr.reshape(-1)[:3].tolist()}); for class labels use GLNClassifier"
        ) from None


class GLNRegressor(RegressorMixin, _GLNBase):
    """Gaussian Gated Linear Network regressor (Budden et al., 2020): online, backprop-free.

    Every neuron outputs a Gaussian: the weighted product of its input Gaussians (precision
    ``tau = sum_i w_i tau_i``, mean ``sum_i w_i tau_i mu_i / tau``) under the weight row chosen
    by its halfspace context, and learns from the negative log-likelihood of the target with
    weights kept in ``[weight_min, weight_clip]`` (positive, so the product stays a Gaussian).
    Targets are standardized with the first batch's mean and standard deviation. The base
    layer holds, for every feature ``j``, the Gaussians ``N(z_j, 1)`` and ``N(-z_j, 1)`` of the
    feature standardized on its own (clipped to +-5), so that both signs of correlation can be
    mixed, and the constants ``N(c, 1)`` for ``c`` in ``(-2, -1, 0, 1, 2)``; deeper layers get
    the bias ``N(0, 1)`` appended. The prediction is the mean of the last neuron.

    Parameters
    ----------
    layer_sizes : sequence of int, default=(16, 16)
        Number of gated neurons of each hidden layer; a final layer of one neuron is added. Every
        layer also receives a constant bias input, appended after its inputs.
    context_dim : int, default=4
        Number of random hyperplanes of each neuron's halfspace context function; each neuron
        has ``2**context_dim`` weight vectors. 0 gives an ungated (single-row) network.{common}
    learning_rate_scale : float, default=100.0
        The numerator ``c`` of the inverse schedule. 100 suits tens of thousands of samples;
        for a few thousand, a smaller ``c`` adapts faster.
    weight_clip : float, default=5.0
        Upper bound of the weights.
    weight_min : float, default=0.001
        Lower bound of the weights (> 0).
    var_min, var_max : float, default=1e-3, 1e3
        Bounds of every neuron's variance, in units of the standardized target.
    epochs : int, default=1
        Online passes over the data in :meth:`fit`, in the order given.
    random_state : int, numpy Generator or None, default=None
        Seeds the context hyperplanes.

    Attributes
    ----------
    n_features_in_ : int
    mean_, side_scale_, hyperplanes_, context_offsets_, n_updates_ :
        As in :class:`GLNClassifier`.
    y_mean_, y_scale_ : float
        Standardization of the target, fixed by the first batch.
    weights_ : ndarray of float64, shape (1, n_weights)

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``predict`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from hdc.baselines import GLNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(3000, 2))
    >>> y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    >>> reg = GLNRegressor(learning_rate_scale=10, random_state=0).fit(X[:2500], y[:2500])
    >>> reg.score(X[2500:], y[2500:]) > 0.8
    True
    """

    _GRID = (-2.0, -1.0, 0.0, 1.0, 2.0)

    def __init__(
        self,
        layer_sizes: Sequence[int] = (16, 16),
        *,
        context_dim: int = 4,
        context_offset: float = 0.3,
        whiten: int | None = None,
        learning_rate: float = 0.01,
        learning_rate_schedule: str = "inverse",
        learning_rate_scale: float = 100.0,
        weight_clip: float = 5.0,
        weight_min: float = 0.001,
        var_min: float = 1e-3,
        var_max: float = 1e3,
        epochs: int = 1,
        random_state: Any = None,
    ) -> None:
        self.layer_sizes = layer_sizes
        self.context_dim = context_dim
        self.context_offset = context_offset
        self.whiten = whiten
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.learning_rate_scale = learning_rate_scale
        self.weight_clip = weight_clip
        self.weight_min = weight_min
        self.var_min = var_min
        self.var_max = var_max
        self.epochs = epochs
        self.random_state = random_state

    _parameter_rules = {
        **_COMMON_RULES,
        "weight_min": Real(0, low_open=True),
        "var_min": Real(0, low_open=True),
        "var_max": Real(0, low_open=True),
    }

    def _check_params(self) -> None:
        super()._check_params()
        if not self.weight_min < self.weight_clip:
            raise ValueError(
                f"weight_min must be smaller than weight_clip, got {self.weight_min!r} and "
                f"{self.weight_clip!r}"
            )
        if not self.var_min < self.var_max:
            raise ValueError(
                f"var_min must be smaller than var_max, got {self.var_min!r} and {self.var_max!r}"
            )

    def _init_network(self, X: np.ndarray, y: np.ndarray) -> None:
        rng = check_random_state(self.random_state)
        self.learning_rate_scale_ = float(self.learning_rate_scale)
        self._init_context(X, 1, rng)
        std = X.std(axis=0)
        std[~(std > 1e-12)] = 1.0
        self.inv_std_ = 1.0 / std
        self.y_mean_ = float(y.mean())
        y_std = float(y.std())
        self.y_scale_ = y_std if y_std > 1e-12 else 1.0
        _, self.widths_, total = self._layout(2 * X.shape[1] + len(self._GRID))
        self.weights_ = self._initial_weights(np.float64, self.widths_, total)

    def _base(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.clip((X - self.mean_) * self.inv_std_, -5.0, 5.0)
        grid = np.broadcast_to(np.array(self._GRID), (X.shape[0], len(self._GRID)))
        means = np.ascontiguousarray(np.hstack([z, -z, grid]))
        return means, np.ones_like(means)

    def _run(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        """Standardized predicted means; learn from ``y`` sample by sample when given."""
        n = X.shape[0]
        mean = np.empty(n)
        var = np.empty(n)
        sizes = np.array(self._layer_sizes, dtype=np.int64)
        n_contexts = 1 << self._context_dim
        for start in range(0, n, _CHUNK):
            stop = min(start + _CHUNK, n)
            chunk = X[start:stop]
            base_mean, base_prec = self._base(chunk)
            contexts = self._contexts(self._side_information(chunk))
            train = y is not None
            if train:
                targets = (y[start:stop] - self.y_mean_) / self.y_scale_
                rates = self._learning_rates(stop - start)
            else:
                targets = np.zeros(stop - start)
                rates = targets
            # one kernel for both uses, so prediction needs writable weights too
            _gln_kernels.gaussian_forward(
                readonly(base_mean), readonly(base_prec), readonly(contexts), readonly(targets),
                readonly(rates), self._writable_weights(), readonly(sizes), readonly(self.widths_),
                n_contexts, 0.0, 1.0, float(self.weight_min),
                float(self.weight_clip), float(self.var_min), float(self.var_max), train,
                mean[start:stop], var[start:stop],
            )
        return mean

    def fit(self, X: Any, y: Any) -> GLNRegressor:
        """Learn ``epochs`` online passes over ``(X, y)`` in order, from a fresh network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(self, X, _numeric_targets(y), dtype=np.float64, y_numeric=True)
        self._init_network(X, y)
        for _ in range(self.epochs):
            self._run(X, y)
        return self

    def partial_fit(self, X: Any, y: Any) -> GLNRegressor:
        """Learn from ``(X, y)`` online, one sample after another in the order given.

        The first call fixes the feature and target standardization and the hyperplanes from
        its batch; later calls continue the same online pass.

        Returns
        -------
        self
        """
        first = not hasattr(self, "weights_")
        if first:
            self._check_params()
        X, y = validate_data(self, X, _numeric_targets(y), dtype=np.float64, y_numeric=True,
                             reset=first)
        if first:
            self._init_network(X, y)
        self._run(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Mean of the last neuron's Gaussian, in the units of the target."""
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._run(X, None) * self.y_scale_ + self.y_mean_


GLNRegressor.__doc__ = GLNRegressor.__doc__.replace("{common}", _COMMON_PARAMS_DOC)
