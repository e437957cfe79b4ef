"""Side-by-side comparison of hdkit's classifiers on one dataset and one split, or
cross-validated on a user's own table.

Used by ``hdkit compare`` and ``hdkit demo``: every model sees the same training and test data
(the dataset's documented split), and the table reports accuracy, fit and predict seconds and
the size of the pickled model. :func:`compare_table` (``hdkit compare --data FILE``) runs the
models of :data:`hdkit.tabular.MODELS` on the same stratified folds of a table, as the tabular
benchmark does.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

from hdkit._catalog import MODELS as _MODEL_DESCRIPTIONS
from hdkit.datasets import DATASETS, load_dataset

__all__ = [
    "MODELS",
    "CVRow",
    "ComparisonRow",
    "Split",
    "build_model",
    "compare_models",
    "compare_table",
    "format_cv_table",
    "format_table",
    "load_split",
    "plot",
    "rows_as_dicts",
    "run_comparison",
]

MODELS = tuple(_MODEL_DESCRIPTIONS)

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


def _text_encoder(dim: int, random_state: int, verbose: bool) -> Any:
    """The n-gram encoder of examples/language_id.py (settings measured in docs/text.md)."""
    from encoders import NGramEncoder

    return NGramEncoder(
        dim=dim, ngram_range=(1, 4), weighting="idf", random_state=random_state, verbose=verbose
    )


def build_model(
    name: str, dataset: str, dim: int, random_state: int = 0, *, verbose: bool = False
) -> tuple[Any, str]:
    """The estimator that stands for ``name`` on ``dataset``, and a one-line description.

    The description holds ``{dim}`` where the hypervector size goes: estimators round ``dim``
    up to a multiple of 64, so the caller fills in the size the fitted model uses
    (:func:`fitted_dim`). ``verbose`` turns on the progress bars of the HDC estimators
    (encoding chunks, retraining epochs).

    Raises ``ValueError`` for an unknown model and ``NotImplementedError`` when a model does not
    apply to a dataset (a GLN on raw text).
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    text = dataset == "langid"
    large = dataset in ("fashion-mnist", "langid")
    if name == "hdc":
        from hdc import HDClassifier

        settings = {"random_state": random_state, "verbose": verbose}
        if text:
            encoder = _text_encoder(dim, random_state, verbose)
            clf = HDClassifier(epochs=10, margin=0.03, **settings)
            return make_pipeline(encoder, clf), "NGramEncoder(1-4, idf, D={dim}) + HDClassifier"
        if dataset == "fashion-mnist":
            from encoders import ConvolutionEncoder

            # the image encoder and step of examples/fashion_mnist.py (docs/learning.md)
            encoder = ConvolutionEncoder(
                dim=dim, image_shape=(28, 28), random_state=random_state, verbose=verbose
            )
            clf = HDClassifier(encoder=encoder, lr=16, margin=0.03, **settings)
            return clf, "ConvolutionEncoder(D={dim}) + HDClassifier"
        return HDClassifier(dim=dim, **settings), "HDClassifier(D={dim})"
    if name == "kernel":
        from hdc.baselines import KernelMachineClassifier

        approximation = "nystroem" if large else None
        if text:
            encoder = _text_encoder(dim, random_state, verbose)
            svm = KernelMachineClassifier(
                kernel="hamming", approximation="nystroem", random_state=random_state
            )
            label = "NGramEncoder(D={dim}) + hamming-kernel SVM (Nystroem)"
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


def fitted_dim(model: Any) -> int | None:
    """The hypervector size a fitted model (or the first step of a pipeline that has one) uses."""
    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    for step in steps:
        dim = getattr(step, "dim_", None)
        if dim is not None:
            return int(dim)
    return None


class Split(NamedTuple):
    """A dataset's training and test data."""

    X_train: Any
    X_test: Any
    y_train: np.ndarray
    y_test: np.ndarray


def load_split(
    dataset: str, *, path: str | None = None, max_train: int | None = None, random_state: int = 0
) -> Split:
    """The documented split of ``dataset``, the training part cut to ``max_train`` samples.

    Raises :class:`hdkit.datasets.DatasetNotFoundError` when the data is missing, and
    ``ValueError`` for a bad ``max_train`` or one that leaves a single class.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    if max_train is not None and max_train < 1:
        raise ValueError(f"max_train must be a positive number of samples, got {max_train}")
    X_train, X_test, y_train, y_test = load_dataset(dataset, path=path)
    if max_train is not None and max_train < len(y_train):
        index = np.sort(np.random.default_rng(random_state).permutation(len(y_train))[:max_train])
        X_train = [X_train[i] for i in index] if isinstance(X_train, list) else X_train[index]
        y_train = y_train[index]
        if len(np.unique(y_train)) < 2:
            raise ValueError(
                f"a training set of {max_train} samples holds a single class of {dataset}; "
                "take more samples (max_train, --max-train)"
            )
    return Split(X_train, X_test, y_train, y_test)


def compare_models(
    dataset: str,
    split: Split,
    models: Sequence[str] = MODELS,
    *,
    dim: int = 10000,
    random_state: int = 0,
    progress: bool = False,
    log: Callable[[ComparisonRow], None] | None = None,
) -> list[ComparisonRow]:
    """Fit each model on ``split``'s training data and score it on the test data.

    Parameters
    ----------
    dataset : str
        The dataset's name: it picks each model's settings.
    split : Split
        From :func:`load_split`.
    models : sequence of {"hdc", "kernel", "gln"}
    dim : int
        Hypervector size of the HDC models (rounded up to a multiple of 64 by the estimators;
        each row's description states the size used).
    random_state : int
        Seed of every model.
    progress : bool
        Show progress bars (needs ``tqdm``): one over the models, and the HDC estimators' bars
        over encoding chunks and retraining epochs. The bars write to stderr; print the table
        after this returns so that they never mix with it.
    log : callable, optional
        Receives each row as its model finishes.
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise ValueError(f"models must be a non-empty subset of {', '.join(MODELS)}, got {models}")
    steps: Any = models
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(models, desc=f"compare on {dataset}", unit="model")
    rows = []
    for name in steps:
        if progress:
            steps.set_postfix_str(name)
        rows.append(_fit_and_score(name, dataset, split, dim, random_state, progress))
        if log is not None:
            log(rows[-1])
    return rows


def _fit_and_score(
    name: str, dataset: str, split: Split, dim: int, random_state: int, verbose: bool
) -> ComparisonRow:
    n_train, n_test = len(split.y_train), len(split.y_test)
    try:
        model, description = build_model(name, dataset, dim, random_state, verbose=verbose)
    except NotImplementedError as exc:
        return ComparisonRow(dataset, name, "", None, None, None, None, n_train, n_test,
                             note=str(exc))
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(split.X_test)
    predict_seconds = time.perf_counter() - start
    return ComparisonRow(
        dataset, name, description.format(dim=fitted_dim(model)),
        float(np.mean(predicted == split.y_test)), fit_seconds, predict_seconds,
        len(pickle.dumps(model)), n_train, n_test,
    )


def run_comparison(
    dataset: str,
    models: Sequence[str] = MODELS,
    dim: int = 10000,
    path: str | None = None,
    random_state: int = 0,
    max_train: int | None = None,
    progress: bool = False,
    log: Callable[[ComparisonRow], None] | None = None,
) -> list[ComparisonRow]:
    """Load ``dataset`` (:func:`load_split`) and compare ``models`` on it (:func:`compare_models`).

    Examples
    --------
    >>> from hdkit.compare import format_table, run_comparison
    >>> rows = run_comparison("digits", ["hdc"], dim=1024)  # doctest: +SKIP
    >>> print(format_table(rows))  # doctest: +SKIP
    """
    split = load_split(dataset, path=path, max_train=max_train, random_state=random_state)
    return compare_models(
        dataset, split, models, dim=dim, random_state=random_state, progress=progress, log=log
    )


_COLUMNS = (
    f"{'dataset':<14}{'model':<8}{'accuracy':>9}{'fit s':>9}{'predict s':>11}"
    f"{'model KB':>10}  description"
)


def format_table(rows: Sequence[ComparisonRow], header: bool = True) -> str:
    """The rows as an aligned text table for people (rounded; the JSON keeps every digit)."""
    lines = [_COLUMNS] if header else []
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
    """The rows as plain dicts, every value at full precision (for JSON)."""
    return [asdict(r) for r in rows]


def plot(rows: Sequence[ComparisonRow], output: str) -> None:
    """Bar charts of test accuracy (axis from 0) and fit seconds per model, written as a PNG.

    Each bar carries its value; rows of several datasets are grouped by dataset. Rows without
    a result (a model that does not apply) are left out. Needs matplotlib.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in rows if r.accuracy is not None]
    if not done:
        raise ValueError("no row has a result to plot")
    datasets = list(dict.fromkeys(r.dataset for r in done))
    models = [m for m in MODELS if any(r.model == m for r in done)]
    colours = dict(zip(models, plt.get_cmap("tab10").colors, strict=False))
    fig, (acc_ax, fit_ax) = plt.subplots(1, 2, figsize=(10, 4.4))
    width = 0.8 / len(models)
    for k, model in enumerate(models):
        chosen = [(i, r) for i, d in enumerate(datasets) for r in done
                  if r.dataset == d and r.model == model]
        positions = [i + (k - (len(models) - 1) / 2) * width for i, _ in chosen]
        for ax, values, label in (
            (acc_ax, [r.accuracy for _, r in chosen], "{:.3f}"),
            (fit_ax, [r.fit_seconds for _, r in chosen], "{:.2f} s"),
        ):
            bars = ax.bar(positions, values, width * 0.9, label=model, color=colours[model])
            ax.bar_label(bars, labels=[label.format(v) for v in values], padding=2, fontsize=9)
    if len(datasets) == 1:  # one group: name each bar by its model
        ticks = [(k - (len(models) - 1) / 2) * width for k in range(len(models))]
        names = models
        r = done[0]
        fig.suptitle(f"hdkit compare on {r.dataset}: {r.n_train:,} training and "
                     f"{r.n_test:,} test samples, the same for every model")
    else:
        ticks, names = list(range(len(datasets))), datasets
        fig.suptitle("hdkit compare: every model on the same split of each dataset")
        fig.legend(*acc_ax.get_legend_handles_labels(), title="model", loc="lower center",
                   ncol=len(models), frameon=False)
    acc_ax.set_ylim(0, 1.08)
    acc_ax.set_yticks(np.linspace(0, 1, 6))
    acc_ax.set_ylabel("accuracy (axis from 0)")
    acc_ax.set_title("test accuracy")
    fit_ax.set_ylim(0, max(r.fit_seconds for r in done) * 1.15)
    fit_ax.set_ylabel("seconds")
    fit_ax.set_title("fit time")
    for ax in (acc_ax, fit_ax):
        ax.set_xticks(ticks, names)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(rect=(0, 0.08 if len(datasets) > 1 else 0, 1, 1))
    fig.savefig(output, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------- a user's own table
@dataclass
class CVRow:
    """One model cross-validated on a table: means over the folds."""

    dataset: str
    model: str
    description: str
    accuracy: float
    accuracy_std: float
    balanced_accuracy: float
    fit_seconds: float
    predict_seconds: float
    model_bytes: float
    n_rows: int
    n_folds: int


def compare_table(
    table: Any,
    models: Sequence[str],
    *,
    n_splits: int = 5,
    random_state: int = 0,
    dim: int | None = None,
    threads: int | None = 1,
    progress: bool = False,
    log: Callable[[CVRow], None] | None = None,
) -> tuple[list[CVRow], list[Any]]:
    """Cross-validate ``models`` (names of :data:`hdkit.tabular.MODELS`) on ``table``, every
    model on the same stratified folds.

    The folds and the models are those of :func:`hdkit.tabular.run_benchmark` (the tabular
    benchmark) for the same ``n_splits`` and ``random_state``, so the numbers are the
    benchmark's. ``dim``, when given, sets the hypervector size of the ``hdc`` model.
    ``threads`` limits every library while fitting and predicting
    (:func:`hdkit.tabular.limited_threads`; None: each library's default); the benchmark
    runs on one thread.

    Returns
    -------
    rows : list of CVRow
        One per model: mean accuracy and its standard deviation over folds, mean balanced
        accuracy, mean fit and predict seconds per fold, mean size of the pickled model.
    folds : list of hdkit.tabular.FoldScore
        Every model on every fold.
    """
    from dataclasses import replace

    from hdkit import tabular

    unknown = [m for m in models if m not in tabular.MODELS]
    if unknown or not models:
        raise ValueError(
            f"models must be a non-empty subset of {', '.join(tabular.MODELS)}, got {models}"
        )
    folds = tabular.stratified_folds(table.y, n_splits, random_state)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(models) * len(folds), desc=f"compare on {table.name}",
                   unit="fold")
    rows: list[CVRow] = []
    scores: list[Any] = []
    try:
        for name in models:
            build = tabular.MODELS[name].build
            if name == "hdc" and dim is not None:
                build = _with_dim(build, dim)
            if bar is not None:
                bar.set_postfix_str(name)
            done = []
            for k, fold in enumerate(folds):
                (score,) = tabular.cross_validate(build, table, [fold], random_state=random_state,
                                                  model_name=name, threads=threads)
                done.append(replace(score, fold=k))
                if bar is not None:
                    bar.update()
            scores.extend(done)
            rows.append(_cv_row(table, name, done, dim))
            if log is not None:
                log(rows[-1])
    finally:
        if bar is not None:
            bar.close()
    return rows, scores


def _with_dim(build: Callable[[Any, int], Any], dim: int) -> Callable[[Any, int], Any]:
    def build_with_dim(table: Any, seed: int) -> Any:
        return build(table, seed).set_params(dim=dim)

    return build_with_dim


def _cv_row(table: Any, name: str, scores: Sequence[Any], dim: int | None) -> CVRow:
    from hdkit import tabular

    accuracy = np.array([s.accuracy for s in scores])
    description = tabular.MODELS[name].description
    if name == "hdc" and dim is not None:
        description = f"HDClassifier(dim={dim})"
    n = len(scores)
    return CVRow(
        table.name, name, description, float(accuracy.mean()), float(accuracy.std()),
        float(np.mean([s.balanced_accuracy for s in scores])),
        float(sum(s.fit_seconds for s in scores) / n),
        float(sum(s.predict_seconds for s in scores) / n),
        float(np.mean([s.model_bytes for s in scores])), table.n_rows, n,
    )


_CV_COLUMNS = (
    f"{'model':<8}{'accuracy':>17}{'balanced':>10}{'fit s':>9}{'predict s':>11}"
    f"{'model KB':>10}  description"
)


def format_cv_table(rows: Sequence[CVRow], header: bool = True) -> str:
    """The rows as an aligned table: mean accuracy +- standard deviation over folds, mean
    balanced accuracy, mean fit and predict seconds per fold, model size."""
    lines = [_CV_COLUMNS] if header else []
    for r in rows:
        accuracy = f"{r.accuracy:.4f} ± {r.accuracy_std:.4f}"
        lines.append(
            f"{r.model:<8}{accuracy:>17}{r.balanced_accuracy:>10.4f}{r.fit_seconds:>9.2f}"
            f"{r.predict_seconds:>11.3f}{r.model_bytes / 1024:>10.1f}  {r.description}"
        )
    return "\n".join(lines)
