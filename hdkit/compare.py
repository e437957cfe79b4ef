"""Side-by-side comparison of hdkit's classifiers on one dataset and one split.

Used by ``hdkit compare`` and ``hdkit demo``: every model sees the same training and test data
(the dataset's documented split), and the table reports accuracy, fit and predict seconds and
the size of the pickled model.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hdkit.datasets import DATASETS, load_dataset

__all__ = ["MODELS", "ComparisonRow", "build_model", "run_comparison", "format_table", "plot"]

MODELS = ("hdc", "kernel", "gln")

# GLN settings per dataset, measured in docs/baselines.md (digits: the defaults)
_GLN_SETTINGS = {
    "letter": {"context_dim": 8, "layer_sizes": (64, 32)},
    "fashion-mnist": {"whiten": 20, "context_offset": 0.0},
}


@dataclass
class ComparisonRow:
    """One model's result on one dataset."""

    dataset: str
    model: str
    description: str
    accuracy: float | None
    fit_seconds: float | None
    predict_seconds: float | None
    model_bytes: int | None
    n_train: int
    n_test: int
    note: str = ""


def _text_encoder(dim: int, random_state: int) -> Any:
    """The n-gram encoder of examples/language_id.py (settings measured in docs/text.md)."""
    from encoders import NGramEncoder

    return NGramEncoder(dim=dim, ngram_range=(1, 4), weighting="idf", random_state=random_state)


def build_model(name: str, dataset: str, dim: int, random_state: int = 0) -> tuple[Any, str]:
    """The estimator that stands for ``name`` on ``dataset``, and a one-line description.

    Raises ``ValueError`` for an unknown model and ``NotImplementedError`` when a model does not
    apply to a dataset (a GLN on raw text).
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    text = dataset == "langid"
    large = dataset in ("fashion-mnist", "langid")
    if name == "hdc":
        from hdc.classifier import HDClassifier

        if text:
            encoder = _text_encoder(dim, random_state)
            clf = HDClassifier(epochs=10, margin=0.03, random_state=random_state)
            return make_pipeline(encoder, clf), f"NGramEncoder(1-4, idf, D={dim}) + HDClassifier"
        if dataset == "fashion-mnist":
            from encoders import ConvolutionEncoder

            # the image encoder and step of examples/fashion_mnist.py (docs/learning.md)
            encoder = ConvolutionEncoder(dim=dim, image_shape=(28, 28), random_state=random_state)
            clf = HDClassifier(encoder=encoder, lr=16, margin=0.03, random_state=random_state)
            return clf, f"ConvolutionEncoder(D={dim}) + HDClassifier"
        return HDClassifier(dim=dim, random_state=random_state), f"HDClassifier(D={dim})"
    if name == "kernel":
        from hdc.baselines import KernelMachineClassifier

        approximation = "nystroem" if large else None
        if text:
            encoder = _text_encoder(dim, random_state)
            svm = KernelMachineClassifier(
                kernel="hamming", approximation="nystroem", random_state=random_state
            )
            label = f"NGramEncoder(D={dim}) + hamming-kernel SVM (Nystroem)"
            return make_pipeline(encoder, svm), label
        svm = KernelMachineClassifier(
            kernel="rbf", approximation=approximation, random_state=random_state
        )
        label = "RBF SVM" + (" (Nystroem)" if approximation else " (SVC)")
        return make_pipeline(StandardScaler(), svm), label
    if name == "gln":
        if text:
            raise NotImplementedError("a GLN needs numeric features; it does not apply to raw text")
        from hdc.baselines import GLNClassifier

        params = _GLN_SETTINGS.get(dataset, {})
        model = GLNClassifier(random_state=random_state, **params)
        layers = "-".join(str(n) for n in model.layer_sizes)
        return model, f"GLN {layers} one-vs-all"
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")


def _subsample(X: Any, y: np.ndarray, limit: int | None, seed: int) -> tuple[Any, np.ndarray]:
    if limit is None or limit >= len(y):
        return X, y
    index = np.sort(np.random.default_rng(seed).permutation(len(y))[:limit])
    if isinstance(X, list):
        return [X[i] for i in index], y[index]
    return X[index], y[index]


def run_comparison(
    dataset: str,
    models: Sequence[str] = MODELS,
    dim: int = 10000,
    path: str | None = None,
    random_state: int = 0,
    max_train: int | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> list[ComparisonRow]:
    """Fit and score each model on the same split of ``dataset``.

    Parameters
    ----------
    dataset : {"digits", "letter", "langid", "fashion-mnist"}
    models : sequence of {"hdc", "kernel", "gln"}
    dim : int
        Hypervector size of the HDC models.
    path : str, optional
        Where the dataset lives, when not at its documented default location.
    random_state : int
        Seed of every model.
    max_train : int, optional
        Fit on a random subset of this many training samples (the test set stays whole).
    progress : bool
        Show a progress bar over the models (needs ``tqdm``).
    log : callable, optional
        Receives a line of text as each model finishes.

    Examples
    --------
    >>> from hdkit.compare import run_comparison
    >>> rows = run_comparison("digits", ["hdc"], dim=1024)  # doctest: +SKIP
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise ValueError(f"models must be a non-empty subset of {', '.join(MODELS)}, got {models}")
    X_train, X_test, y_train, y_test = load_dataset(dataset, path)
    X_train, y_train = _subsample(X_train, y_train, max_train, random_state)
    steps: Any = models
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("progress bars need tqdm: pip install 'hdkit[progress]'") from exc
        steps = tqdm(models, desc=f"compare {dataset}", unit="model")
    rows = []
    for name in steps:
        try:
            model, description = build_model(name, dataset, dim, random_state)
        except NotImplementedError as exc:
            row = ComparisonRow(dataset, name, "", None, None, None, None, len(y_train),
                                len(y_test), note=str(exc))
        else:
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            predicted = model.predict(X_test)
            predict_seconds = time.perf_counter() - start
            row = ComparisonRow(
                dataset, name, description, float(np.mean(predicted == y_test)), fit_seconds,
                predict_seconds, len(pickle.dumps(model)), len(y_train), len(y_test),
            )
        rows.append(row)
        if log is not None:
            log(format_table([row], header=False))
    return rows


def format_table(rows: Sequence[ComparisonRow], header: bool = True) -> str:
    """The rows as an aligned text table."""
    lines = []
    if header:
        lines.append(
            f"{'dataset':<14}{'model':<8}{'accuracy':>9}{'fit s':>9}{'predict s':>11}"
            f"{'model KB':>10}  description"
        )
    for r in rows:
        if r.accuracy is None:
            lines.append(f"{r.dataset:<14}{r.model:<8}{'n/a':>9}{'':>9}{'':>11}{'':>10}  {r.note}")
            continue
        lines.append(
            f"{r.dataset:<14}{r.model:<8}{r.accuracy:>9.4f}{r.fit_seconds:>9.2f}"
            f"{r.predict_seconds:>11.3f}{r.model_bytes / 1024:>10.1f}  {r.description}"
        )
    return "\n".join(lines)


def rows_as_dicts(rows: Sequence[ComparisonRow]) -> list[dict]:
    return [asdict(r) for r in rows]


def plot(rows: Sequence[ComparisonRow], output: str) -> None:
    """Grouped bar chart of accuracy and fit time per model, written to ``output`` (PNG)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("--plot needs matplotlib: pip install 'hdkit[plot]'") from exc
    done = [r for r in rows if r.accuracy is not None]
    datasets = sorted({r.dataset for r in done})
    models = [m for m in MODELS if any(r.model == m for r in done)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.8 / max(1, len(models))
    for k, model in enumerate(models):
        acc = [next((r.accuracy for r in done if r.model == model and r.dataset == d), 0.0)
               for d in datasets]
        fit = [next((r.fit_seconds for r in done if r.model == model and r.dataset == d), 0.0)
               for d in datasets]
        positions = np.arange(len(datasets)) + k * width
        axes[0].bar(positions, acc, width, label=model)
        axes[1].bar(positions, fit, width, label=model)
    for ax, title in zip(axes, ("test accuracy", "fit seconds"), strict=True):
        ax.set_xticks(np.arange(len(datasets)) + width * (len(models) - 1) / 2, datasets)
        ax.set_title(title)
        ax.legend()
    axes[0].set_ylim(min([r.accuracy for r in done] + [1.0]) - 0.05, 1.0)
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)
