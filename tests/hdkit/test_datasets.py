"""Dataset loaders: one signature style, the shared folder found from the working directory or
the checkout (never from site-packages), and errors that say where they looked and how to get
the data."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from hdkit import datasets
from hdkit.datasets import (
    DatasetNotFoundError,
    data_folders,
    load_dataset,
    load_digits,
    load_fashion_mnist,
    load_langid,
    load_letter,
)

LOADERS = (load_digits, load_letter, load_langid, load_fashion_mnist)


def _write_langid(folder, lines=("en\tthe cat sat", "de\tdie Katze sass")):
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        (folder / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("loader", LOADERS)
def test_loaders_take_keyword_only_split_and_path(loader):
    parameters = inspect.signature(loader).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert "split" in parameters
    assert "path" in parameters or loader is load_digits
    with pytest.raises(TypeError):
        loader("dev")  # a split given by position is refused, never taken for a path
    with pytest.raises(ValueError, match="split must be one of"):
        loader(split="validation")


def test_digits_split_is_the_documented_one():
    X_train, y_train = load_digits(split="train")
    X_test, y_test = load_digits(split="test")
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    X_all, _ = load_digits(split="all")
    assert len(X_all) == 1797
    parts = load_dataset("digits")
    np.testing.assert_array_equal(parts[0], X_train)
    np.testing.assert_array_equal(parts[3], y_test)


def test_hdkit_data_alone_is_searched_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))
    assert data_folders() == [tmp_path]
    _write_langid(tmp_path / "langid")
    sentences, labels = load_langid(split="dev")
    assert sentences == ["the cat sat", "die Katze sass"] and list(labels) == ["en", "de"]


def test_shared_folder_found_from_the_working_directory_upwards(tmp_path, monkeypatch):
    monkeypatch.delenv("HDKIT_DATA", raising=False)
    _write_langid(tmp_path / "shared" / "data" / "langid")
    deep = tmp_path / "clone" / "sub"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    folders = data_folders()
    assert folders[:3] == [deep / "shared" / "data", tmp_path / "clone" / "shared" / "data",
                           tmp_path / "shared" / "data"]
    assert datasets.locate("langid")[0] == tmp_path / "shared" / "data" / "langid" / "train.tsv"


def test_never_inside_site_packages(tmp_path, monkeypatch):
    monkeypatch.delenv("HDKIT_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "hdkit"
    monkeypatch.setattr(datasets, "__file__", str(installed / "datasets.py"))
    folders = data_folders()
    assert folders[0] == tmp_path / "shared" / "data"
    assert not any("site-packages" in str(f) or "venv" in str(f) for f in folders)


def test_missing_shared_file_lists_every_place_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("HDKIT_DATA", raising=False)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "site-packages/hdkit/datasets.py"))
    with pytest.raises(DatasetNotFoundError) as error:
        load_langid(split="dev")
    message = str(error.value)
    assert "\n" not in message
    for folder in (deep, deep.parent, tmp_path, tmp_path.parent):
        assert str(folder) in message
    assert "langid/dev.tsv" in message and "lang<TAB>sentence" in message
    assert "HDKIT_DATA" in message and "path=" in message


def test_missing_fashion_mnist_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "nowhere")
    with pytest.raises(DatasetNotFoundError) as error:
        load_fashion_mnist(split="test")
    message = str(error.value)
    assert "sudo apt-get install -y dataset-fashion-mnist" in message
    assert str(tmp_path / "fashion-mnist") in message and str(tmp_path / "nowhere") in message
    assert "t10k-images-idx3-ubyte.gz" in message


def test_path_is_the_file_or_the_folder_holding_it(tmp_path, idx_bars):
    _write_langid(tmp_path / "langid")
    by_folder = load_langid(split="train", path=tmp_path / "langid")
    by_file = load_langid(split="dev", path=tmp_path / "langid" / "dev.tsv")
    assert by_folder[0] == by_file[0]
    rows = "\n".join(f"{'AB'[i % 2]}," + ",".join(str(i % 16) for _ in range(16))
                     for i in range(20))
    (tmp_path / "letter-recognition.data").write_text(rows + "\n")
    X, y = load_letter(split="all", path=tmp_path)
    assert X.shape == (20, 16) and set(y) == {"A", "B"}
    folder = idx_bars(shape=(28, 28), n_train=30, n_test=10)[0].parent
    X_train, X_test, y_train, y_test = load_dataset("fashion-mnist", path=folder)
    assert X_train.shape == (30, 784) and len(y_test) == 10
    with pytest.raises(DatasetNotFoundError, match="pass the file itself"):
        load_letter(path=tmp_path / "missing.data")
