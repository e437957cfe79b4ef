"""The learners', the GLN's and the resonator's kernels run in chunks on :mod:`hdc._parallel`:
the same bits however the work is split.

Tiny chunks on two workers (many chunks, most of them one row or one network) are compared
bit for bit with one serial call, and the row kernels with a naive numpy reference.
"""

import numba
import numpy as np
import pytest

import hdc
from hdc import _learn_kernels, _parallel
from hdc.baselines import GLNClassifier, _gln_kernels


@pytest.fixture
def split(monkeypatch):
    """``split(fn)``: ``fn()`` once serially and once in one-row chunks on two workers."""
    monkeypatch.setattr(_parallel, "ADAPT_TO_LOAD", False)  # two workers even when busy

    def run(fn):
        threads = numba.get_num_threads()
        try:
            numba.set_num_threads(1)
            serial = fn()
            numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(_parallel, "CHUNK_WORDS", 1)
            chunked = fn()
        finally:
            monkeypatch.setattr(_parallel, "CHUNK_WORDS", 1 << 19)
            numba.set_num_threads(threads)
        return serial, chunked

    return run


def _assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


def _bipolar(H):
    bits = np.unpackbits(H.view(np.uint8), axis=1, bitorder="little")
    return bits.astype(np.float64) * 2.0 - 1.0


def test_row_kernels_match_numpy(split):
    rng = np.random.default_rng(0)
    H = hdc.random(37, 256, random_state=1)
    P = rng.integers(-20, 21, size=(5, 256)).astype(np.float64)
    P[3] = 0.0
    norms = np.sqrt((P * P).sum(axis=1))
    B = hdc.random(5, 256, random_state=2)

    def kernels():
        cos_int = np.empty((37, 5))
        _learn_kernels.cosine_integer(H, P, norms, cos_int)
        cos_bin = np.empty((37, 5))
        _learn_kernels.cosine_binary(H, B, cos_bin)
        signs = np.empty((5, 4), dtype=np.uint64)
        _learn_kernels.sign_rows(P, B[0, :4].copy(), signs)
        planes = np.full((5, 9, 4), 7, dtype=np.uint64)
        _learn_kernels.to_planes(P, 6, planes)
        dots = np.empty((37, 5))
        _learn_kernels.bipolar_dots_planes(H, planes, 6, P.astype(np.int64).sum(axis=1), dots)
        return cos_int, cos_bin, signs, planes, dots

    serial, chunked = split(kernels)
    _assert_same(serial, chunked)
    cos_int, cos_bin, signs, planes, dots = serial
    Q = _bipolar(H)
    scale = np.where(norms > 0, norms, 1.0) * np.sqrt(256.0)
    np.testing.assert_allclose(cos_int, np.where(norms > 0, Q @ P.T / scale, 0.0), atol=1e-12)
    np.testing.assert_allclose(cos_bin, Q @ _bipolar(B).T / 256.0, atol=1e-12)
    assert (dots == Q @ P.T).all()
    assert not planes[:, 6:].any()  # the planes after the K in use are zero
    tie = _bipolar(B[:1, :4].copy())[0] > 0
    expected = np.where(P > 0, True, np.where(P == 0, tie, False))
    assert (_bipolar(signs) > 0).tolist() == expected.tolist()


@pytest.mark.parametrize("prototypes", ["integer", "binary"])
def test_hdclassifier_same_bits_in_chunks(split, prototypes):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 6))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)

    def fit():
        clf = hdc.HDClassifier(dim=512, prototypes=prototypes, random_state=0).fit(X, y)
        return clf.counters_, clf.decision_function(X)

    _assert_same(*split(fit))


def test_gln_same_bits_in_chunks(split):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 5))  # >= 256 rows: the GLN's kernels run in parallel
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)

    def fit():
        gln = GLNClassifier(random_state=0).fit(X, y)
        side = np.empty((300, 5), dtype=np.float32)
        _gln_kernels.centred_scaled(X, gln.mean_, 0.5, side)
        logits = np.empty((300, 6), dtype=np.float32)
        _gln_kernels.clipped_logits(X, 0.3, 1.5, logits)
        return gln.weights_, gln.predict_proba(X), side, logits

    _assert_same(*split(fit))


def test_resonator_same_bits_in_chunks(split):
    books = [hdc.item_memory(12, 1024, random_state=s) for s in range(3)]
    rng = np.random.default_rng(5)
    picks = rng.integers(0, 12, size=(9, 3))
    products = hdc.bind(hdc.bind(books[0][picks[:, 0]], books[1][picks[:, 1]]),
                        books[2][picks[:, 2]])

    def factorize():
        result = hdc.Resonator(books, max_iter=20, random_state=0).factorize(products)
        return result.indices, result.iterations, result.converged, result.restarts

    _assert_same(*split(factorize))
