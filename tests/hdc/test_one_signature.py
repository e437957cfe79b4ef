"""Kernels see one type per argument: a read-only input (loaded, frozen, memory-mapped) or an
F-ordered one gives the same result as a writable C-ordered one and compiles no second version
of the kernel (numba compiles one per distinct argument type)."""

from __future__ import annotations

import numpy as np
import pytest

import hdc
from encoders import RecordEncoder
from encoders import _kernels as encoder_kernels
from hdc import _kernels, _structure_kernels
from hdc._validation import readonly
from hdc.baselines import GLNClassifier, _gln_kernels


def _same_result_one_signature(kernels, run, *variants):
    """``run(v)`` for every input variant: equal results, and no variant after the first adds
    a compiled signature to any kernel of ``kernels`` (relative to what the first one left, so
    that other tests run earlier in the same worker cannot make this fail or pass)."""
    results = [run(variants[0])]
    compiled = {kernel: set(kernel.signatures) for kernel in kernels}
    results += [run(v) for v in variants[1:]]
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])
    for kernel in kernels:
        added = set(kernel.signatures) - compiled[kernel]
        assert not added, (kernel.__name__, added)


@pytest.mark.parametrize("n_a, kernel", [(2, _kernels.hamming_matrix_rows),
                                         (8, _kernels.hamming_matrix_tiles)])
def test_hamming_read_only_operands_share_the_kernel(n_a, kernel):
    a = hdc.random(n_a, 1024, random_state=0)
    b = hdc.random(8, 1024, random_state=1)
    _same_result_one_signature(
        [kernel], lambda ab: hdc.hamming(*ab),
        (a, b), (readonly(a), b), (a, readonly(b)), (readonly(a), readonly(b)),
    )


def test_hash_table_get_with_read_only_keys_and_memory():
    fillers = hdc.AssociativeMemory(512)
    fillers.add(hdc.random(6, 512, random_state=0), np.arange(6))
    table = hdc.HashTable(512, memory=fillers, random_state=0)
    keys = hdc.random(3, 512, random_state=1)
    table.put(keys, fillers.vectors[:3])
    frozen = hdc.AssociativeMemory(512)
    frozen.add(readonly(fillers.vectors), np.arange(6))
    frozen_table = hdc.HashTable(512, memory=frozen, random_state=0)
    frozen_table.put(keys, fillers.vectors[:3])
    _same_result_one_signature(
        [_structure_kernels.nearest], lambda run: run(),
        lambda: table.get(keys), lambda: table.get(readonly(keys)),
        lambda: frozen_table.get(readonly(keys)),
    )


def _loaded(model, tmp_path, name):
    path = hdc.save(model, tmp_path / name)
    return hdc.load(path, mmap_mode="r")  # read-only arrays, as a memory-mapped model has


def test_gln_base_logits_of_a_loaded_model_and_f_ordered_input(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = (X[:, 0] > 0).astype(int)
    clf = GLNClassifier(random_state=0).fit(X, y)
    loaded = _loaded(clf, tmp_path, "gln.npz")
    _same_result_one_signature(
        [_gln_kernels.minmax_logits, _gln_kernels._centred_scaled,
         _gln_kernels.context_indices, _gln_kernels._predict_rows],
        lambda run: run(),
        lambda: clf.predict_proba(X), lambda: clf.predict_proba(readonly(X)),
        lambda: clf.predict_proba(np.asfortranarray(X)), lambda: loaded.predict_proba(X),
    )


def test_record_encoder_loaded_and_read_only_input(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    enc = RecordEncoder(512, random_state=0).fit(X)
    loaded = _loaded(enc, tmp_path, "record.npz")
    _same_result_one_signature(
        [encoder_kernels.quantize_uniform, encoder_kernels.record_bundle_present],
        lambda run: run(),
        lambda: enc.transform(X), lambda: enc.transform(readonly(X)),
        lambda: loaded.transform(X), lambda: loaded.transform(np.asfortranarray(X)),
    )
