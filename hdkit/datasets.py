"""Loaders for the real datasets used by hdkit's examples, benchmarks and ``hdkit compare``.

Nothing is downloaded: every loader reads files already on the machine and raises
:class:`DatasetNotFoundError` with instructions when they are missing. The shared data folder is
found from ``$HDKIT_DATA``, else ``shared/data`` beside the source checkout, else
``../shared/data`` or ``./shared/data`` relative to the working directory.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "DatasetNotFoundError",
    "data_dir",
    "load_dataset",
    "load_digits_split",
    "load_fashion_mnist",
    "load_langid",
    "load_letter",
    "load_letter_split",
]

DATASETS = ("digits", "letter", "langid", "fashion-mnist")
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing; the message says how to get it."""


def data_dir() -> Path:
    """The shared data folder (see the module docstring for the search order)."""
    env = os.environ.get("HDKIT_DATA")
    if env:
        return Path(env)
    candidates = [
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path.cwd().parent / "shared" / "data",
        Path.cwd() / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def _require(path: Path, how: str) -> Path:
    if not path.is_file():
        raise DatasetNotFoundError(f"dataset file not found: {path}. {how}")
    return path


_SHARED_HINT = (
    "Point HDKIT_DATA at the folder holding langid/, tabular/ and images/, or pass the path."
)


def load_digits_split(
    test_size: float = 0.25, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits with hdkit's documented stratified split.

    Returns ``X_train, X_test, y_train, y_test`` (features 0..16 as float64).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)


def load_letter(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """UCI Letter Recognition rows ``LETTER,f1..f16`` -> ``X`` (n, 16) float64, ``y`` letters."""
    file = Path(path) if path is not None else data_dir() / "tabular" / "letter-recognition.data"
    _require(file, _SHARED_HINT)
    raw = np.loadtxt(file, delimiter=",", dtype=str)
    if raw.ndim != 2 or raw.shape[1] != 17:
        raise ValueError(f"{file} is not in letter-recognition format (17 comma-separated fields)")
    return raw[:, 1:].astype(np.float64), raw[:, 0]


def load_letter_split(
    path: str | os.PathLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The standard split: first 16,000 rows train, the rest (4,000) test."""
    X, y = load_letter(path)
    return X[:16000], X[16000:], y[:16000], y[16000:]


def load_langid(
    path: str | os.PathLike | None = None, split: str = "train"
) -> tuple[list, np.ndarray]:
    """Language-ID sentences from a ``lang<TAB>sentence`` file -> ``(sentences, labels)``.

    ``path`` defaults to ``langid/{split}.tsv`` in the shared data folder (split ``"train"`` or
    ``"dev"``).
    """
    if split not in ("train", "dev"):
        raise ValueError(f"split must be 'train' or 'dev', got {split!r}")
    file = Path(path) if path is not None else data_dir() / "langid" / f"{split}.tsv"
    _require(file, _SHARED_HINT)
    sentences, labels = [], []
    with open(file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            lang, sep, text = line.partition("\t")
            if not sep:
                raise ValueError(
                    f"{file}:{number}: expected 'lang<TAB>sentence', got {line[:60]!r}"
                )
            labels.append(lang)
            sentences.append(text)
    return sentences, np.array(labels)


def _read_idx(path: Path, offset: int) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return np.frombuffer(handle.read(), dtype=np.uint8, offset=offset)


def load_fashion_mnist(
    split: str = "train", folder: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images ``(n, 784)`` uint8 and labels ``(n,)`` from the gzipped IDX files.

    ``split`` is ``"train"`` (60,000) or ``"test"`` (10,000). The files come from Debian's
    package: ``apt-get install -y dataset-fashion-mnist``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    base = Path(folder) if folder is not None else FASHION_MNIST_DIR
    prefix = "train" if split == "train" else "t10k"
    how = (
        "Install it with `apt-get install -y dataset-fashion-mnist` (files land in "
        f"{FASHION_MNIST_DIR}) or pass the folder holding {prefix}-images-idx3-ubyte.gz."
    )
    images = _read_idx(_require(base / f"{prefix}-images-idx3-ubyte.gz", how), 16)
    labels = _read_idx(_require(base / f"{prefix}-labels-idx1-ubyte.gz", how), 8)
    return images.reshape(-1, 28 * 28), labels.astype(np.int64)


def load_dataset(
    name: str, path: str | os.PathLike | None = None
) -> tuple[object, object, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test`` of a named dataset with its documented split.

    ``name`` is one of :data:`DATASETS`; ``path`` overrides the default location (the letter
    file, the langid folder or the Fashion-MNIST folder). Langid features are lists of strings.
    """
    if name == "digits":
        return load_digits_split()
    if name == "letter":
        return load_letter_split(path)
    if name == "langid":
        folder = Path(path) if path is not None else None
        X_train, y_train = load_langid(folder / "train.tsv" if folder else None, "train")
        X_test, y_test = load_langid(folder / "dev.tsv" if folder else None, "dev")
        return X_train, X_test, y_train, y_test
    if name == "fashion-mnist":
        X_train, y_train = load_fashion_mnist("train", path)
        X_test, y_test = load_fashion_mnist("test", path)
        return X_train, X_test, y_train, y_test
    raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
