"""The shared 4 x 4 block distances (hdc._wide) and the core's tiled Hamming kernels against the
naive reference on unpacked bits: odd sizes, sizes not divisible by 4, short vectors, one row,
and deterministic top-k ties."""

import re

import numpy as np
import pytest
from numba import njit

import hdc
from hdc import _kernels, _wide
from hdc._validation import readonly

from ._reference import hamming as ref_hamming
from ._reference import top_k as ref_top_k

SHAPES = [
    (1, 1, 1), (1, 9, 41), (9, 1, 41), (5, 7, 3), (4, 4, 8), (8, 8, 39), (13, 17, 40),
    (17, 13, 45), (33, 21, 48), (6, 30, 16),
]


def _batches(n_a, n_b, n_words, seed=0):
    rng = np.random.default_rng(seed + 1000 * n_words + n_a)
    a = hdc.random(n_a, 64 * n_words, random_state=rng)
    b = hdc.random(n_b, 64 * n_words, random_state=rng)
    if n_a > 2 and n_b > 2:
        b[2] = a[1]  # a zero distance
    return a, b


@pytest.mark.parametrize("n_a,n_b,n_words", SHAPES)
@pytest.mark.parametrize("rows_a,rows_b", [(4, 4), (8, 12), (None, None)])
def test_tiled_matrix_matches_reference(n_a, n_b, n_words, rows_a, rows_b):
    a, b = (readonly(x) for x in _batches(n_a, n_b, n_words))  # as the wrappers pass them
    expected = ref_hamming(a, b)
    rows_a = rows_a or _wide.block_rows(n_words)
    rows_b = rows_b or _wide.tile_rows(n_words)
    out = np.full((n_a, n_b), -1, dtype=np.int64)
    _kernels.hamming_matrix_tiles(a, b, rows_a, rows_b, out)
    assert np.array_equal(out, expected)
    out[:] = -1
    _kernels.hamming_matrix_rows(a, b, out)
    assert np.array_equal(out, expected)
    out[:] = -1
    _kernels.hamming_matrix(a, b, out)
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("n_q,n_s,n_words", SHAPES)
@pytest.mark.parametrize("k", [1, 3, 64])
@pytest.mark.parametrize("rows_a,rows_b", [(4, 4), (8, 12), (None, None)])
def test_tiled_top_k_matches_reference_with_ties(n_q, n_s, n_words, k, rows_a, rows_b):
    """Repeated stored rows give equal distances: the lower index comes first, whatever the
    blocks (the k-list is merged block after block, in increasing index order)."""
    queries, stored = _batches(n_q, n_s, n_words, seed=1)
    stored[n_s // 2 :] = stored[: n_s - n_s // 2]
    k = min(k, n_s)
    ref_index, ref_dist = ref_top_k(queries, stored, k)
    queries, stored = readonly(queries), readonly(stored)  # as the wrappers pass them
    rows_a = rows_a or _wide.block_rows(n_words)
    rows_b = rows_b or _wide.tile_rows(n_words)
    for run in (
        lambda i, d: _kernels.hamming_top_k_tiles(queries, stored, k, rows_a, rows_b, i, d),
        lambda i, d: _kernels.hamming_top_k_rows(queries, stored, k, i, d),
        lambda i, d: _kernels.hamming_top_k(queries, stored, k, i, d),
    ):
        index = np.full((n_q, k), -2, dtype=np.int64)
        dist = np.full((n_q, k), -2, dtype=np.int64)
        run(index, dist)
        assert np.array_equal(index, ref_index)
        assert np.array_equal(dist, ref_dist)


def test_dispatch_tiles_only_enough_rows_and_words():
    """Tiles for at least 4 rows a side and 16 words; the row kernel for a few stored rows of
    long vectors."""
    assert _kernels.tiled(4, 4, _kernels.TILE_MIN_WORDS)
    assert not _kernels.tiled(4, 4, _kernels.TILE_MIN_WORDS - 1)
    assert not _kernels.tiled(3, 1000, 160)
    assert not _kernels.tiled(1000, 3, 160)
    assert _kernels.tiled(7, 5000, 160)
    assert _kernels.tiled(10000, 26, 160)
    assert not _kernels.tiled(5000, 8, 160)  # 10 KiB of stored rows: the row kernel
    assert _kernels.tiled(5000, 12, 160)
    assert _kernels.tiled(5000, 8, 40)


@pytest.mark.parametrize("n_a,n_b", [(37, 45), (45, 37), (3, 200), (200, 3), (1, 1)])
def test_public_hamming_and_query_on_tiled_sizes(n_a, n_b):
    """hdc.hamming (chunks along the longer batch) and the memory's top-k at widths where the
    tiled kernels run."""
    a, b = _batches(n_a, n_b, 41, seed=2)
    assert np.array_equal(hdc.hamming(a, b), ref_hamming(a, b))
    memory = hdc.AssociativeMemory(64 * 41)
    memory.add(np.vstack([b, b]), np.arange(2 * n_b))
    index, dist = memory._nearest(a, 2, memory.vectors)
    ref_index, ref_dist = ref_top_k(a, np.vstack([b, b]), 2)
    assert np.array_equal(index, ref_index)
    assert np.array_equal(dist, ref_dist)


@njit(cache=True)
def _block_wide(q, i, c, j):
    return _wide._sixteen_distances_wide(q, i, c, j)


@njit(cache=True)
def _block_portable(q, i, c, j):
    return _wide._sixteen_distances_portable(q, i, c, j)


@pytest.mark.parametrize("n_words", [1, 3, 8, 10, 16, 21])
def test_both_block_distance_variants_match_reference(n_words):
    """The explicit 512-bit block sums (used where numba compiles for VPOPCNTQ) and the plain
    word loop (used elsewhere) give the same 4 x 4 distances as unpacked bits, whatever the
    host: LLVM lowers the 512-bit vectors on any x86 CPU."""
    wide, portable = _block_wide, _block_portable  # compiled once, cached like the kernels
    rng = np.random.default_rng(n_words)
    q = hdc.random(6, 64 * n_words, random_state=rng)
    c = hdc.random(7, 64 * n_words, random_state=rng)
    c[3] = q[2]  # a zero distance
    d = ref_hamming(q, c)
    for i, j in [(0, 0), (2, 3), (1, 2)]:
        expected = d[i : i + 4, j : j + 4].ravel().tolist()
        assert list(wide(q, i, c, j)) == expected
        assert list(portable(q, i, c, j)) == expected


def test_wide_kernel_choice_follows_numbas_target_features(monkeypatch):
    """NUMBA_CPU_FEATURES decides when set (empty for NUMBA_CPU_NAME=generic); else the host's
    features, as numba's code generator takes them."""
    for features, wide in [
        ("", False),
        ("+avx2,+popcnt,+fma", False),
        ("+avx512f,+avx2", False),
        ("+avx2,+avx512f,+avx512vpopcntdq,+avx512vl", True),
    ]:
        monkeypatch.setattr(_wide.numba_config, "CPU_FEATURES", features)
        assert _wide._compiles_for_vector_popcount() is wide
    monkeypatch.setattr(_wide.numba_config, "CPU_FEATURES", None)
    host = _wide.llvm.get_host_cpu_features()
    expected = bool(host.get("avx512f")) and bool(host.get("avx512vpopcntdq"))
    assert _wide._compiles_for_vector_popcount() is expected


def test_tiled_hamming_compiles_to_512_bit_vector_popcounts():
    """Where numba compiles for VPOPCNTQ and 512-bit registers, the core's tiled kernel uses
    them, as the structures' kernels do (one shared block routine)."""
    if not _wide.WIDE:
        pytest.skip("numba does not compile for a CPU with AVX-512 VPOPCNTQ here")
    fresh = njit(nogil=True)(_kernels.tile_block.py_func)  # cached code has no asm
    a = hdc.random(8, 1024, random_state=0)
    zero = np.int64(0)
    fresh(a, zero, np.int64(8), a, zero, np.int64(8), np.empty((8, 8), dtype=np.int64), zero,
          zero)
    asm = "".join(fresh.inspect_asm().values())
    assert re.search(r"vpopcntq\s+%zmm", asm)
    assert "prefetcht1" in asm  # the next query rows, into L2
