"""Benchmark of hdkit's baselines against their peers, measured in the same run.

- GLN: :class:`hdc.baselines.GLNClassifier` (numba) against the pure-numpy reference GLN of
  ``tests/hdc/baselines/gln_reference.py`` (pygln's algorithm and defaults: 16-16-1 network, 4
  halfspaces, learning rate 1e-3, raw input as side information, row-wise min-max base
  predictions), one online pass, on sklearn's digits and on Fashion-MNIST (60k / 10k); on
  digits our GLN runs with its defaults (15 shuffled passes over the 1,347 images), on
  Fashion-MNIST one pass in the order given, as the reference.
- Kernel machine: :class:`hdc.baselines.KernelMachineClassifier` against scikit-learn's
  ``StandardScaler`` + ``SVC`` on digits (RBF: the same predictions), the Hamming kernel on
  hdkit's ``RecordEncoder`` hypervectors with its default ``C`` (normalised kernel) beside the
  unnormalised kernel, and its Nystroem approximation.
- Gaussian GLN: :class:`hdc.baselines.GLNRegressor` (one pass) against least squares and one
  epoch of SGD on scikit-learn's diabetes data (R^2 in the accuracy column).

Prints a table and writes ``benchmarks/results/bench_baselines.json``. The numpy reference on
all of Fashion-MNIST takes minutes; ``--reference-samples N`` trains it on the first N samples
only and extrapolates its fit time linearly (its cost per sample is constant), which the table
marks.

Usage::

    python benchmarks/bench_baselines.py                 # everything
    python benchmarks/bench_baselines.py --skip-fashion  # digits only (about a minute)
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# the numpy reference GLN lives beside the tests that check the compiled kernels against it
sys.path.insert(0, str(HERE.parent / "tests" / "hdc" / "baselines"))

from _common import best_seconds_with_result  # noqa: E402
from gln_reference import NumpyGLN, pygln_preprocess  # noqa: E402

from hdc.baselines import GLNClassifier, KernelMachineClassifier  # noqa: E402
from hdkit.datasets import DatasetNotFoundError, load_dataset  # noqa: E402

# hyperparameters of the peers and of ours, per data set (documented in docs/baselines.md)
PYGLN = {"layer_sizes": (16, 16, 1), "context_dim": 4, "learning_rate": 1e-3, "eps": 1e-3,
         "weight_clip": 5.0}
OURS_DIGITS: dict = {}  # the defaults
OURS_FASHION = {"whiten": 20, "context_offset": 0.0, "scale": False, "shuffle": False,
                "epochs": 1, "learning_rate_scale": 100.0, "context_dim": 4}


def reference_gln(X_train, y_train, X_test, y_test, n_train=None, seed=0):
    """Fit the numpy reference (pygln defaults) on the first n_train samples, one pass."""
    n_train = len(X_train) if n_train is None else min(n_train, len(X_train))
    classes = np.unique(y_train)
    model = NumpyGLN(PYGLN["layer_sizes"], X_train.shape[1], X_train.shape[1], len(classes),
                     context_dim=PYGLN["context_dim"], eps=PYGLN["eps"],
                     weight_clip=PYGLN["weight_clip"], context_offsets=False, rng=seed)
    targets = (y_train[:n_train, None] == classes[None, :]).astype(np.float64)
    rates = np.full(n_train, PYGLN["learning_rate"])

    def fit():
        base, side = pygln_preprocess(X_train[:n_train], PYGLN["eps"])
        model.fit_online(base, side, targets, rates)

    def predict():
        base, side = pygln_preprocess(X_test, PYGLN["eps"])
        return classes[model.predict_logits(base, side).argmax(axis=1)]

    fit_s, _ = best_seconds_with_result(fit)
    pred_s, pred = best_seconds_with_result(predict)
    scale = len(X_train) / n_train
    return {
        "model": "numpy GLN (pygln algorithm)", "accuracy": float(np.mean(pred == y_test)),
        "fit_s": fit_s * scale, "predict_s": pred_s, "extrapolated": scale != 1.0,
        "trained_on": n_train,
    }


def ours_gln(X_train, y_train, X_test, y_test, params, seed=0):
    clf = GLNClassifier(random_state=seed, **params)
    fit_s, _ = best_seconds_with_result(partial(clf.fit, X_train, y_train))
    pred_s, pred = best_seconds_with_result(partial(clf.predict, X_test))
    name = ("hdkit GLNClassifier()" if not params else "hdkit GLNClassifier") + (
        f" ({clf.epochs_} passes)" if clf.epochs_ > 1 else ", one pass")
    return {"model": name, "accuracy": float(np.mean(pred == y_test)), "fit_s": fit_s,
            "predict_s": pred_s, "extrapolated": False, "trained_on": len(X_train)}


def warm_up():
    """Compile (or load from cache) the numba kernels outside the timings."""
    rng = np.random.default_rng(0)
    X = rng.random((64, 8))
    y = np.arange(64) % 3
    GLNClassifier(layer_sizes=(2,)).fit(X, y).predict(X)


def gln_rows(dataset, X_train, X_test, y_train, y_test, params, reference_samples, seeds):
    rows = []
    for seed in range(seeds):
        row = ours_gln(X_train, y_train, X_test, y_test, params, seed=seed)
        row.update(dataset=dataset, seed=seed)
        rows.append(row)
        print(_fmt(row), flush=True)
    ref = reference_gln(X_train, y_train, X_test, y_test, reference_samples)
    ref.update(dataset=dataset, seed=0)
    rows.append(ref)
    print(_fmt(ref), flush=True)
    return rows


def kernel_rows(X_train, X_test, y_train, y_test):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    rows = []
    for name, est in (("sklearn StandardScaler + SVC (rbf)", make_pipeline(StandardScaler(),
                                                                             SVC())),
                      ("hdkit KernelMachineClassifier (rbf)", KernelMachineClassifier()),
                      ("hdkit KernelMachineClassifier (rbf, nystroem 500)",
                       KernelMachineClassifier(approximation="nystroem", random_state=0))):
        fit_s, _ = best_seconds_with_result(partial(est.fit, X_train, y_train))
        pred_s, pred = best_seconds_with_result(partial(est.predict, X_test))
        rows.append({"dataset": "digits", "model": name, "accuracy": float(np.mean(pred == y_test)),
                     "fit_s": fit_s, "predict_s": pred_s, "predictions": pred})
    same = bool(np.array_equal(rows[0]["predictions"], rows[1]["predictions"]))
    for row in rows:
        del row["predictions"]
    rows[1]["same_predictions_as_svc"] = same
    for row in rows:
        print(_fmt(row), flush=True)
    print(f"identical predictions (StandardScaler + SVC, KernelMachineClassifier): {same}")
    try:
        from encoders import RecordEncoder
    except ImportError as exc:  # the encoder lives in another package of hdkit
        print(f"RecordEncoder unavailable ({exc}); skipping the Hamming-kernel rows")
        return rows
    for label, km in (
        ("RecordEncoder(10240) + KernelMachine(hamming)",
         KernelMachineClassifier(kernel="hamming")),
        ("RecordEncoder(10240) + KernelMachine(hamming, normalize_hamming=False)",
         KernelMachineClassifier(kernel="hamming", normalize_hamming=False)),
        ("RecordEncoder(10240) + KernelMachine(hamming, nystroem 500)",
         KernelMachineClassifier(kernel="hamming", approximation="nystroem", random_state=0)),
    ):
        pipe = make_pipeline(RecordEncoder(dim=10240, random_state=0), km)
        fit_s, _ = best_seconds_with_result(partial(pipe.fit, X_train, y_train))
        pred_s, pred = best_seconds_with_result(partial(pipe.predict, X_test))
        row = {"dataset": "digits", "model": label, "accuracy": float(np.mean(pred == y_test)),
               "fit_s": fit_s, "predict_s": pred_s}
        rows.append(row)
        print(_fmt(row), flush=True)
    return rows


def regression_rows(seeds):
    """GLNRegressor (one pass) beside least squares and one epoch of SGD on sklearn's diabetes.

    The score column is R^2 on a fixed 25% test split (mean over ``seeds`` for the GLN).
    """
    import warnings

    from sklearn.datasets import load_diabetes
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LinearRegression, SGDRegressor
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from hdc.baselines import GLNRegressor

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    models = [
        ("sklearn LinearRegression (closed form)", [LinearRegression()]),
        ("sklearn SGDRegressor, one epoch", [make_pipeline(
            StandardScaler(), SGDRegressor(max_iter=1, tol=None, random_state=s))
            for s in range(seeds)]),
        ("hdkit GLNRegressor 16-16-1, one pass", [GLNRegressor(random_state=s)
                                                  for s in range(seeds)]),
    ]
    rows = []
    for name, estimators in models:
        scores, fit_times, predict_times = [], [], []
        for est in estimators:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit_s, _ = best_seconds_with_result(partial(est.fit, X_train, y_train))
            pred_s, pred = best_seconds_with_result(partial(est.predict, X_test))
            scores.append(1 - np.sum((y_test - pred) ** 2) / np.sum((y_test - y_test.mean()) ** 2))
            fit_times.append(fit_s)
            predict_times.append(pred_s)
        row = {"dataset": "diabetes (R^2)", "model": name, "accuracy": float(np.mean(scores)),
               "fit_s": float(np.mean(fit_times)), "predict_s": float(np.mean(predict_times))}
        rows.append(row)
        print(_fmt(row), flush=True)
    return rows


def _fmt(row):
    star = "*" if row.get("extrapolated") else " "
    return (f"{row['dataset']:14s} {row['model']:66s} {row['accuracy']:8.4f} "
            f"{row['fit_s']:9.2f}{star} {row['predict_s']:9.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-fashion", action="store_true")
    parser.add_argument("--reference-samples", type=int, default=None,
                        help="train the numpy reference GLN on Fashion-MNIST's first N samples "
                             "only and extrapolate its fit time (default: all 60,000)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of our GLN (default 3)")
    parser.add_argument("--json", default=str(HERE / "results" / "bench_baselines.json"))
    args = parser.parse_args(argv)

    warm_up()
    print(f"{'dataset':14s} {'model':66s} {'accuracy':>8s} {'fit s':>10s} {'predict s':>9s}")
    rows = []
    X_train, X_test, y_train, y_test = load_dataset("digits")
    X_train, X_test = X_train / 16.0, X_test / 16.0
    rows += gln_rows("digits", X_train, X_test, y_train, y_test, OURS_DIGITS, None, args.seeds)
    rows += kernel_rows(X_train, X_test, y_train, y_test)
    rows += regression_rows(args.seeds)
    summary = {}
    summary["digits_gln_mean_accuracy"] = float(np.mean(
        [r["accuracy"] for r in rows if r["dataset"] == "digits" and r["model"].startswith(
            "hdkit GLN")]))
    if not args.skip_fashion:
        try:
            X_train, X_test, y_train, y_test = load_dataset("fashion-mnist")
        except DatasetNotFoundError as exc:
            print(f"skipping Fashion-MNIST: {exc}")
        else:
            X_train = X_train / 255.0
            X_test = X_test / 255.0
            fashion = gln_rows("fashion-mnist", X_train, X_test, y_train, y_test, OURS_FASHION,
                               args.reference_samples, args.seeds)
            rows += fashion
            ours = [r for r in fashion if r["model"].startswith("hdkit")]
            ref = fashion[-1]
            summary["fashion_gln_mean_accuracy"] = float(np.mean([r["accuracy"] for r in ours]))
            summary["fashion_gln_mean_fit_s"] = float(np.mean([r["fit_s"] for r in ours]))
            summary["fashion_reference_fit_s"] = ref["fit_s"]
            summary["fashion_speedup"] = ref["fit_s"] / summary["fashion_gln_mean_fit_s"]
            print(f"Fashion-MNIST: ours {summary['fashion_gln_mean_accuracy']:.4f} mean of "
                  f"{len(ours)} seeds, fit {summary['fashion_gln_mean_fit_s']:.1f} s; numpy "
                  f"reference {ref['accuracy']:.4f}, fit {ref['fit_s']:.1f} s -> speed-up "
                  f"{summary['fashion_speedup']:.1f}x")
    print("(* fit time extrapolated from a subset)")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
