"""Sentence-level language identification (21 languages) with NGramEncoder + HDClassifier.

Default data: ``langid/train.tsv`` and ``langid/dev.tsv`` of the shared data folder (lines
``lang<TAB>sentence``, read by :func:`hdkit.datasets.load_langid`; ``hdkit data`` shows where the
folder is). Other data: ``--train PATH --test PATH`` in the same format.

Encoding: every sentence becomes the bitwise majority of its character 1- to 4-grams, each
n-gram the XOR of position-rotated letter vectors hashed from the code points
(:class:`encoders.NGramEncoder`); with ``weighting="idf"`` each distinct n-gram of a sentence
votes once, with an integer weight from its inverse document frequency learned on the training
sentences. :class:`hdc.HDClassifier` then accumulates integer class prototypes and retrains them
with a small margin.

    python examples/language_id.py
    python examples/language_id.py --train other_train.tsv --test other_test.tsv
    python examples/language_id.py --baseline   # also TF-IDF char 1-3-grams + LinearSVC

Prints accuracy and balanced accuracy (classes are imbalanced), the time of each stage, and as
its last line ``accuracy: 0.xxxx``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from encoders import NGramEncoder
from hdc import HDClassifier
from hdkit.datasets import DatasetNotFoundError, load_langid


def timed(function, *args):
    """``(function(*args), seconds taken)``."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def run_baseline(X_train, y_train, X_test, y_test) -> None:
    """The classical reference: TF-IDF of character 1-3-grams + a linear SVM."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()
    )
    _, fit_s = timed(model.fit, X_train, y_train)
    pred, predict_s = timed(model.predict, X_test)
    print(
        f"baseline TF-IDF char 1-3 + LinearSVC: accuracy {np.mean(pred == y_test):.4f}, "
        f"balanced {balanced_accuracy_score(y_test, pred):.4f}; "
        f"fit {fit_s:.2f} s, predict {predict_s:.2f} s"
    )


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", help="lang<TAB>sentence file to train on")
    parser.add_argument("--test", help="lang<TAB>sentence file to test on")
    parser.add_argument("--dim", type=int, default=16384, help="hypervector bits")
    parser.add_argument("--ngram-min", type=int, default=1, help="smallest n-gram size")
    parser.add_argument("--ngram-max", type=int, default=4, help="largest n-gram size")
    parser.add_argument(
        "--weighting", choices=("count", "binary", "idf"), default="idf", help="n-gram votes"
    )
    parser.add_argument("--epochs", type=int, default=10, help="retraining passes")
    parser.add_argument("--margin", type=float, default=0.03, help="retraining margin (cosine)")
    parser.add_argument("--seed", type=int, default=0, help="random_state")
    parser.add_argument("--verbose", action="store_true", help="progress bars (tqdm)")
    parser.add_argument(
        "--baseline", action="store_true", help="also run TF-IDF char 1-3-grams + LinearSVC"
    )
    args = parser.parse_args(argv)
    if (args.train is None) != (args.test is None):
        parser.error("give both --train and --test, or neither for the shared train/dev files")
    X_train, y_train = load_langid(split="train", path=args.train)
    X_test, y_test = load_langid(split="dev", path=args.test)
    print(
        f"data: {args.train or 'langid/train.tsv'} ({len(X_train)} sentences) / "
        f"{args.test or 'langid/dev.tsv'} ({len(X_test)} sentences), "
        f"{len(np.unique(y_train))} languages"
    )

    encoder = NGramEncoder(
        dim=args.dim,
        ngram_range=(args.ngram_min, args.ngram_max),
        weighting=args.weighting,
        random_state=args.seed,
        verbose=args.verbose,
    )
    clf = HDClassifier(
        epochs=args.epochs, margin=args.margin, random_state=args.seed, verbose=args.verbose
    )
    # the two stages are run separately to time them; HDClassifier(encoder=encoder) is the same
    H_train, train_s = timed(encoder.fit_transform, X_train)
    H_test, test_s = timed(encoder.transform, X_test)
    encode_s = train_s + test_s
    _, fit_s = timed(clf.fit, H_train, y_train)
    pred, predict_s = timed(clf.predict, H_test)

    accuracy = float(np.mean(pred == y_test))
    print(f"encoder: {encoder!r}")
    print(f"classifier: {clf!r}; epochs run {len(clf.n_updates_)}, margin_={clf.margin_:.4f}, "
          f"average_={clf.average_}")
    print(
        f"encode {encode_s:.2f} s ({(len(X_train) + len(X_test)) / encode_s:,.0f} sentences/s), "
        f"fit {fit_s:.2f} s, predict {predict_s:.2f} s; total {encode_s + fit_s + predict_s:.2f} s"
    )
    print(f"balanced accuracy: {balanced_accuracy_score(y_test, pred):.4f}")
    if args.baseline:
        run_baseline(X_train, y_train, X_test, y_test)
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    try:
        main()
    except DatasetNotFoundError as exc:  # missing data: say how to get it, no traceback
        raise SystemExit(f"error: {exc}") from None
