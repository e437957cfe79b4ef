"""Tabular benchmark: hdkit's classifiers with their defaults beside scikit-learn's, same folds.

Every model runs on the development suite (:data:`hdkit.tabular.SUITE`: iris, wine,
breast_cancer, spam, musk, promotergene, income, digits, letter) with
``StratifiedKFold(5, shuffle=True, random_state=0)``, the same folds for every model. The table
shows the mean accuracy over folds per set, the mean accuracy over sets, the mean rank (1 =
best on a set) and the total fit time (all folds, all sets); ``--json`` writes every fold's
accuracy, balanced accuracy, fit / predict seconds and model size; ``--plot`` draws the
summary (needs matplotlib).

What each model gets (see ``hdkit.tabular.MODELS``):

- ``hdc`` ``HDClassifier()``: its defaults and the table as it is (categorical columns and
  missing values included).
- ``gln`` ``GLNClassifier()``, ``kernel`` ``KernelMachineClassifier()``: their defaults, after
  median imputation of numeric columns and one-hot categorical columns (dense) where a set has
  missing values or categorical columns (they need numbers; they standardise them).
- ``svc`` ``SVC()``, ``lr`` ``LogisticRegression(max_iter=1000)``, ``knn``
  ``KNeighborsClassifier()``: median imputation and ``StandardScaler`` on numeric columns,
  one-hot categoricals (a missing value is a category of its own).
- ``rf`` ``RandomForestClassifier(200)``: median imputation, one-hot categoricals.
- ``hgb`` ``HistGradientBoostingClassifier()``: NaN handled natively, categoricals as native
  categories (ordinal codes).

A model name ``NAME:param=value;param=value`` is model ``NAME`` with those parameters set on
its estimator (the last step of its pipeline), e.g. ``gln:context_dim=4`` or
``hdc:average=False;dim=20000``: the ablations of docs/tabular.md.

Usage::

    python benchmarks/bench_tabular.py                          # everything (about 20 minutes)
    python benchmarks/bench_tabular.py --quick                  # 3 folds, letter cut to 4,000 rows
    python benchmarks/bench_tabular.py --models hdc,svc,rf --datasets iris,wine --json out.json
    python benchmarks/bench_tabular.py --plot tabular.png
    python benchmarks/bench_tabular.py --learning-curve --models hdc,svc,rf,hgb  # 100-100,000 rows
    python benchmarks/bench_tabular.py --models "gln,gln:context_dim=4,lr"    # an ablation
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import machine_info, write_json  # noqa: E402

from hdkit import tabular  # noqa: E402

DEFAULT_MODELS = ("hdc", "gln", "kernel", "svc", "lr", "rf", "hgb", "knn")
QUICK_ROWS = 4000  # --quick: larger sets are cut to this many rows (stratified)


def _subsample(table: tabular.Table, rows: int, seed: int) -> tabular.Table:
    """A stratified random subset of ``rows`` rows, in the original order."""
    if table.n_rows <= rows:
        return table
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(table.n_rows), train_size=rows, stratify=table.y,
                               random_state=seed)
    keep = np.sort(keep)
    return replace(table, X=table.X[keep], y=table.y[keep])


def _synthetic(n_rows: int = 125_000) -> tabular.Table:
    """4 classes, 20 features of which 5 rescaled by 1, 10, 100, 1000 and 0.01."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n_rows, n_features=20, n_informative=12,
                               n_redundant=4, n_classes=4, n_clusters_per_class=2, flip_y=0.02,
                               random_state=0)
    X[:, :5] *= np.array([1.0, 10.0, 100.0, 1000.0, 0.01])
    return tabular.Table("synthetic", X, y, tuple(f"x{j}" for j in range(20)),
                         np.zeros(20, dtype=bool))


def learning_curve(models: list[str], data_dir: str | None, threads: int | None) -> list[dict]:
    """Accuracy and fit time against the number of training rows.

    Letter: stratified subsets of rows 1-16,000, scored on rows 16,001-20,000; a synthetic set:
    the first n of 100,000 rows, scored on 25,000 more. SVC stops at 10,000 synthetic rows.
    """
    from sklearn.model_selection import train_test_split

    letter = tabular.load_suite_dataset("letter", data_dir)
    synthetic = _synthetic()
    plans = [(letter, 16000, [100, 300, 1000, 3000, 10000, 16000]),
             (synthetic, 100000, [1000, 10000, 100000])]
    rows = []
    for table, split, sizes in plans:
        X_pool, y_pool = table.X[:split], table.y[:split]
        X_test, y_test = table.X[split:], table.y[split:]
        for n in sizes:
            if n < split:
                keep, _ = train_test_split(np.arange(split), train_size=n, stratify=y_pool,
                                           random_state=0)
                X_train, y_train = X_pool[keep], y_pool[keep]
            else:
                X_train, y_train = X_pool, y_pool
            for name in models:
                if name == "svc" and n > 10000:
                    continue
                model = tabular.build_model(name, table, 0)
                with tabular.limited_threads(threads):
                    start = time.perf_counter()
                    model.fit(X_train, y_train)
                    fit = time.perf_counter() - start
                    accuracy = float(np.mean(model.predict(X_test) == y_test))
                rows.append({"dataset": table.name, "n_train": int(n), "model": name,
                             "accuracy": accuracy, "fit_seconds": fit})
                print(f"{table.name:<10}{n:>8}  {name:<12}accuracy {accuracy:.4f}  "
                      f"fit {fit:8.2f} s", flush=True)
    return rows


def _names(text: str, known: tuple[str, ...] | dict, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known and n.partition(":")[0] not in known]
    if unknown or not names:
        raise SystemExit(
            f"unknown {what}: {unknown or text!r}; expected some of {', '.join(known)}"
        )
    return names


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def register_variant(name: str) -> None:
    """``FAMILY:param=value;...``: the model FAMILY with those parameters set on its estimator
    (the last step of its pipeline), added to :data:`hdkit.tabular.MODELS`."""
    family, _, rest = name.partition(":")
    params = {}
    for item in filter(None, rest.split(";")):
        key, _, value = item.partition("=")
        params[key.strip()] = _value(value.strip())
    base = tabular.MODELS[family]

    def build(table: tabular.Table, seed: int):
        model = base.build(table, seed)
        estimator = model.steps[-1][1] if hasattr(model, "steps") else model
        estimator.set_params(**params)
        return model

    description = f"{base.description} with {params}"
    tabular.register_model(tabular.ModelSpec(name, description, build, base.preprocessing))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma-separated model names (default: %(default)s)")
    parser.add_argument("--datasets", default=",".join(tabular.SUITE),
                        help="comma-separated sets of the suite (default: all)")
    parser.add_argument("--folds", type=int, default=5, help="stratified folds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds and the models")
    parser.add_argument("--model-seed", type=int, default=None,
                        help="seed of the models only (default: --seed), on the folds of --seed")
    parser.add_argument("--quick", action="store_true",
                        help=f"3 folds and sets cut to {QUICK_ROWS} rows (a screen, not a result)")
    parser.add_argument("--json", metavar="OUT", help="write every fold's scores to OUT")
    parser.add_argument("--plot", metavar="OUT.png", help="draw the summary (needs matplotlib)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of every model (BLAS, OpenMP, numba); 0: library defaults "
                             "(default 1: every model on one thread, as RandomForest(n_jobs=1))")
    parser.add_argument("--learning-curve", action="store_true",
                        help="instead of the suite: accuracy and fit time from 100 to 100,000 "
                             "training rows (letter subsets and a synthetic set)")
    parser.add_argument("--data-dir", help="the shared data folder (default: found as usual)")
    args = parser.parse_args(argv)

    models = _names(args.models, tabular.MODELS, "models")
    datasets = _names(args.datasets, tabular.SUITE, "datasets")
    for name in models:
        if name not in tabular.MODELS:
            register_variant(name)
    threads = args.threads if args.threads > 0 else None
    if args.learning_curve:
        rows = learning_curve(models, args.data_dir, threads)
        if args.json:
            write_json({"command": " ".join(sys.argv), "date": time.strftime("%Y-%m-%d %H:%M"),
                        "threads": threads, "machine": machine_info(), "learning_curve": rows},
                       args.json)
        return 0
    folds = 3 if args.quick else args.folds
    tables = tabular.load_suite(datasets, args.data_dir)
    if args.quick:
        tables = [_subsample(t, QUICK_ROWS, args.seed) for t in tables]
    for t in tables:
        print(t.describe())
    for m in models:
        spec = tabular.MODELS[m]
        print(f"{m}: {spec.description}; preprocessing: {spec.preprocessing or 'none'}")
    print()
    start = time.perf_counter()
    results = tabular.run_benchmark(models, tables, folds, args.seed, log=print, threads=threads,
                                    model_seed=args.model_seed)
    elapsed = time.perf_counter() - start
    summary = tabular.summarize(results)
    print()
    model_seed = args.seed if args.model_seed is None else args.model_seed
    print(f"{folds}-fold stratified CV (seed {args.seed}; model seed {model_seed}); accuracy = "
          f"mean over folds; threads per model: {threads or 'library defaults'}")
    print(tabular.format_summary(summary))
    print(f"\nwall time {elapsed:.0f} s")
    if args.json:
        write_json({
            "command": " ".join(sys.argv),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "folds": folds, "seed": args.seed, "model_seed": model_seed, "quick": args.quick,
            "threads": threads,
            "models": {m: {"description": tabular.MODELS[m].description,
                           "preprocessing": tabular.MODELS[m].preprocessing} for m in models},
            "datasets": {t.name: t.describe() for t in tables},
            "machine": machine_info(),
            "summary": summary.as_dict(),
            "folds_scores": [asdict(r) for r in results],
        }, args.json)
        print(f"wrote {args.json}")
    if args.plot:
        tabular.plot_results(summary, args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
