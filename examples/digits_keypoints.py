"""HDClassifier on SIFT keypoint encodings vs on pixel encodings: OpenCV's handwritten digits.

Data: ``tabular/digits.png`` of the shared data folder (``hdkit data`` shows where), 5,000
digits of 20x20 pixels in a grid of 100 columns x 50 rows; rows 0-4 hold digit 0, rows 5-9
digit 1, and so on (500 per class). Split
(documented, deterministic): in each class, in reading order (row by row, left to right), the
first 250 digits train and the last 250 test; 2,500 / 2,500 in all.

- Pixels: ``HDClassifier`` on the 400 grey levels, with its default encoder for dense
  features (``encoder="auto"``) and with ``RecordEncoder`` (each pixel bound to its ID, value
  quantised to 32 levels).
- Keypoints: each digit is enlarged to 40x40 (bilinear) and framed by 8 black pixels (SIFT
  needs room around the strokes), then ``KeypointEncoder`` runs ``vision.SIFT`` on it
  (about 15 keypoints a digit) and encodes the keypoints: 16 hash tables of 6 bits (a smooth
  descriptor kernel: handwriting varies much more than two views of one photo), each word
  bound to the keypoint's position on a 5x5 grid over the keypoints' bounding box, every
  keypoint voting. ``HDClassifier`` then learns from the packed hypervectors.
- Both: the keypoint hypervector and the ``RecordEncoder`` pixel hypervector side by side
  (concatenated words, ``2 * dim`` bits), so the classifier sees strokes and raw layout. (The
  time of this row excludes the keypoint encoding, already done.)

Usage::

    python examples/digits_keypoints.py [--dim 10000] [--path digits.png]

The last line is ``accuracy: 0.xxxx``, the test accuracy on keypoint encodings.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from encoders import KeypointEncoder, RecordEncoder
from hdc import HDClassifier
from hdkit.datasets import DatasetNotFoundError, find_shared
from vision import SIFT

CELL = 20
N_PER_CLASS = 500
N_TRAIN_PER_CLASS = 250


def load_digits_png(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits ``(5000, 20, 20)`` uint8 in reading order, and their labels."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise SystemExit(f"cannot read {path}; pass --path to OpenCV's digits.png")
    if image.shape != (50 * CELL, 100 * CELL):
        raise SystemExit(f"{path} has shape {image.shape}, expected (1000, 2000)")
    digits = image.reshape(50, CELL, 100, CELL).transpose(0, 2, 1, 3).reshape(-1, CELL, CELL)
    labels = np.repeat(np.arange(10), N_PER_CLASS)
    return digits, labels


def split_indices() -> tuple[np.ndarray, np.ndarray]:
    """Per class, the first 250 digits (reading order) train, the last 250 test."""
    index = np.arange(10 * N_PER_CLASS).reshape(10, N_PER_CLASS)
    return index[:, :N_TRAIN_PER_CLASS].ravel(), index[:, N_TRAIN_PER_CLASS:].ravel()


def for_sift(digit: np.ndarray) -> np.ndarray:
    """Enlarge a 20x20 digit to 40x40 and add an 8-pixel black frame (56x56)."""
    big = cv2.resize(digit, (2 * CELL, 2 * CELL), interpolation=cv2.INTER_LINEAR)
    return cv2.copyMakeBorder(big, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=0)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=None, help="OpenCV's digits.png")
    parser.add_argument("--dim", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = args.path or find_shared("opencv-digits")
    digits, y = load_digits_png(path)
    train, test = split_indices()
    print(f"OpenCV digits: {len(train)} train / {len(test)} test (per class first 250 / last 250)")

    rows = []
    pixels = digits.reshape(len(digits), -1).astype(np.float64)
    for name, pixel_encoder in (
        ("pixels (HDClassifier 'auto')", "auto"),
        ("pixels (RecordEncoder)", RecordEncoder(dim=args.dim, n_levels=32)),
    ):
        t = time.perf_counter()
        clf = HDClassifier(encoder=pixel_encoder, dim=args.dim, random_state=args.seed)
        clf.fit(pixels[train], y[train])
        acc = float((clf.predict(pixels[test]) == y[test]).mean())
        rows.append((name, acc, time.perf_counter() - t))

    images = [for_sift(d) for d in digits]
    encoder = KeypointEncoder(
        dim=args.dim, n_tables=16, hash_bits=6, repeated_words="count", position_levels=5,
        sift=SIFT(), random_state=args.seed,
    )
    t = time.perf_counter()
    H_train = encoder.fit_transform([images[i] for i in train])
    H_test = encoder.transform([images[i] for i in test])
    clf = HDClassifier(random_state=args.seed).fit(H_train, y[train])
    keypoint_acc = float((clf.predict(H_test) == y[test]).mean())
    rows.append(("SIFT keypoints (KeypointEncoder)", keypoint_acc, time.perf_counter() - t))

    t = time.perf_counter()
    record = RecordEncoder(dim=args.dim, n_levels=32, random_state=args.seed).fit(pixels[train])
    both_train = np.hstack([H_train, record.transform(pixels[train])])
    both_test = np.hstack([H_test, record.transform(pixels[test])])
    clf = HDClassifier(random_state=args.seed).fit(both_train, y[train])
    both_acc = float((clf.predict(both_test) == y[test]).mean())
    rows.append(("keypoints + pixels (concatenated)", both_acc, time.perf_counter() - t))
    n_kp = np.mean([len(SIFT().detect(images[i])) for i in test[::50]])

    print(f"dim={args.dim}; about {n_kp:.0f} keypoints per digit (sampled)")
    print(f"{'encoding':<34}{'accuracy':>10}{'seconds':>10}  (encode + fit + predict)")
    for name, acc, seconds in rows:
        print(f"{name:<34}{acc:>10.4f}{seconds:>10.1f}")
    print(f"accuracy: {keypoint_acc:.4f}")
    return keypoint_acc


if __name__ == "__main__":
    try:
        main()
    except DatasetNotFoundError as exc:  # missing data: say how to get it, no traceback
        raise SystemExit(f"error: {exc}") from None
