"""MemoryError-sized requests say what they need before allocating anything."""

import numpy as np
import pytest

import encoders
import hdc
import hdc._validation as validation


@pytest.fixture
def one_gib(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda: 2**30)


def test_classifier_with_huge_dim_says_how_much_it_needs(one_gib):
    X = np.zeros((60_000, 3))
    y = np.arange(60_000) % 10
    with pytest.raises(MemoryError, match=r"HDClassifier \(dim=1000000000\) on 60000 samples.*"
                       r"needs about 10\.6 TiB.*1\.0 GiB is available; use a smaller dim"):
        hdc.HDClassifier(dim=10**9).fit(X, y)
    with pytest.raises(MemoryError, match="needs about"):
        hdc.HDClassifier(dim=10**9).partial_fit(X, y, classes=np.arange(10))


def test_classifier_on_packed_input_counts_its_counters(one_gib):
    H = np.zeros((4, 2**22), dtype=np.uint64)  # dim 2**28: 10 classes of float64 counters
    with pytest.raises(MemoryError, match=r"packed, dim 268435456.*class counters 4\.0 GiB"):
        hdc.HDClassifier().fit(H, np.arange(4) % 2 * 9)


def test_encoder_transform_and_fit_say_how_much_they_need(one_gib, monkeypatch):
    X = np.zeros((10, 4))
    with pytest.raises(MemoryError, match=r"ProjectionEncoder\(dim=1000000000\).*projection"):
        encoders.ProjectionEncoder(dim=10**9).fit(X)
    enc = encoders.ProjectionEncoder(dim=1024).fit(X)
    big = np.broadcast_to(np.zeros(4), (20_000_000, 4))
    with pytest.raises(MemoryError, match=r"transform of 20000000 samples.*packed output"):
        enc.transform(big)


def test_ordinary_requests_pass(one_gib):
    X = np.random.default_rng(0).random((50, 4))
    hdc.HDClassifier(dim=256, epochs=1).fit(X, np.arange(50) % 2)


def test_available_memory_is_a_positive_number():
    available = validation.available_memory()
    assert available is None or available > 0
