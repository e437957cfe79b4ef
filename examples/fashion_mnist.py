"""HDClassifier on Fashion-MNIST (60,000 train / 10,000 test images of 28x28, 10 classes).

Default data: the official split installed by ``apt-get install -y dataset-fashion-mnist`` in
``/usr/share/datasets/fashion-mnist/``. Other data: ``--train PATH --test PATH``, each an IDX
images file (``*-images-idx3-ubyte`` or ``.gz``); its labels are read from the file of the same
name with ``images-idx3`` replaced by ``labels-idx1``.

    python examples/fashion_mnist.py                  # ConvolutionEncoder + HDClassifier
    python examples/fashion_mnist.py --encoder auto --dim 10000 --lr 1 --margin auto  # defaults
    python examples/fashion_mnist.py --encoder record --dim 10000

The last line printed is ``accuracy: 0.xxxx``.
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import numpy as np

from encoders import ConvolutionEncoder, RecordEncoder
from hdc import HDClassifier
from hdkit.datasets import DatasetNotFoundError, load_fashion_mnist


def read_idx(path: Path) -> np.ndarray:
    """An IDX array (magic 0x0000 08 ndim, big-endian dims, then uint8 data)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise SystemExit(f"error: {path} is not a uint8 IDX file")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_images(path: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Flattened images, their labels and the image shape (height, width)."""
    images = Path(path)
    labels = images.with_name(images.name.replace("images-idx3", "labels-idx1"))
    for file in (images, labels):
        if not file.is_file():
            raise SystemExit(f"error: {file} does not exist")
    X = read_idx(images)
    if X.ndim != 3:
        raise SystemExit(f"error: {images} holds {X.ndim}-D data, not a stack of 2-D images")
    return X.reshape(X.shape[0], -1), read_idx(labels).astype(np.int64), X.shape[1:]


def margin_value(text: str) -> float | str:
    return text if text == "auto" else float(text)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", help="IDX images file to train on (labels file beside it)")
    parser.add_argument("--test", help="IDX images file to test on (labels file beside it)")
    parser.add_argument("--encoder", choices=("conv", "auto", "record"), default="conv",
                        help="conv: ConvolutionEncoder (3x3 random filters, 2x2 max-pooling); "
                        "auto: HDClassifier's default (TableEncoder); record: RecordEncoder")
    parser.add_argument("--dim", type=int, default=20000, help="hypervector bits")
    parser.add_argument("--epochs", type=int, default=30, help="retraining passes")
    parser.add_argument("--lr", type=float, default=16.0,
                        help="retraining step, relative to one sample of the initial class sums")
    parser.add_argument("--margin", type=margin_value, default=0.03,
                        help="retraining margin (cosine) or 'auto'")
    parser.add_argument("--seed", type=int, default=0, help="random_state")
    args = parser.parse_args(argv)
    if (args.train is None) != (args.test is None):
        parser.error("give both --train and --test, or neither for the official split")
    if args.train is None:
        try:
            X_train, y_train = load_fashion_mnist(split="train")
            X_test, y_test = load_fashion_mnist(split="test")
        except DatasetNotFoundError as exc:
            raise SystemExit(f"error: {exc}") from None
        source = "official Fashion-MNIST split"
        shape = (28, 28)
    else:
        X_train, y_train, shape = load_images(args.train)
        X_test, y_test, test_shape = load_images(args.test)
        if test_shape != shape:
            raise SystemExit(f"error: train images are {shape}, test images {test_shape}")
        source = f"{args.train} / {args.test}"
    print(f"data: {source}; train {X_train.shape}, test {X_test.shape}")
    X_train = X_train.astype(np.float32) / 255.0
    X_test = X_test.astype(np.float32) / 255.0

    encoder = "auto"
    if args.encoder == "conv":
        encoder = ConvolutionEncoder(dim=args.dim, image_shape=shape, random_state=args.seed)
    elif args.encoder == "record":
        encoder = RecordEncoder(dim=args.dim, n_levels=16, random_state=args.seed)
    clf = HDClassifier(
        encoder=encoder, dim=args.dim, epochs=args.epochs, lr=args.lr, margin=args.margin,
        random_state=args.seed,
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = float(np.mean(clf.predict(X_test) == y_test))
    predict_s = time.perf_counter() - start
    print(f"model: {clf!r}, dim_={clf.dim_}, margin_={clf.margin_:.4f}, "
          f"average_={clf.average_}, epochs run {len(clf.n_updates_)}, "
          f"updates in the last {clf.n_updates_[-1:]}")
    print(f"fit {fit_s:.1f} s, predict {predict_s:.2f} s")
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
