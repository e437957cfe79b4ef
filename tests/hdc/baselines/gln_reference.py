"""A small pure-numpy Gated Linear Network, the peer of :class:`hdc.baselines.GLNClassifier`.

It follows the algorithm of pygln's numpy backend (github.com/aiwabdn/pygln, the public numpy
GLN), written again here so that hdkit does not depend on it: one binary GLN per class, every
layer's neurons select a weight row with ``context_dim`` halfspaces over the side information,
compute ``clip(w . logits, +-logit(1 - eps))`` and take the log-loss step
``w <- clip(w - lr * (sigmoid(out) - y) * logits, +-weight_clip)`` on the active row. As in
pygln, a call processes one sample at a time, vectorized over classes and neurons with numpy.

Two departures from pygln, shared with hdkit's estimator: the layer bias is a constant input
appended after the inputs (pygln overwrites the first base prediction with it), and the
learning-rate schedule is a per-sample array. The preprocessing (side information, base
predictions) is left to the caller, so the tests can feed both implementations the same
numbers, and the benchmark can feed pygln's defaults (raw input as side information, hyperplanes
through the origin, row-wise min-max base predictions).

It serves twice: as the naive reference of the compiled kernels in
``tests/hdc/baselines/test_gln.py`` and as the timed peer in ``benchmarks/bench_baselines.py``,
which loads it from here.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class NumpyGLN:
    """Plain-numpy GLN (pygln's algorithm), one-vs-all over ``n_nets`` binary networks.

    Parameters
    ----------
    layer_sizes : sequence of int
        Neurons of each layer, the final one-neuron layer included (e.g. ``(16, 16, 1)``).
    n_inputs : int
        Number of base predictions (without the bias).
    n_side : int
        Dimension of the side information.
    n_nets : int
        Number of binary networks (1 for a binary problem, the number of classes otherwise).
    context_dim, eps, weight_clip, bias : as in :class:`hdc.baselines.GLNClassifier`.
    context_offsets : bool
        Random offsets N(0, 1) for the hyperplanes (pygln's ``context_bias``), else through 0.
    rng : numpy Generator
    """

    def __init__(self, layer_sizes, n_inputs, n_side, n_nets, context_dim=4, eps=0.01,
                 weight_clip=5.0, bias=1.0, context_offsets=True, rng=None):
        rng = np.random.default_rng(rng)
        self.layer_sizes = tuple(layer_sizes)
        self.n_nets = n_nets
        self.context_dim = context_dim
        self.logit_clip = np.log((1 - eps) / eps)
        self.weight_clip = weight_clip
        self.bias = bias
        self.powers = 2 ** np.arange(context_dim)
        self.weights, self.planes, self.offsets = [], [], []
        width = n_inputs + 1
        for size in self.layer_sizes:
            self.weights.append(np.full((n_nets, size, 2**context_dim, width), 1.0 / width))
            planes = rng.standard_normal((n_nets, size, context_dim, n_side))
            planes /= np.linalg.norm(planes, axis=-1, keepdims=True)
            self.planes.append(planes)
            self.offsets.append(
                rng.standard_normal((n_nets, size, context_dim))
                if context_offsets else np.zeros((n_nets, size, context_dim))
            )
            width = size + 1

    def step(self, base_logits, side, target=None, lr=0.0):
        """One sample: base logits (n_inputs,), side (n_side,), target (n_nets,) of 0/1.

        Returns the output logit of every network (n_nets,), computed before the update.
        """
        x = np.broadcast_to(np.append(base_logits, self.bias), (self.n_nets, base_logits.size + 1))
        nets = np.arange(self.n_nets)[:, None]
        for weights, planes, offsets in zip(self.weights, self.planes, self.offsets, strict=True):
            size = weights.shape[1]
            bits = (planes @ side > offsets).astype(np.int64)         # (C, s, m)
            ctx = bits @ self.powers                                    # (C, s)
            rows = weights[nets, np.arange(size)[None, :], ctx]         # (C, s, k)
            out = np.clip(np.einsum("csk,ck->cs", rows, x), -self.logit_clip, self.logit_clip)
            if target is not None:
                grad = lr * (_sigmoid(out) - target[:, None])           # (C, s)
                rows = np.clip(rows - grad[:, :, None] * x[:, None, :],
                               -self.weight_clip, self.weight_clip)
                weights[nets, np.arange(size)[None, :], ctx] = rows
            x = np.concatenate([out, np.full((self.n_nets, 1), self.bias)], axis=1)
        return x[:, 0]

    def fit_online(self, base_logits, side, targets, learning_rates):
        """Learn samples one after another; returns the logits predicted before each update."""
        out = np.empty((len(base_logits), self.n_nets))
        for t in range(len(base_logits)):
            out[t] = self.step(base_logits[t], side[t], targets[t], learning_rates[t])
        return out

    def predict_logits(self, base_logits, side):
        """Output logits (n, n_nets) without updates."""
        return np.array([self.step(b, s) for b, s in zip(base_logits, side, strict=True)])


def pygln_preprocess(X, eps):
    """pygln's defaults: raw input as side information, row-wise min-max base predictions."""
    X = np.asarray(X, dtype=np.float64)
    lo = X.min(axis=1, keepdims=True)
    span = X.max(axis=1, keepdims=True) - lo
    span[span == 0] = 1.0
    p = np.clip((X - lo) / span, eps, 1 - eps)
    return np.log(p) - np.log1p(-p), X
