"""Bad input gets clear errors; unusual but valid input gets correct results."""

import numpy as np
import pytest

import hdc


def test_dim_must_be_positive_multiple_of_64_with_suggestions():
    with pytest.raises(ValueError, match=r"multiple of 64.*1000.*960 or 1024"):
        hdc.random(2, 1000)
    with pytest.raises(ValueError, match="64"):
        hdc.level(3, 0)
    with pytest.raises(TypeError, match="dim"):
        hdc.item_memory(3, 64.0)
    with pytest.raises(ValueError, match="dim"):
        hdc.AssociativeMemory(100)


def test_wrong_dtype_names_the_argument():
    with pytest.raises(TypeError, match=r"\ba\b.*uint64.*float64"):
        hdc.bind(np.zeros(4), hdc.random(None, 256))
    with pytest.raises(TypeError, match="hvs.*int64"):
        hdc.bundle(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(TypeError, match="hv"):
        hdc.permute([1, 2, 3])
    with pytest.raises(TypeError, match="shift"):
        hdc.permute(hdc.random(None, 64), 1.5)


def test_mismatched_widths():
    with pytest.raises(ValueError, match="different widths.*2 and 3"):
        hdc.hamming(hdc.random(2, 128), hdc.random(2, 192))
    with pytest.raises(ValueError, match="different widths"):
        hdc.bind(hdc.random(2, 128), hdc.random(2, 192))
    memory = hdc.AssociativeMemory(128)
    with pytest.raises(ValueError, match="dim 128"):
        memory.add(hdc.random(2, 192), [0, 1])


def test_empty_batches():
    empty = np.empty((0, 2), dtype=np.uint64)
    assert hdc.hamming(empty, hdc.random(3, 128)).shape == (0, 3)
    assert hdc.permute(empty, 5).shape == (0, 2)
    assert hdc.counts(empty).tolist() == [0] * 128
    with pytest.raises(ValueError, match="at least one"):
        hdc.bundle(empty)
    with pytest.raises(ValueError, match="empty"):
        hdc.AssociativeMemory(128).query(hdc.random(1, 128))
    with pytest.raises(ValueError, match="zero words"):
        hdc.hamming(np.empty((2, 0), dtype=np.uint64), np.empty((2, 0), dtype=np.uint64))


def test_non_contiguous_and_read_only_inputs_give_correct_results():
    x = hdc.random(8, 256, random_state=0)
    strided = x[::2]
    readonly = x.copy()
    readonly.flags.writeable = False
    assert np.array_equal(hdc.hamming(strided, strided), hdc.hamming(x, x)[::2, ::2])
    assert np.array_equal(hdc.permute(readonly, 3), hdc.permute(x, 3))
    assert np.array_equal(hdc.bundle(readonly), hdc.bundle(x))
    fortran = np.asfortranarray(x)
    assert np.array_equal(hdc.counts(fortran), hdc.counts(x))


def test_bundle_arguments():
    x = hdc.random(4, 128, random_state=0)
    with pytest.raises(ValueError, match="tie"):
        hdc.bundle(x, tie="coin")
    with pytest.raises(TypeError, match="weights.*integers"):
        hdc.bundle(x, weights=[0.5, 1, 1, 1])
    with pytest.raises(ValueError, match=r"weights.*\(4,\)"):
        hdc.bundle(x, weights=[1, 2])
    # even counts: ties follow the rule, deterministically
    pair = hdc.random(2, 128, random_state=1)
    zero, one = hdc.bundle(pair, tie="zero"), hdc.bundle(pair, tie="one")
    assert np.array_equal(zero, pair[0] & pair[1])
    assert np.array_equal(one, pair[0] | pair[1])
    assert np.array_equal(hdc.bundle(pair), hdc.bundle(pair))


def test_threshold_and_counts_arguments():
    with pytest.raises(TypeError, match="counts"):
        hdc.threshold(np.zeros(64), 1)
    with pytest.raises(ValueError, match="counts.shape"):
        hdc.threshold(np.zeros(60, dtype=int), 1)
    with pytest.raises(TypeError, match="\\bn\\b"):
        hdc.threshold(np.zeros(64, dtype=int), 1.5)


def test_pack_validation():
    with pytest.raises(ValueError, match="0 and 1"):
        hdc.pack(np.full(64, 2))
    with pytest.raises(TypeError, match="bits"):
        hdc.pack(np.zeros(64, dtype=float))
    with pytest.raises(ValueError, match="multiple of 64"):
        hdc.pack(np.zeros(65, dtype=bool))
    with pytest.raises(ValueError, match="dim=128"):
        hdc.unpack(hdc.random(None, 64), 128)


def test_random_state_validation():
    with pytest.raises(TypeError, match="random_state"):
        hdc.random(2, 64, random_state="seed")
    with pytest.raises(ValueError, match="random_state"):
        hdc.random(2, 64, random_state=-1)
    legacy = hdc.random(2, 64, random_state=np.random.RandomState(0))
    assert np.array_equal(legacy, hdc.random(2, 64, random_state=np.random.RandomState(0)))


def test_flip_and_counts_arguments():
    with pytest.raises(ValueError, match="probability"):
        hdc.flip(hdc.random(None, 64), 1.5)
    with pytest.raises(ValueError, match="n_levels"):
        hdc.level(0, 64)
    memory = hdc.AssociativeMemory(64)
    memory.add(hdc.random(2, 64), ["a", "b"])
    with pytest.raises(ValueError, match="k=3"):
        memory.query(hdc.random(1, 64), k=3)
    with pytest.raises(ValueError, match="labels has 1"):
        memory.add(hdc.random(2, 64), ["x"])


def test_associative_memory_single_vector_and_repr():
    memory = hdc.AssociativeMemory(128)
    items = hdc.random(3, 128, random_state=0)
    memory.add(items[0], "first")
    memory.add(items[1:], ["second", "third"])
    labels, sims = memory.query(items[2], k=2)
    assert labels[0] == "third" and sims[0] == 1.0
    assert len(memory) == 3 and "n_stored=3" in repr(memory)


def test_permute_by_an_array_of_shifts_checks_its_shape_and_dtype():
    x = hdc.random(3, 128, random_state=0)
    with pytest.raises(ValueError, match="3 vectors"):
        hdc.permute(x, [1, 2])
    with pytest.raises(ValueError, match="1-D"):
        hdc.permute(x, [[1, 2, 3]])
    with pytest.raises(TypeError, match="shift"):
        hdc.permute(x, np.array([0.5, 1.0, 2.0]))
    assert hdc.permute(x[0], np.array([], dtype=int)).shape == (0, 2)
