"""Encoders run in many small chunks on two workers give exactly the one-call result."""

import numba
import numpy as np
import pytest

import encoders
from hdc import _parallel


def _encode_both(make, fit_data, data, monkeypatch):
    whole = make().fit(fit_data).transform(data)
    monkeypatch.setattr(_parallel, "CHUNK_WORDS", 1)  # one row or text per chunk
    monkeypatch.setattr(_parallel, "ADAPT_TO_LOAD", False)  # two workers even on a busy machine
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        chunked = make().fit(fit_data).transform(data)
    finally:
        numba.set_num_threads(threads)
    return whole, chunked


@pytest.mark.parametrize("weighting", ["count", "idf"])
def test_ngram_encoder_chunked(monkeypatch, weighting):
    texts = ["the cat sat", "", "a", "on the mat", "xyzzy " * 7, "ab", "hello world"]

    def make():
        return encoders.NGramEncoder(256, ngram_range=(1, 3), weighting=weighting,
                                     random_state=0)

    whole, chunked = _encode_both(make, texts, texts, monkeypatch)
    assert np.array_equal(whole, chunked)


@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
def test_record_encoder_chunked(monkeypatch, quantization):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(13, 5))
    X[3, 2] = np.nan

    def make():
        return encoders.RecordEncoder(192, n_levels=8, quantization=quantization,
                                      random_state=0)

    whole, chunked = _encode_both(make, X, X, monkeypatch)
    assert np.array_equal(whole, chunked)


@pytest.mark.parametrize("kind", ["sign", "rff"])
def test_projection_encoder_chunked(monkeypatch, kind):
    X = np.random.default_rng(1).normal(size=(9, 4))

    def make():
        return encoders.ProjectionEncoder(128, kind=kind, random_state=0)

    whole, chunked = _encode_both(make, X, X, monkeypatch)
    assert np.array_equal(whole, chunked)


def test_convolution_encoder_chunked(monkeypatch):
    rng = np.random.default_rng(2)
    images = (rng.random((11, 9 * 10)) * 255).round()
    images[2] = 0.0

    def make():
        return encoders.ConvolutionEncoder(256, image_shape=(9, 10), random_state=0)

    whole, chunked = _encode_both(make, images, images, monkeypatch)
    assert np.array_equal(whole, chunked)
