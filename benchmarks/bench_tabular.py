"""Tabular benchmark: hdkit's classifiers with their defaults beside scikit-learn's, same folds.

Every model runs on the development suite (:data:`hdkit.tabular.SUITE`: iris, wine,
breast_cancer, spam, musk, promotergene, income, digits, letter) with
``StratifiedKFold(5, shuffle=True, random_state=0)``, the same folds for every model. The table
shows the mean accuracy over folds per set, the mean accuracy over sets, the mean rank (1 =
best on a set) and the total fit time (all folds, all sets); ``--json`` writes every fold's
accuracy, balanced accuracy, fit / predict seconds and model size; ``--plot`` draws the
summary (needs matplotlib).

What each model gets (see ``hdkit.tabular.MODELS``):

- ``hdc`` ``HDClassifier()``, ``gln`` ``GLNClassifier()``, ``kernel``
  ``KernelMachineClassifier()``: their defaults, after median imputation of numeric columns and
  one-hot categorical columns (dense) where a set has missing values or categorical columns;
  no scaling.
- ``svc`` ``SVC()``, ``lr`` ``LogisticRegression(max_iter=1000)``, ``knn``
  ``KNeighborsClassifier()``: median imputation and ``StandardScaler`` on numeric columns,
  one-hot categoricals (a missing value is a category of its own).
- ``rf`` ``RandomForestClassifier(200)``: median imputation, one-hot categoricals.
- ``hgb`` ``HistGradientBoostingClassifier()``: NaN handled natively, categoricals as native
  categories (ordinal codes).

``--proto`` adds the prototypes of issue 12 (``benchmarks/_tabular_proto.py``): any model name
of the form ``hdc:encoder=record;n_levels=32`` (see ``_tabular_proto.build_variant``).

Usage::

    python benchmarks/bench_tabular.py                          # everything (about 20 minutes)
    python benchmarks/bench_tabular.py --quick                  # 3 folds, letter cut to 4,000 rows
    python benchmarks/bench_tabular.py --models hdc,svc,rf --datasets iris,wine --json out.json
    python benchmarks/bench_tabular.py --plot tabular.png
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


def _names(text: str, known: tuple[str, ...] | dict, what: str, allow_variants: bool) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known and not (allow_variants and ":" in n)]
    if unknown or not names:
        raise SystemExit(
            f"unknown {what}: {unknown or text!r}; expected some of {', '.join(known)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma-separated model names (default: %(default)s)")
    parser.add_argument("--datasets", default=",".join(tabular.SUITE),
                        help="comma-separated sets of the suite (default: all)")
    parser.add_argument("--folds", type=int, default=5, help="stratified folds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds and the models")
    parser.add_argument("--quick", action="store_true",
                        help=f"3 folds and sets cut to {QUICK_ROWS} rows (a screen, not a result)")
    parser.add_argument("--proto", action="store_true",
                        help="allow prototype variants (benchmarks/_tabular_proto.py)")
    parser.add_argument("--json", metavar="OUT", help="write every fold's scores to OUT")
    parser.add_argument("--plot", metavar="OUT.png", help="draw the summary (needs matplotlib)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of every model (BLAS, OpenMP, numba); 0: library defaults "
                             "(default 1: every model on one thread, as RandomForest(n_jobs=1))")
    parser.add_argument("--data-dir", help="the shared data folder (default: found as usual)")
    args = parser.parse_args(argv)

    models = _names(args.models, tabular.MODELS, "models", args.proto)
    datasets = _names(args.datasets, tabular.SUITE, "datasets", False)
    if args.proto:
        import _tabular_proto

        _tabular_proto.register_variants([m for m in models if m not in tabular.MODELS])
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
    threads = args.threads if args.threads > 0 else None
    results = tabular.run_benchmark(models, tables, folds, args.seed, log=print, threads=threads)
    elapsed = time.perf_counter() - start
    summary = tabular.summarize(results)
    print()
    print(f"{folds}-fold stratified CV (seed {args.seed}); accuracy = mean over folds; "
          f"threads per model: {threads or 'library defaults'}")
    print(tabular.format_summary(summary))
    print(f"\nwall time {elapsed:.0f} s")
    if args.json:
        write_json({
            "command": " ".join(sys.argv),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "folds": folds, "seed": args.seed, "quick": args.quick, "threads": threads,
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
