"""Compiled kernels of the Gated Linear Network baselines (:mod:`hdc.baselines.gln`).

Layout shared by every kernel (all arrays C-contiguous, already validated by the estimator;
input-only arrays read-only, outputs and weights writable: one compiled signature each):

- ``sizes`` (L,) int64: number of gated neurons of each layer, the last layer has one neuron.
- ``widths`` (L,) int64: number of inputs of each layer, bias included (``sizes[l-1] + 1``; the
  base layer's width is the number of base predictions + 1).
- ``weights`` (C, total) float64: the weights of the C independent networks (one per class in
  one-vs-all), flattened layer by layer; the weights of neuron ``j`` of layer ``l`` under context
  ``r`` start at ``offset_l + (j * n_contexts + r) * widths[l]``.
- ``contexts`` (n, C, N) or (n, 1, N) int64: the active context (row) of each of the N neurons
  of each network for each sample (one shared set when the networks share their context
  functions), computed from a batch of side information by one matrix product upstream.
- ``base`` (n, widths[0]) float64: the base-layer inputs, bias column included.

The base-layer bias is part of ``base``; the bias of deeper layers is ``bias`` and is appended
after the outputs of the previous layer, so it never replaces an input.

Bounds: kernels index only within bounds the estimator established from validated input
(contexts below ``n_contexts``, weight offsets from the layer sizes it allocated).

Parallelism: the kernels are serial (``nogil``). :func:`bernoulli_forward` (over networks) and
:func:`bernoulli_predict`, :func:`centred_scaled`, :func:`clipped_logits` (over rows) run in
chunks on the load-tolerant workers of :mod:`hdc._parallel`; networks and rows are
independent, so the results do not depend on the chunking. :func:`minmax_logits` stays a numba
``prange`` loop: its vectorised float32 logarithm is what the fitted models were checked
against, bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hdc._parallel import rows_per_chunk, run_chunks, run_rows
from hdc._validation import readonly


@njit(cache=True, nogil=True, fastmath=True)
def _dot(row, x):
    """``row . x[:len(row)]`` in float32 (indices from a range, so LLVM vectorizes it)."""
    total = np.float32(0.0)
    for i in range(row.shape[0]):
        total += row[i] * x[i]
    return np.float64(total)


@njit(cache=True, nogil=True, fastmath=True)
def _step_bernoulli(row, x, step, weight_clip):
    """``row <- clip(row - step * x, +-weight_clip)`` in place."""
    step = np.float32(step)
    clip = np.float32(weight_clip)
    for i in range(row.shape[0]):
        row[i] = min(max(row[i] - step * x[i], -clip), clip)


@njit(cache=True, nogil=True)
def _bernoulli_sample(w, x, ctx, sizes, widths, n_contexts, bias, logit_clip, train, y, lr,
                      weight_clip, buf_a, buf_b):
    """One sample through one Bernoulli GLN ``w``; returns the output logit.

    Each neuron computes ``clip(w_c . x, +-logit_clip)`` with its active weight row ``w_c``
    (context ``ctx[neuron]``) and, when ``train``, takes the log-loss gradient step
    ``w_c <- clip(w_c - lr * (sigmoid(out) - y) * x, +-weight_clip)`` on that row only. The
    layer's outputs, then the bias, are the next layer's inputs.
    """
    offset = 0
    neuron = 0
    logit = 0.0
    for layer in range(sizes.shape[0]):
        out_buf = buf_a if layer % 2 == 0 else buf_b
        k = widths[layer]
        size = sizes[layer]
        for j in range(size):
            start = offset + (j * n_contexts + ctx[neuron]) * k
            row = w[start:start + k]
            logit = min(max(_dot(row, x), -logit_clip), logit_clip)
            if train:
                step = lr * (1.0 / (1.0 + np.exp(-logit)) - y)
                _step_bernoulli(row, x, step, weight_clip)
            out_buf[j] = logit
            neuron += 1
        out_buf[size] = bias
        offset += size * n_contexts * k
        x = out_buf
    return logit


@njit(cache=True, nogil=True)
def _widest_hidden(widths):
    widest = 1
    for layer in range(1, widths.shape[0]):
        widest = max(widest, widths[layer])
    return widest


@njit(cache=True, nogil=True)
def _forward_networks(base, contexts, targets, learning_rates, weights, first, sizes, widths,
                      n_contexts, bias, logit_clip, weight_clip, train, out):
    """Networks ``first .. first + len(weights) - 1`` over the samples in order: ``out[t, j]``
    is the logit of network ``first + j`` (weights ``weights[j]``), updated online when
    ``train``."""
    widest = _widest_hidden(widths)
    buf_a = np.empty(widest, dtype=np.float32)
    buf_b = np.empty(widest, dtype=np.float32)
    for j in range(weights.shape[0]):
        c = first + j
        cc = c % np.int64(contexts.shape[1])
        for t in range(base.shape[0]):
            out[t, j] = _bernoulli_sample(
                weights[j], base[t], contexts[t, cc], sizes, widths, n_contexts, bias,
                logit_clip, train, targets[t, c], learning_rates[t], weight_clip, buf_a, buf_b,
            )


def bernoulli_forward(base: np.ndarray, contexts: np.ndarray, targets: np.ndarray,
                      learning_rates: np.ndarray, weights: np.ndarray, sizes: np.ndarray,
                      widths: np.ndarray, n_contexts: int, bias: float, logit_clip: float,
                      weight_clip: float, out: np.ndarray) -> None:
    """Run C Bernoulli GLNs over n samples in order, updating them online.

    ``out[t, c]`` receives the output logit of network ``c`` for sample ``t``, computed before
    that sample's update. Networks are independent, so chunks of networks run in parallel,
    each on private copies of its weights and logits (copied back once); the samples stay in
    order within each network.
    """
    n = base.shape[0]
    n_weights = int(np.sum(sizes * widths))  # weights one sample touches in one network

    def run(start: int, stop: int, w: np.ndarray, logits: np.ndarray) -> None:
        _forward_networks(base, contexts, targets, learning_rates, w, start, sizes, widths,
                          n_contexts, bias, logit_clip, weight_clip, True, logits)

    def compute(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        w = weights[start:stop].copy()
        logits = np.empty((n, stop - start))
        run(start, stop, w, logits)
        return w, logits

    def commit(start: int, stop: int, part: tuple[np.ndarray, np.ndarray]) -> None:
        weights[start:stop] = part[0]
        out[:, start:stop] = part[1]

    run_chunks(compute, commit, weights.shape[0], rows_per_chunk(n * n_weights),
               direct=lambda start, stop: run(start, stop, weights, out))


@njit(cache=True, nogil=True)
def _predict_rows(base, contexts, weights, sizes, widths, n_contexts, bias, logit_clip, train,
                  out):
    """Output logits ``out[t, c]`` of C Bernoulli GLNs, no update: blocks of samples, network
    by network inside a block, so the weights of one network stay in cache while the block's
    samples run through it. ``train`` is always False here; passed as a value (not the literal)
    so that ``_bernoulli_sample`` compiles once for both kernels."""
    n = base.shape[0]
    widest = _widest_hidden(widths)
    block = 128
    buf_a = np.empty(widest, dtype=np.float32)
    buf_b = np.empty(widest, dtype=np.float32)
    for first in range(0, n, block):
        for c in range(weights.shape[0]):
            cc = np.int64(c) % np.int64(contexts.shape[1])
            for t in range(first, min(n, first + block)):
                out[t, c] = _bernoulli_sample(
                    weights[c], base[t], contexts[t, cc], sizes, widths, n_contexts, bias,
                    logit_clip, train, 0.0, 0.0, 0.0, buf_a, buf_b,
                )


def bernoulli_predict(base: np.ndarray, contexts: np.ndarray, weights: np.ndarray,
                      sizes: np.ndarray, widths: np.ndarray, n_contexts: int, bias: float,
                      logit_clip: float, out: np.ndarray) -> None:
    """Output logits ``out[t, c]`` of C Bernoulli GLNs, no update; chunks of samples in
    parallel."""
    work = weights.shape[0] * int(np.sum(sizes * widths))
    run_rows(lambda s, e, dest: _predict_rows(base[s:e], contexts[s:e], weights, sizes, widths,
                                              n_contexts, bias, logit_clip, False, dest),
             out, rows_per_chunk(work))


@njit(cache=True, nogil=True)
def context_indices(projections, offsets, n_bits, out):
    """Halfspace gating: ``out[t, q] = sum_b [projections[t, q*m+b] > offsets[q*m+b]] << b``."""
    n, n_cols = projections.shape
    n_neurons = n_cols // n_bits
    for t in range(n):
        for q in range(n_neurons):
            index = 0
            base_col = q * n_bits
            for b in range(n_bits):
                if projections[t, base_col + b] > offsets[base_col + b]:
                    index |= 1 << b
            out[t, q] = index


@njit(cache=True, nogil=True, parallel=True, fastmath=True)
def minmax_logits(X, low, inv_span, eps, bias, out):
    """Base logits ``logit(clip((X - low) * inv_span, eps, 1 - eps))`` + a bias column."""
    n, d = X.shape
    lo = np.float32(eps)
    hi = np.float32(1.0 - eps)
    for t in prange(n):
        for i in range(d):
            p = min(max(np.float32((X[t, i] - low[i]) * inv_span[i]), lo), hi)
            out[t, i] = np.log(p / (np.float32(1.0) - p))
        out[t, d] = bias


@njit(cache=True, nogil=True, fastmath=True)
def _centred_scaled(X, mean, inv_scale, out):
    n, d = X.shape
    for t in range(n):
        for i in range(d):
            out[t, i] = (X[t, i] - mean[i]) * inv_scale


def centred_scaled(X: np.ndarray, mean: np.ndarray, inv_scale: float, out: np.ndarray) -> None:
    """Side information ``out = float32((X - mean) * inv_scale)`` in one pass over ``X``."""
    X, mean = readonly(np.ascontiguousarray(X)), readonly(mean)  # one compiled signature
    run_rows(lambda s, e, dest: _centred_scaled(X[s:e], mean, inv_scale, dest), out,
             rows_per_chunk(X.shape[1]))


@njit(cache=True, nogil=True, fastmath=True)
def _clipped_logits(z, clip, bias, out):
    n, d = z.shape
    for t in range(n):
        for i in range(d):
            v = z[t, i]
            if v > clip:
                v = clip
            elif v < -clip:
                v = -clip
            out[t, i] = v
        out[t, d] = bias


def clipped_logits(z: np.ndarray, clip: float, bias: float, out: np.ndarray) -> None:
    """Base logits of ``sigmoid(z)`` clipped to ``[eps, 1 - eps]``, i.e. ``clip(z, +-clip)``."""
    z = readonly(np.ascontiguousarray(z))  # one compiled signature
    run_rows(lambda s, e, dest: _clipped_logits(z[s:e], clip, bias, dest), out,
             rows_per_chunk(z.shape[1]))


@njit(inline="always")
def _gaussian_neuron(row, mu_in, tau_in, var_min, var_max):
    """Mean and clipped variance of the product of the input Gaussians raised to ``row``."""
    tau = 0.0
    weighted = 0.0
    for i in range(row.shape[0]):
        tau += row[i] * tau_in[i]
        weighted += row[i] * tau_in[i] * mu_in[i]
    mu = weighted / tau
    return mu, min(max(1.0 / tau, var_min), var_max)


@njit(inline="always")
def _step_gaussian(row, mu_in, tau_in, mu, var, y, lr, weight_min, weight_max):
    """One clipped gradient step of ``row`` on the negative log-likelihood of ``y``."""
    diff = y - mu
    spread = diff * diff - var
    for i in range(row.shape[0]):
        grad = tau_in[i] * (0.5 * spread - diff * (mu_in[i] - mu))
        row[i] = min(max(row[i] - lr * grad, weight_min), weight_max)


@njit(cache=True, nogil=True)
def gaussian_forward(base_mean, base_prec, contexts, targets, learning_rates, weights, sizes,
                     widths, n_contexts, bias_mean, bias_prec, weight_min, weight_max, var_min,
                     var_max, train, out_mean, out_var):
    """Run one Gaussian GLN over n samples in order; optionally update it online.

    A neuron with active weights ``w`` (all >= ``weight_min`` > 0) multiplies its input
    Gaussians ``N(mu_i, 1 / tau_i)`` raised to the powers ``w_i``: the result has precision
    ``tau = sum_i w_i tau_i`` and mean ``mu = sum_i w_i tau_i mu_i / tau`` (its variance is then
    clipped to ``[var_min, var_max]``). Training takes one gradient step on the negative
    log-likelihood of the target ``y``::

        d NLL / d w_i = tau_i * ((y - mu)^2 - 1 / tau) / 2 - tau_i * (y - mu) * (mu_i - mu)

    and clips the row to ``[weight_min, weight_max]``. ``out_mean[t]``, ``out_var[t]`` receive
    the prediction of the last neuron for sample ``t`` (made before its update).
    """
    n = base_mean.shape[0]
    n_layers = sizes.shape[0]
    widest = _widest_hidden(widths)
    mean_a = np.empty(widest)
    prec_a = np.empty(widest)
    mean_b = np.empty(widest)
    prec_b = np.empty(widest)
    w = weights[0]
    for t in range(n):
        mu_in = base_mean[t]
        tau_in = base_prec[t]
        y = targets[t]
        lr = learning_rates[t]
        offset = 0
        neuron = 0
        mu = 0.0
        var = 1.0
        for layer in range(n_layers):
            mu_out = mean_a if layer % 2 == 0 else mean_b
            tau_out = prec_a if layer % 2 == 0 else prec_b
            k = widths[layer]
            size = sizes[layer]
            for j in range(size):
                start = offset + (j * n_contexts + contexts[t, 0, neuron]) * k
                mu, var = _gaussian_neuron(w[start:start + k], mu_in, tau_in, var_min, var_max)
                if train:
                    _step_gaussian(w[start:start + k], mu_in, tau_in, mu, var, y, lr,
                                   weight_min, weight_max)
                mu_out[j] = mu
                tau_out[j] = 1.0 / var
                neuron += 1
            mu_out[size] = bias_mean
            tau_out[size] = bias_prec
            offset += size * n_contexts * k
            mu_in = mu_out
            tau_in = tau_out
        out_mean[t] = mu
        out_var[t] = var
