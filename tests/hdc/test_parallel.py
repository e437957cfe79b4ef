"""The load-tolerant chunk scheduler and the kernels run through it, against the naive reference.

Tiny chunk sizes force many chunks (sizes that are not multiples of the chunk, one row, none),
so every chunked path of the core is compared bit for bit with the serial reference.
"""

import importlib
import threading
import time

import numba
import numpy as np
import pytest

import hdc
from hdc import _parallel

from ._reference import counts as ref_counts
from ._reference import hamming as ref_hamming
from ._reference import majority as ref_majority
from ._reference import rotate
from ._reference import top_k as ref_top_k


@pytest.mark.parametrize("n_items", [0, 1, 5, 16, 17, 100])
@pytest.mark.parametrize("chunk", [1, 3, 16])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_run_chunks_commits_every_item_once(n_items, chunk, workers):
    seen = np.zeros(n_items, dtype=np.int64)

    def compute(start, stop):
        assert 0 <= start < stop <= n_items
        return np.arange(start, stop)

    def commit(start, stop, items):
        seen[items] += 1  # under the scheduler's lock

    used = _parallel.run_chunks(compute, commit, n_items, chunk, workers)
    assert (seen == 1).all()
    assert used == (0 if n_items == 0 else min(workers, -(-n_items // chunk)))


def test_run_chunks_serial_path_is_one_direct_call():
    calls = []
    used = _parallel.run_chunks(lambda a, b: 1 / 0, None, 7, 2, workers=1,
                                direct=lambda a, b: calls.append((a, b)))
    assert used == 1 and calls == [(0, 7)]


def test_run_chunks_never_waits_for_a_stalled_worker():
    """A chunk stuck on another thread is computed again by the caller; the late result is
    dropped, so nothing is written after the call returned."""
    release = threading.Event()
    out = np.zeros(8, dtype=np.int64)
    caller = threading.get_ident()

    def compute(start, stop):
        if threading.get_ident() != caller:
            release.wait(10)  # a pool thread whose core is taken
            return np.full(stop - start, -1)
        return np.arange(start, stop)

    def commit(start, stop, part):
        out[start:stop] = part

    _parallel.run_chunks(compute, commit, 8, 1, workers=2)
    assert out.tolist() == list(range(8))
    release.set()
    time.sleep(0.05)
    assert out.tolist() == list(range(8))


def test_default_workers_capped_by_idle_cores(monkeypatch):
    monkeypatch.setattr(_parallel, "_idle_cores", lambda: 1)
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        assert _parallel.run_chunks(lambda a, b: None, lambda a, b, r: None, 10, 1) == 1
        assert _parallel.run_chunks(lambda a, b: None, lambda a, b, r: None, 10, 1, 2) == 2
    finally:
        numba.set_num_threads(threads)


def test_run_rows_writes_rows_in_place_or_through_scratch():
    for workers in (1, 2):
        out = np.zeros((7, 3), dtype=np.int64)
        _parallel.run_rows(lambda a, b, dest: dest.__setitem__(Ellipsis, np.arange(a, b)[:, None]),
                           out, 2, workers)
        assert (out == np.arange(7)[:, None]).all()


def test_run_columns_writes_columns_in_place_or_through_scratch():
    for workers in (1, 2):
        out = np.zeros((3, 7), dtype=np.int64)
        _parallel.run_columns(lambda a, b, dest: dest.__setitem__(Ellipsis, np.arange(a, b)),
                              out, 2, workers)
        assert (out == np.arange(7)).all()


def test_run_chunks_reraises_errors():
    def compute(start, stop):
        if start >= 4:
            raise ValueError("chunk failed")
        return None

    with pytest.raises(ValueError, match="chunk failed"):
        _parallel.run_chunks(compute, lambda a, b, r: None, 10, 1, workers=2)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of a few words and two workers, so that every call is split many times."""
    for name in ("similarity", "bundling", "_parallel"):
        monkeypatch.setattr(importlib.import_module(f"hdc.{name}"), "CHUNK_WORDS", 8)
    monkeypatch.setattr(importlib.import_module("hdc.similarity"), "MIN_CHUNK_ROWS", 4)
    monkeypatch.setattr(_parallel, "ADAPT_TO_LOAD", False)  # two workers even on a busy machine
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    yield
    numba.set_num_threads(threads)


@pytest.mark.parametrize("n_a,n_b", [(0, 3), (1, 1), (1, 9), (3, 37), (5, 2), (33, 7), (9, 41)])
@pytest.mark.parametrize("dim", [192, 2624])  # 2624 bits: the tiled kernels, in chunks
def test_chunked_hamming_matches_reference(tiny_chunks, n_a, n_b, dim):
    a = hdc.random(n_a, dim, random_state=n_a)
    b = hdc.random(n_b, dim, random_state=n_b + 100)
    got = hdc.hamming(a, b)
    assert got.shape == (n_a, n_b)
    if n_a:
        assert np.array_equal(got, ref_hamming(a, b))


@pytest.mark.parametrize("n_q,n_s,k", [(1, 1, 1), (7, 13, 3), (33, 5, 5), (21, 30, 4)])
@pytest.mark.parametrize("dim", [128, 2624])
def test_chunked_top_k_matches_reference(tiny_chunks, n_q, n_s, k, dim):
    stored = hdc.random(n_s, dim, random_state=1)
    stored[n_s // 2 :] = stored[: n_s - n_s // 2]  # ties: lower index first
    queries = hdc.random(n_q, dim, random_state=2)
    memory = hdc.AssociativeMemory(dim)
    memory.add(stored, np.arange(n_s))
    index, dist = memory._nearest(queries, k, memory.vectors)
    ref_index, ref_dist = ref_top_k(queries, stored, k)
    assert np.array_equal(index, ref_index)
    assert np.array_equal(dist, ref_dist)


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 63, 64, 65, 200, 1001])
def test_chunked_bundle_and_counts_match_reference(tiny_chunks, n):
    x = hdc.random(n, 128, random_state=n)
    assert np.array_equal(hdc.bundle(x, tie="zero"), ref_majority(x))
    assert np.array_equal(hdc.counts(x), ref_counts(x))
    weights = np.arange(n) % 7 - 3
    assert np.array_equal(hdc.counts(x, weights), ref_counts(x, weights))


@pytest.mark.parametrize("n", [1, 3, 10])
@pytest.mark.parametrize("shift", [0, 1, 64, 200])
def test_chunked_permute_matches_reference(tiny_chunks, n, shift):
    x = hdc.random(n, 256, random_state=n)
    got = hdc.permute(x, shift)
    assert np.array_equal(got, np.stack([rotate(row, shift) for row in x]))
    shifts = np.arange(n) * 37 + shift
    got = hdc.permute(x, shifts)
    assert np.array_equal(got, np.stack([rotate(row, s) for row, s in zip(x, shifts, strict=True)]))
