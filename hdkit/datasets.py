"""Loaders of the real datasets used by hdkit's examples, benchmarks and ``hdkit compare``.

Every loader has the same signature style: keyword-only ``split=`` (which part of the data) and
``path=`` (a file or the folder holding the dataset's files, when they are not at a default
place), and returns ``(X, y)``. :func:`load_dataset` returns the documented train/test split of
a named dataset as ``X_train, X_test, y_train, y_test``.

Nothing is downloaded. Files are looked up in the shared data folder, whose search order is
(:func:`data_folders`):

1. ``$HDKIT_DATA``, alone, when the variable is set;
2. else ``shared/data`` in the working directory and in each folder above it;
3. then ``shared/data`` beside the source checkout that this module was imported from and
   above it (never inside an installed ``site-packages``).

Fashion-MNIST is looked up in ``fashion-mnist/`` of those folders and in
``/usr/share/datasets/fashion-mnist`` (Debian's package ``dataset-fashion-mnist``). A missing
file raises :class:`DatasetNotFoundError`, whose one-line message lists every place searched
and says how to get the data.

Examples
--------
>>> from hdkit.datasets import load_digits
>>> X, y = load_digits(split="test")
>>> X.shape
(450, 64)
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdkit._catalog import DATASETS as _DESCRIPTIONS

__all__ = [
    "DATASETS",
    "DatasetNotFoundError",
    "SHARED_DATA",
    "SharedData",
    "data_folders",
    "fashion_mnist_folders",
    "find_shared",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_langid",
    "load_letter",
    "locate",
]

DATASETS = tuple(_DESCRIPTIONS)
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
LETTER_TRAIN_ROWS = 16000


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are missing; the message lists the places searched and how to get them."""


@dataclass(frozen=True)
class SharedData:
    """Files of one folder of the shared data folder, and what they hold."""

    folder: str
    files: tuple[str, ...]
    holds: str


SHARED_DATA = {
    "letter": SharedData(
        "tabular", ("letter-recognition.data",),
        "UCI Letter Recognition, 20,000 lines 'LETTER,f1,...,f16'",
    ),
    "uci-dev": SharedData(
        "tabular/uci-dev", ("spam.csv", "musk.csv", "promotergene.csv", "income.csv"),
        "four UCI-style CSV tables (header row, missing values as empty fields, class column "
        "'label')",
    ),
    "langid": SharedData(
        "langid", ("train.tsv", "dev.tsv"),
        "sentences in 21 languages, one 'lang<TAB>sentence' a line",
    ),
    "opencv-digits": SharedData(
        "tabular", ("digits.png",), "OpenCV's 5,000 handwritten digits of 20x20 pixels"
    ),
    "images": SharedData(
        "images", ("graf1.png", "graf3.png", "H1to3p.xml", "box.png", "box_in_scene.png"),
        "the Oxford Graffiti pair with its ground-truth homography, and OpenCV's box and "
        "box_in_scene",
    ),
}

_HOW_TO_GET_SHARED = (
    "put the project's shared data folder at shared/data beside the checkout or above the "
    "working directory, or set HDKIT_DATA to a folder holding {relative}"
)


def _in_site_packages(path: Path) -> bool:
    return any(part in ("site-packages", "dist-packages") for part in path.parts)


def _folder_and_parents(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.parents


def data_folders() -> list[Path]:
    """The candidate shared data folders, in the order searched (see the module docstring).

    The folders need not exist; each loader takes the first one that holds its file.
    """
    env = os.environ.get("HDKIT_DATA")
    if env:
        return [Path(env).expanduser()]
    starts = [Path.cwd()]
    checkout = Path(__file__).resolve().parents[1]
    if not _in_site_packages(checkout):
        starts.append(checkout)
    folders: list[Path] = []
    for start in starts:
        for folder in _folder_and_parents(start):
            candidate = folder / "shared" / "data"
            if candidate not in folders:
                folders.append(candidate)
    return folders


def _searched(folders: list[Path], relative: str) -> str:
    """The places searched for ``relative``, said compactly."""
    if os.environ.get("HDKIT_DATA"):
        return f"{folders[0] / relative} (HDKIT_DATA is set, so only there)"
    tops = ", ".join(str(folder.parents[1]) for folder in folders)
    origin = "the working directory"
    if not _in_site_packages(Path(__file__).resolve()):
        origin += ", the source checkout"
    return f"shared/data/{relative} in {tops} ({origin} and the folders above; HDKIT_DATA is unset)"


def _missing(what: str, searched: str, how: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(f"{what} not found: looked for {searched}. To get it: {how}.")


def find_shared(
    key: str, file: str | None = None, *, path: str | os.PathLike | None = None
) -> Path:
    """A file of ``SHARED_DATA[key]`` (default: its first): ``path`` if given (the file, or a
    folder holding it), else the first shared data folder (:func:`data_folders`) holding it.

    Raises
    ------
    DatasetNotFoundError
        Listing every place searched, what the file holds and how to get it.

    Examples
    --------
    >>> from hdkit.datasets import find_shared
    >>> find_shared("langid", "dev.tsv").name  # doctest: +SKIP
    'dev.tsv'
    """
    shared = SHARED_DATA[key]
    name = shared.files[0] if file is None else file
    relative = f"{shared.folder}/{name}"
    what = f"{relative} ({shared.holds})"
    if path is not None:
        given = Path(path).expanduser()
        candidate = given / name if given.is_dir() else given
        if candidate.is_file():
            return candidate
        raise _missing(what, str(candidate), "pass the file itself or the folder holding it")
    folders = data_folders()
    for folder in folders:
        if (folder / relative).is_file():
            return folder / relative
    raise _missing(
        what, _searched(folders, relative),
        _HOW_TO_GET_SHARED.format(relative=relative)
        + "; or pass the file (path=, or --path on the command line)",
    )


def _check_split(split: str, accepted: tuple[str, ...]) -> str:
    if split not in accepted:
        raise ValueError(
            f"split must be one of {', '.join(repr(s) for s in accepted)}, got {split!r}"
        )
    return split


def load_digits(*, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (bundled with scikit-learn) with hdkit's split.

    Parameters
    ----------
    split : {"train", "test", "all"}, default "train"
        The split is stratified, 25% test, seed 0: 1,347 train and 450 test images.

    Returns
    -------
    X : ndarray of float64, shape (n, 64)
        Pixel values 0..16.
    y : ndarray of int64, shape (n,)
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    _check_split(split, ("train", "test", "all"))
    X, y = sklearn_digits(return_X_y=True)
    if split == "all":
        return X, y
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    return (X_train, y_train) if split == "train" else (X_test, y_test)


def load_letter(
    *, split: str = "train", path: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """UCI Letter Recognition: 16 integer features per row and the letter as the label.

    Parameters
    ----------
    split : {"train", "test", "all"}, default "train"
        The standard split: the first 16,000 rows train, the last 4,000 test; ``"all"``: every
        row (for a file of your own).
    path : str or Path, optional
        A file of lines ``LETTER,f1,...,f16``, or a folder holding ``letter-recognition.data``;
        default: ``tabular/letter-recognition.data`` in the shared data folder.

    Returns
    -------
    X : ndarray of float64, shape (n, 16)
    y : ndarray of str, shape (n,)
    """
    _check_split(split, ("train", "test", "all"))
    file = find_shared("letter", path=path)
    raw = np.loadtxt(file, delimiter=",", dtype=str, ndmin=2)
    if raw.shape[1] != 17:
        raise ValueError(f"{file} is not in letter-recognition format (17 comma-separated fields)")
    X, y = raw[:, 1:].astype(np.float64), raw[:, 0]
    if split == "train":
        return X[:LETTER_TRAIN_ROWS], y[:LETTER_TRAIN_ROWS]
    if split == "test":
        return X[LETTER_TRAIN_ROWS:], y[LETTER_TRAIN_ROWS:]
    return X, y


def load_langid(
    *, split: str = "train", path: str | os.PathLike | None = None
) -> tuple[list[str], np.ndarray]:
    """Sentence-level language identification (21 languages).

    Parameters
    ----------
    split : {"train", "dev"}, default "train"
        ``langid/train.tsv`` (49,560 sentences) or ``langid/dev.tsv`` (6,633).
    path : str or Path, optional
        A file of lines ``lang<TAB>sentence``, or a folder holding ``train.tsv`` and
        ``dev.tsv``; default: ``langid/`` in the shared data folder.

    Returns
    -------
    sentences : list of str
    labels : ndarray of str, shape (n,)
    """
    _check_split(split, ("train", "dev"))
    file = find_shared("langid", f"{split}.tsv", path=path)
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


def fashion_mnist_folders() -> list[Path]:
    """Where Fashion-MNIST is looked for: ``fashion-mnist/`` in each shared data folder, then
    ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``)."""
    return [folder / "fashion-mnist" for folder in data_folders()] + [FASHION_MNIST_SYSTEM_DIR]


def _find_fashion_mnist(split: str, path: str | os.PathLike | None) -> Path:
    names = FASHION_MNIST_FILES[split]
    folders = [Path(path).expanduser()] if path is not None else fashion_mnist_folders()
    for folder in folders:
        if all((folder / name).is_file() for name in names):
            return folder
    where = ", ".join(str(folder) for folder in folders)
    how = (
        "pass the folder holding them (path=, or --path on the command line)"
        if path is not None
        else "install Debian's package with `sudo apt-get install -y dataset-fashion-mnist` "
        f"(it writes {FASHION_MNIST_SYSTEM_DIR}), or put the four files in fashion-mnist/ "
        "of the shared data folder (HDKIT_DATA)"
    )
    raise _missing(f"Fashion-MNIST {split} files {' and '.join(names)}", f"them in {where}", how)


def load_fashion_mnist(
    *, split: str = "train", path: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST: 28x28 grey images of clothes in 10 classes, from the gzipped IDX files.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        60,000 training or 10,000 test images.
    path : str or Path, optional
        The folder holding ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``; default: the first of
        :func:`fashion_mnist_folders` that holds them.

    Returns
    -------
    X : ndarray of uint8, shape (n, 784)
    y : ndarray of int64, shape (n,)
    """
    _check_split(split, ("train", "test"))
    folder = _find_fashion_mnist(split, path)
    images_name, labels_name = FASHION_MNIST_FILES[split]
    images = _read_idx(folder / images_name, 16)
    labels = _read_idx(folder / labels_name, 8)
    return images.reshape(-1, 28 * 28), labels.astype(np.int64)


def load_dataset(
    name: str, *, path: str | os.PathLike | None = None
) -> tuple[object, object, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test`` of a named dataset with its documented split.

    Parameters
    ----------
    name : {"digits", "letter", "langid", "fashion-mnist"}
        For ``"langid"`` the test part is the dev split; its features are lists of strings.
    path : str or Path, optional
        The dataset's file or folder, as for its loader (``digits`` takes none).

    Examples
    --------
    >>> from hdkit.datasets import load_dataset
    >>> X_train, X_test, y_train, y_test = load_dataset("digits")
    >>> len(y_train), len(y_test)
    (1347, 450)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if name == "digits":
        if path is not None:
            raise ValueError("the digits dataset comes with scikit-learn; it takes no path")
        X_train, y_train = load_digits(split="train")
        X_test, y_test = load_digits(split="test")
        return X_train, X_test, y_train, y_test
    load = {"letter": load_letter, "langid": load_langid, "fashion-mnist": load_fashion_mnist}[name]
    test_split = "dev" if name == "langid" else "test"
    X_train, y_train = load(split="train", path=path)
    X_test, y_test = load(split=test_split, path=path)
    return X_train, X_test, y_train, y_test


def locate(name: str) -> list[Path]:
    """The files of ``name`` where the loaders find them.

    ``name`` is a dataset of :data:`DATASETS` or a key of :data:`SHARED_DATA` (``"images"``,
    ``"opencv-digits"``); ``"digits"`` gives ``[]`` (scikit-learn bundles it). Raises
    :class:`DatasetNotFoundError` for the first missing file.
    """
    if name == "digits":
        return []
    if name == "fashion-mnist":
        return [
            _find_fashion_mnist(split, None) / file
            for split, files in FASHION_MNIST_FILES.items()
            for file in files
        ]
    if name not in SHARED_DATA:
        known = ", ".join([*DATASETS, *(k for k in SHARED_DATA if k not in DATASETS)])
        raise ValueError(f"unknown dataset {name!r}; expected one of {known}")
    return [find_shared(name, file) for file in SHARED_DATA[name].files]
