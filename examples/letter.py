"""HDClassifier on UCI Letter Recognition (26 classes, 16 integer features).

Default data: ``tabular/letter-recognition.data`` of the shared data folder (``hdkit data``
shows where), first 16,000 rows train and the last 4,000 test (the standard split). Other data:
``--train PATH --test PATH``, each a file in the same format (rows ``LETTER,f1,...,f16``), used
whole.

Model: ``HDClassifier`` (its ``"auto"`` encoder, :class:`encoders.TableEncoder`: a record code
and binarised random Fourier features side by side; integer prototypes, margin retraining)
with 40,000 bits, 60 retraining epochs and ``margin="auto"``. These settings were chosen on a
validation split of the training rows (``--validation``: fit on the first 12,000, score on the
last 4,000; the test rows are not read), among 10,000 / 20,000 / 40,000 / 64,000 bits, 30 / 60
/ 120 epochs, margins auto / 0.05 / 0.075 / 0.1, ``lr`` 1 / 4, averaging, standardised
features and 0.5x / 2x kernel widths, with the RFF code alone (docs/learning.md lists the
runs). ``--dim 10000 --epochs 30`` gives HDClassifier's defaults.

    python examples/letter.py
    python examples/letter.py --validation --dim 20000   # the model selection split
    python examples/letter.py --train other_train.data --test other_test.data

The last line printed is ``accuracy: 0.xxxx``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hdc import HDClassifier
from hdkit.datasets import DatasetNotFoundError, load_dataset, load_letter


def margin_value(text: str) -> float | str:
    return text if text == "auto" else float(text)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", help="letter-recognition format file to train on")
    parser.add_argument("--test", help="letter-recognition format file to test on")
    parser.add_argument("--validation", action="store_true",
                        help="fit on training rows 1-12000, score on rows 12001-16000")
    parser.add_argument("--dim", type=int, default=40000, help="hypervector bits")
    parser.add_argument("--epochs", type=int, default=60, help="retraining passes")
    parser.add_argument("--margin", type=margin_value, default="auto",
                        help="retraining margin (cosine) or 'auto'")
    parser.add_argument("--seed", type=int, default=0, help="random_state")
    args = parser.parse_args(argv)
    if (args.train is None) != (args.test is None):
        parser.error("give both --train and --test, or neither for the standard split")
    if args.validation and args.train is not None:
        parser.error("--validation splits the standard training rows; it takes no --train/--test")
    if args.validation:
        X_fit, y_fit = load_letter(split="train")
        X_train, X_test = X_fit[:12000], X_fit[12000:]
        y_train, y_test = y_fit[:12000], y_fit[12000:]
        source = "letter-recognition.data, validation: rows 1-12000 / 12001-16000"
    elif args.train is None:
        X_train, X_test, y_train, y_test = load_dataset("letter")
        source = "letter-recognition.data, rows 1-16000 / 16001-20000"
    else:
        (X_train, y_train), (X_test, y_test) = (
            load_letter(split="all", path=args.train), load_letter(split="all", path=args.test)
        )
        source = f"{args.train} / {args.test}"
    print(f"data: {source}; train {X_train.shape}, test {X_test.shape}")

    clf = HDClassifier(
        dim=args.dim, epochs=args.epochs, margin=args.margin, random_state=args.seed
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = float(np.mean(clf.predict(X_test) == y_test))
    predict_s = time.perf_counter() - start
    print(f"model: {clf!r}, dim_={clf.dim_}, margin_={clf.margin_:.4f}, "
          f"average_={clf.average_}, epochs run {len(clf.n_updates_)}")
    print(f"fit {fit_s:.2f} s, predict {predict_s:.3f} s")
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    try:
        main()
    except DatasetNotFoundError as exc:  # missing data: say how to get it, no traceback
        raise SystemExit(f"error: {exc}") from None
