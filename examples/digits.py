"""HDClassifier on scikit-learn's 8x8 handwritten digits, with its default parameters.

Default data: ``sklearn.datasets.load_digits`` split by
``train_test_split(test_size=0.25, random_state=0, stratify=y)`` (1,347 train / 450 test).
Other data: ``--train PATH --test PATH``, each a ``.npz`` holding arrays ``X`` (n, 64) and ``y``
(n,), or a ``.csv`` whose rows are ``label,f1,...,f64`` (no header).

    python examples/digits.py                      # the documented split
    python examples/digits.py --train a.npz --test b.npz

The last line printed is ``accuracy: 0.xxxx``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from hdc import HDClassifier
from hdkit.datasets import load_dataset


def load_table(path: str) -> tuple[np.ndarray, np.ndarray]:
    """``X, y`` from a ``.npz`` (arrays ``X`` and ``y``) or a ``label,f1,...`` ``.csv`` file."""
    file = Path(path)
    if not file.is_file():
        raise SystemExit(f"error: {file} does not exist")
    if file.suffix == ".npz":
        with np.load(file) as data:
            if "X" not in data or "y" not in data:
                raise SystemExit(f"error: {file} must hold arrays 'X' and 'y', has {data.files}")
            return np.asarray(data["X"], dtype=np.float64), np.asarray(data["y"])
    raw = np.loadtxt(file, delimiter=",", ndmin=2)
    return raw[:, 1:], raw[:, 0].astype(np.int64)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", help=".npz or .csv training file (default: sklearn digits)")
    parser.add_argument("--test", help=".npz or .csv test file (default: sklearn digits)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the classifier")
    args = parser.parse_args(argv)
    if (args.train is None) != (args.test is None):
        parser.error("give both --train and --test, or neither for the documented split")
    if args.train is None:
        X_train, X_test, y_train, y_test = load_dataset("digits")
        source = "sklearn load_digits, test_size=0.25, random_state=0, stratified"
    else:
        (X_train, y_train), (X_test, y_test) = load_table(args.train), load_table(args.test)
        source = f"{args.train} / {args.test}"
    print(f"data: {source}; train {X_train.shape}, test {X_test.shape}")

    clf = HDClassifier(random_state=args.seed)  # the defaults are what users get
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = float(np.mean(clf.predict(X_test) == y_test))
    predict_s = time.perf_counter() - start
    print(f"model: {clf!r}, dim_={clf.dim_}, retraining updates per epoch {clf.n_updates_[:5]}...")
    print(f"fit {fit_s:.2f} s, predict {predict_s:.3f} s")
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
