"""The baselines of hdc.baselines on real data: a Gated Linear Network and a kernel machine.

Models (``--model``, named as in ``hdkit compare``):

- ``gln``: :class:`hdc.baselines.GLNClassifier`. Digits: its defaults (standardised inputs,
  15 shuffled passes over the 1,347 training images, ``learning_rate_scale=10``,
  ``context_dim=4``). Fashion-MNIST: one online pass in the order given over the pixels as
  they are, hyperplanes through the mean drawn in the whitened space of the top 20 principal
  components (``partial_fit`` sample by sample is the same computation). Targets: digits
  >= 0.965; Fashion-MNIST >= 0.86.
- ``kernel``: :class:`hdc.baselines.KernelMachineClassifier` with the RBF kernel; it is
  scikit-learn's SVC after ``StandardScaler``, and the script checks that the predictions are
  identical.
- ``kernel-hamming``: ``make_pipeline(RecordEncoder(dim=10240), KernelMachineClassifier(kernel=
  "hamming"))``: an SVM on HDC record encodings through the popcount kernel, with its default
  ``C`` on the kernel normalised by its spread. Target: digits >= 0.975.

Usage::

    python examples/baselines.py                                 # GLN on digits
    python examples/baselines.py --model kernel-hamming          # HDC encoding + SVM
    python examples/baselines.py --dataset fashion-mnist         # GLN, 60k/10k, one pass

The last line is ``accuracy: 0.xxxx``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hdc.baselines import GLNClassifier, KernelMachineClassifier
from hdkit.datasets import DatasetNotFoundError, load_dataset


def load(dataset: str):
    if dataset == "digits":
        X_train, X_test, y_train, y_test = load_dataset("digits")
        return X_train / 16.0, X_test / 16.0, y_train, y_test
    X_train, X_test, y_train, y_test = load_dataset("fashion-mnist")
    return X_train / 255.0, X_test / 255.0, y_train, y_test


def make_model(name: str, dataset: str, seed: int):
    if name == "gln":
        if dataset == "digits":
            return GLNClassifier(random_state=seed)  # the defaults
        # one pass in the order given, c = 100 (Veness et al.) for 60k samples; hyperplanes
        # through the mean, drawn in the whitened space of the top 20 principal components
        return GLNClassifier(whiten=20, context_offset=0.0, scale=False, shuffle=False,
                             epochs=1, learning_rate_scale=100.0, context_dim=4,
                             random_state=seed)
    if name == "kernel":
        return KernelMachineClassifier(kernel="rbf")
    from sklearn.pipeline import make_pipeline

    from encoders import RecordEncoder

    return make_pipeline(RecordEncoder(dim=10240, random_state=seed),
                         KernelMachineClassifier(kernel="hamming"))


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("gln", "kernel", "kernel-hamming"), default="gln")
    parser.add_argument("--dataset", choices=("digits", "fashion-mnist"), default="digits")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X_train, X_test, y_train, y_test = load(args.dataset)
    model = make_model(args.model, args.dataset, args.seed)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = model.predict(X_test)
    predict_s = time.perf_counter() - start
    accuracy = float(np.mean(pred == y_test))
    print(f"{args.model} on {args.dataset}: {len(X_train)} train / {len(X_test)} test, "
          f"fit {fit_s:.2f} s, predict {predict_s:.2f} s")
    if args.model == "kernel":
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        svc = make_pipeline(StandardScaler(), SVC()).fit(X_train, y_train)
        same = np.array_equal(pred, svc.predict(X_test))
        print(f"identical predictions to StandardScaler + sklearn.svm.SVC: {same}")
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    try:
        main()
    except DatasetNotFoundError as exc:  # missing data: say how to get it, no traceback
        raise SystemExit(f"error: {exc}") from None
