"""Tests of hdc.save / hdc.load: every estimator and encoder, fitted and unfitted, round-trips
bit for bit; unknown state fails at save time; loading runs no code named by the file."""

from __future__ import annotations

import json
import pickle
import threading
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.base import clone

import hdc
from encoders import (
    ConvolutionEncoder,
    KeypointEncoder,
    NGramEncoder,
    ProjectionEncoder,
    RecordEncoder,
    TableEncoder,
    TableRFFEncoder,
)
from hdc.baselines import GLNClassifier, GLNRegressor, KernelMachineClassifier
from hdc.persistence import ALLOWED_CLASSES

RNG = np.random.default_rng(0)
NUMERIC = RNG.normal(size=(80, 6))
LABELS = (NUMERIC[:, 0] + NUMERIC[:, 1] > 0).astype(int) + (NUMERIC[:, 2] > 0.5)
WORDS = np.array(["red", "green", "blue"], dtype=object)[LABELS]


def _mixed(n: int = 80, seed: int = 1) -> np.ndarray:
    """An object table: a numeric column with NaN, a categorical with None, an int-like one."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)).tolist()
    X[:, 1] = rng.choice(np.array(["a", "b", "c", None], dtype=object), n)
    X[:, 2] = rng.integers(0, 4, n).astype(float).tolist()
    return X


MIXED = _mixed()
TEXTS = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs", "ein Hund"] * 4
TEXT_Y = np.arange(len(TEXTS)) % 2
IMAGES = RNG.integers(0, 16, size=(40, 64)).astype(float)
IMAGE_Y = np.arange(40) % 3


def _feature_sets(n: int = 6, d: int = 16):
    rng = np.random.default_rng(3)
    return [(rng.uniform(0, 100, size=(k, 2)), rng.random((k, d)).astype(np.float32))
            for k in (12, 7, 0, 30, 5, 9)[:n]]


FEATS = _feature_sets()

# (id, estimator, X, y, method used to compare)
CASES = [
    ("hdc-default", hdc.HDClassifier(dim=256, random_state=0), NUMERIC, LABELS, "predict"),
    ("hdc-mixed", hdc.HDClassifier(dim=256, random_state=0), MIXED, WORDS, "predict"),
    ("hdc-binary", hdc.HDClassifier(dim=256, prototypes="binary", random_state=0), NUMERIC,
     WORDS, "decision_function"),
    ("hdc-batch", hdc.HDClassifier(dim=256, retraining="batch", random_state=0), NUMERIC,
     LABELS, "decision_function"),
    ("hdc-projection", hdc.HDClassifier(encoder=ProjectionEncoder(dim=256, random_state=1),
                                        random_state=0), NUMERIC, LABELS, "decision_function"),
    ("hdc-record", hdc.HDClassifier(encoder=RecordEncoder(dim=256, random_state=1),
                                    random_state=0), MIXED, LABELS, "predict_proba"),
    ("hdc-ngram", hdc.HDClassifier(encoder=NGramEncoder(dim=256, weighting="idf",
                                                        random_state=1), random_state=0),
     TEXTS, TEXT_Y, "decision_function"),
    ("hdc-packed", hdc.HDClassifier(random_state=0),
     hdc.random(60, 256, random_state=2), np.arange(60) % 2, "decision_function"),
    ("gln", GLNClassifier(random_state=0), NUMERIC, LABELS, "predict_proba"),
    ("gln-binary", GLNClassifier(random_state=0), NUMERIC, WORDS == "red", "predict_proba"),
    ("gln-regressor", GLNRegressor(random_state=0), NUMERIC, NUMERIC[:, 0] * 2.0, "predict"),
    ("kernel", KernelMachineClassifier(random_state=0), NUMERIC, WORDS, "decision_function"),
    ("kernel-proba", KernelMachineClassifier(probability=True, random_state=0), NUMERIC,
     LABELS, "predict_proba"),
    ("kernel-nystroem", KernelMachineClassifier(approximation="nystroem", n_components=30,
                                                random_state=0), NUMERIC, LABELS,
     "decision_function"),
    ("kernel-hamming", KernelMachineClassifier(kernel="hamming", random_state=0),
     hdc.random(60, 256, random_state=2), np.arange(60) % 2, "decision_function"),
    ("table", TableEncoder(dim=256, random_state=0), MIXED, None, "transform"),
    ("table-numeric", TableEncoder(dim=256, random_state=0), NUMERIC, None, "transform"),
    ("record", RecordEncoder(dim=256, random_state=0), MIXED, None, "transform"),
    ("record-permute-quantile", RecordEncoder(dim=256, binding="permute",
                                              quantization="quantile", random_state=0),
     MIXED, None, "transform"),
    ("table-rff", TableRFFEncoder(dim=256, random_state=0), MIXED, None, "transform"),
    ("projection", ProjectionEncoder(dim=256, random_state=0), NUMERIC, None, "transform"),
    ("projection-rff", ProjectionEncoder(dim=256, kind="rff", random_state=0), NUMERIC, None,
     "transform"),
    ("ngram", NGramEncoder(dim=256, random_state=0), TEXTS, None, "transform"),
    ("ngram-idf", NGramEncoder(dim=256, weighting="idf", random_state=0), TEXTS, None,
     "transform"),
    ("convolution", ConvolutionEncoder(dim=256, image_shape=(8, 8), random_state=0), IMAGES,
     None, "transform"),
    ("keypoint", KeypointEncoder(dim=256, position_levels=3, scale_levels=0, random_state=0),
     FEATS, None, "transform"),
]


def _output(model, method: str, X):
    return getattr(model, method)(X)


def _assert_same_state(a, b, where: str = "model") -> None:
    """Equal __dict__ trees, arrays with equal dtype, shape and bits."""
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype == object:
            for i, (u, v) in enumerate(zip(a.ravel().tolist(), b.ravel().tolist(), strict=True)):
                _assert_same_state(u, v, f"{where}[{i}]")
        else:
            assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _assert_same_state(u, v, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _assert_same_state(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state, where
    elif isinstance(a, float) and a != a:
        assert b != b, where
    elif isinstance(a, type(threading.Lock())):
        assert not b.locked(), where  # a lock comes back new and unlocked
    elif hasattr(a, "__dict__") and not isinstance(a, type):
        _assert_same_state(vars(a), vars(b), where)
    else:
        assert a == b, where


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fitted_round_trip_is_identical(case, tmp_path):
    _, estimator, X, y, method = case
    model = clone(estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of tiny fits
        model.fit(X) if y is None else model.fit(X, y)
    path = hdc.save(model, tmp_path / "model.npz")
    assert path == tmp_path / "model.npz"
    loaded = hdc.load(path)
    _assert_same_state(vars(model), vars(loaded))
    expected, got = _output(model, method, X), _output(loaded, method, X)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    if hasattr(model, "predict"):
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    np.load(path, allow_pickle=False)  # every member loads without pickle


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_unfitted_round_trip_fits_the_same(case, tmp_path):
    _, estimator, X, y, method = case
    loaded = hdc.load(hdc.save(clone(estimator), tmp_path / "m.npz"))
    assert repr(loaded) == repr(estimator)
    a, b = clone(estimator), loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in (a, b):
            model.fit(X) if y is None else model.fit(X, y)
    np.testing.assert_array_equal(_output(b, method, X), _output(a, method, X))


@pytest.mark.filterwarnings("ignore:the first partial_fit batch")
def test_partial_fit_continues_identically(tmp_path):
    X, y = NUMERIC, LABELS
    a = hdc.HDClassifier(dim=256, random_state=0).partial_fit(X[:40], y[:40], classes=[0, 1, 2])
    b = hdc.load(hdc.save(a, tmp_path / "m.npz"))
    a.partial_fit(X[40:], y[40:])
    b.partial_fit(X[40:], y[40:])
    np.testing.assert_array_equal(b.decision_function(X), a.decision_function(X))


@pytest.mark.filterwarnings("ignore:the first partial_fit batch")
def test_memory_mapped_models_predict_the_same_and_copy_on_write(tmp_path):
    model = hdc.HDClassifier(dim=256, random_state=0).partial_fit(
        MIXED[:60], WORDS[:60], classes=np.unique(WORDS))
    path = hdc.save(model, tmp_path / "m.npz")
    before = path.read_bytes()
    mapped = hdc.load(path, mmap_mode="r")
    assert isinstance(mapped.counters_, np.memmap) and not mapped.counters_.flags.writeable
    np.testing.assert_array_equal(mapped.decision_function(MIXED), model.decision_function(MIXED))
    _assert_same_state(vars(hdc.load(path)), vars(model))
    cow = hdc.load(path, mmap_mode="c")
    assert cow.counters_.flags.writeable
    cow.partial_fit(MIXED[60:], WORDS[60:])
    model.partial_fit(MIXED[60:], WORDS[60:])
    np.testing.assert_array_equal(cow.decision_function(MIXED), model.decision_function(MIXED))
    assert path.read_bytes() == before  # the file is never written
    with pytest.raises(ValueError, match="mmap_mode must be None, 'r' or 'c'"):
        hdc.load(path, mmap_mode="w+")


def test_associative_memory_round_trip(tmp_path):
    memory = hdc.AssociativeMemory(256)
    H = hdc.random(20, 256, random_state=0)
    memory.add(H[:10], [f"item {i}" for i in range(10)])
    memory.add(H[10:], list(range(10)))  # mixed label types
    loaded = hdc.load(hdc.save(memory, tmp_path / "am.npz"))
    _assert_same_state(vars(memory), vars(loaded))
    for got, expected in zip(loaded.query(H, k=3), memory.query(H, k=3), strict=True):
        np.testing.assert_array_equal(got, expected)
    empty = hdc.load(hdc.save(hdc.AssociativeMemory(128), tmp_path / "empty.npz"))
    assert len(empty) == 0 and empty.dim == 128


def test_symbolic_structures_and_the_resonator_round_trip(tmp_path):
    dim = 1024
    items = hdc.item_memory(6, dim, random_state=0)
    memory = hdc.AssociativeMemory(dim)
    memory.add(items, list("abcdef"))
    basket = hdc.Multiset(dim, random_state=0)
    basket.add(items[:3])
    table = hdc.HashTable(dim, memory=memory, random_state=0)
    table.put(items[:3], items[3:])
    word = hdc.Sequence(dim, memory=memory, random_state=0)
    word.append(items[[1, 0, 4]])
    distinct = hdc.DistinctSequence(dim)
    distinct.append(items[:3])
    graph = hdc.Graph.from_edges([[0, 1], [0, 2], [3, 4]], items, random_state=0)
    books = [hdc.random(5, dim, random_state=i) for i in range(3)]
    resonator = hdc.Resonator(books, random_state=0)
    product = hdc.bind(hdc.bind(books[0][3], books[1][1]), books[2][4])
    for k, (model, output) in enumerate([
        (basket, lambda m: m.contains(items)),
        (table, lambda m: m.query(items[:3])[1]),
        (word, lambda m: m.query([0, 1, 2])[1]),
        (distinct, lambda m: m.value),
        (graph, lambda m: m.has_edge([0, 1, 3], [1, 2, 4])),
        (resonator, lambda m: m.factorize(product[None]).indices),
    ]):
        loaded = hdc.load(hdc.save(model, tmp_path / f"s{k}.npz"))
        _assert_same_state(vars(model), vars(loaded), type(model).__name__)
        np.testing.assert_array_equal(output(loaded), output(model))


def test_unknown_state_fails_at_save_time_naming_the_attribute(tmp_path):
    model = hdc.HDClassifier(dim=256, random_state=0).fit(MIXED, WORDS)
    model.encoder_.record_.extra_ = object()
    with pytest.raises(TypeError, match=r"HDClassifier\.encoder_\.record_\.extra_"):
        hdc.save(model, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    with pytest.raises(TypeError, match="model must be an hdkit estimator"):
        hdc.save({"a": 1}, tmp_path / "m.npz")
    model = hdc.HDClassifier(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match=r"HDClassifier\.random_state"):
        hdc.save(model, tmp_path / "m.npz")


def _rewrite_header(path, change) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["__header__"].tobytes())
    change(header)
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def test_load_resolves_classes_only_from_the_allow_list(tmp_path):
    path = hdc.save(hdc.HDClassifier(dim=128), tmp_path / "m.npz")

    def evil(header):
        header["model"]["class"] = "subprocess.Popen"

    _rewrite_header(path, evil)
    with pytest.raises(ValueError, match="'subprocess.Popen' is not one that hdkit loads"):
        hdc.load(path)
    assert "subprocess.Popen" not in ALLOWED_CLASSES


def test_load_rejects_what_is_not_a_model_file(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable hdkit model file"):
        hdc.load(bad)
    np.savez(tmp_path / "plain.npz", a=np.arange(3))
    with pytest.raises(ValueError, match="no __header__"):
        hdc.load(tmp_path / "plain.npz")
    np.save(tmp_path / "one.npy", np.arange(3))
    with pytest.raises(ValueError, match="single .npy array"):
        hdc.load(tmp_path / "one.npy")
    with open(tmp_path / "pickled.npz", "wb") as handle:
        pickle.dump(hdc.HDClassifier(), handle)
    with pytest.raises(ValueError):
        hdc.load(tmp_path / "pickled.npz")
    path = hdc.save(hdc.HDClassifier(dim=128), tmp_path / "m.npz")
    _rewrite_header(path, lambda h: h.update(version=99))
    with pytest.raises(ValueError, match="format version 99.*upgrade hdkit"):
        hdc.load(path)


def test_another_scikit_learn_version_warns(tmp_path):
    model = KernelMachineClassifier(random_state=0).fit(NUMERIC, LABELS)
    path = hdc.save(model, tmp_path / "m.npz")
    _rewrite_header(path, lambda h: h["versions"].update({"scikit-learn": "0.1.0"}))
    with pytest.warns(UserWarning, match="scikit-learn 0.1.0"):
        hdc.load(path)
    path = hdc.save(hdc.HDClassifier(dim=128), tmp_path / "h.npz")
    _rewrite_header(path, lambda h: h["versions"].update({"scikit-learn": "0.1.0"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hdc.load(path)  # no scikit-learn object inside: nothing to warn about


def test_metadata_is_stored_beside_the_model(tmp_path):
    from hdc.persistence import read_metadata

    path = hdc.save(hdc.HDClassifier(dim=128), tmp_path / "m.npz",
                    metadata={"columns": ["a", "b"], "target": "label"})
    assert read_metadata(path) == {"columns": ["a", "b"], "target": "label"}
    assert read_metadata(hdc.save(hdc.HDClassifier(), tmp_path / "n.npz")) == {}
    with pytest.raises(TypeError, match="metadata must be JSON"):
        hdc.save(hdc.HDClassifier(), tmp_path / "o.npz", metadata={"x": object()})


def test_object_arrays_and_numpy_scalars_need_no_pickle(tmp_path):
    model = hdc.HDClassifier(dim=128, random_state=0).fit(MIXED, WORDS)
    path = hdc.save(model, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
    assert list(hdc.load(path).encoder_.vocabularies_[0]) == ["a", "b", "c"]
    memory = hdc.AssociativeMemory(64)
    memory.add(hdc.random(3, 64, random_state=0), [(1, "a"), (2, "b"), None])
    labels = hdc.load(hdc.save(memory, tmp_path / "am.npz")).labels
    assert labels.shape == (3,) and labels.tolist() == [(1, "a"), (2, "b"), None]
