"""The ``hdkit`` command: ``info``, ``data``, ``compare``, ``fit``, ``predict``, ``match``,
``demo`` and ``warmup``.

The CLI is the top layer of hdkit: it may import from every package, and nothing imports it.
Each subcommand is an ``_add_<name>(subparsers)`` function, listed in :data:`SUBCOMMANDS`, that
declares its options (each with a help text that states its default) and the function that
runs it. The machinery they share is in :mod:`hdkit._command`: an expected failure raises
``CommandError`` and ends as one ``hdkit: error: ...`` line with exit status 2; bad option
values are rejected while parsing, before any work starts. Modules are imported inside the
subcommands, so that ``hdkit --help`` answers at once.
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import time
from collections.abc import Callable, Sequence

from hdkit import _catalog
from hdkit._command import (
    ArgumentParser,
    CommandError,
    described,
    existing_file,
    expected,
    fail,
    names_list,
    non_negative_int,
    output_file,
    positive_int,
    require_module,
    run,
    seconds,
    subset_of,
    text_encoding,
    write_json,
)

DATA_HELP = """\
data: the shared data folder is $HDKIT_DATA when that is set, else shared/data in
the working directory or a folder above it, or beside the source checkout.
Fashion-MNIST also comes from Debian's package:
  sudo apt-get install -y dataset-fashion-mnist
`hdkit data` shows what is found where."""


# ------------------------------------------------------------------ info
def _cpu_flags() -> list[str]:
    """SIMD features of this CPU that matter to hdkit's kernels (Linux /proc/cpuinfo)."""
    wanted = ("popcnt", "avx2", "avx512f", "avx512bw", "avx512_vpopcntdq", "bmi2", "neon", "asimd")
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def collect_info() -> dict:
    """Versions, numba's threading set-up and CPU features, as a dict."""
    from importlib import metadata

    import numba
    import numpy as np

    import hdc

    info: dict = {
        "hdkit": hdc.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_features": _cpu_flags(),
    }
    for name in ("scipy", "scikit-learn", "opencv-python-headless", "scikit-image", "dask",
                 "distributed", "tqdm", "matplotlib", "bhv"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = None
    # numba only knows its threading layer once a parallel kernel has run
    hdc.hamming(hdc.random(64, 64, random_state=0), hdc.random(64, 64, random_state=1))
    try:
        info["numba_threading_layer"] = numba.threading_layer()
    except ValueError:
        info["numba_threading_layer"] = None
    return info


def _print_fields(fields: dict) -> None:
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        if isinstance(value, list):
            value = " ".join(value) or "(none detected)"
        print(f"{key:<{width}}  {value if value is not None else 'not installed'}")


def _cmd_info(args: argparse.Namespace) -> int:
    import json

    info = collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        _print_fields(info)
    return 0


def _add_info(sub: argparse._SubParsersAction) -> None:
    info = sub.add_parser(
        "info", help="versions, numba threading layer and CPU features",
        description="Print the versions of hdkit and its dependencies, numba's threads and "
        "threading layer, and the CPU features its kernels use.",
    )
    info.add_argument("--json", action="store_true",
                      help="print JSON instead of a table (default: a table)")
    info.set_defaults(func=_cmd_info)


# ------------------------------------------------------------------ data
def _cmd_data(args: argparse.Namespace) -> int:
    import json
    import os
    import textwrap

    from hdkit import datasets

    entries = list(datasets.DATASETS) + [k for k in datasets.SHARED_DATA if k not in
                                         datasets.DATASETS]
    found: dict[str, dict] = {}
    for name in entries:
        try:
            files = datasets.locate(name)
        except datasets.DatasetNotFoundError as exc:
            found[name] = {"found": False, "files": [], "message": str(exc)}
        else:
            found[name] = {"found": True, "files": [str(f) for f in files], "message": ""}
    searched = [str(folder) for folder in datasets.data_folders()]
    if args.json:
        print(json.dumps({"shared_data_folders": searched, "datasets": found}, indent=2))
        return 0
    if os.environ.get("HDKIT_DATA"):
        print("shared data folder (HDKIT_DATA is set, so the only place searched):")
    else:
        print("shared data folder, searched in this order (HDKIT_DATA is not set):")
    for folder in searched:
        print(f"  {folder}")
    print()
    width = max(len(name) for name in entries)
    for name, entry in found.items():
        if not entry["found"]:
            where = "(where it was looked for and how to get it: below)"
        elif not entry["files"]:
            where = "bundled with scikit-learn"
        else:
            where = _common_folder(entry["files"])
        print(f"{name:<{width}}  {'found  ' if entry['found'] else 'MISSING'}  {where}")
    for name, entry in found.items():
        if entry["message"]:
            print()
            print(textwrap.fill(f"{name}: {entry['message']}", width=100,
                                subsequent_indent="  "))
    return 0


def _common_folder(files: list[str]) -> str:
    """``/a/b/c.tsv`` for one file, ``/a/b/ (c.tsv, d.tsv)`` for several in one folder."""
    from pathlib import Path

    paths = [Path(f) for f in files]
    if len(paths) == 1:
        return str(paths[0])
    folders = {p.parent for p in paths}
    if len(folders) == 1:
        return f"{paths[0].parent}/ ({', '.join(p.name for p in paths)})"
    return ", ".join(files)


def _add_data(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser(
        "data", help="which datasets are found where, and where they were looked for",
        description="List the datasets that hdkit's examples, benchmarks and `hdkit compare` "
        "read, where each was found, and for each missing one where it was looked for and how "
        "to get it.",
        epilog=DATA_HELP,
    )
    data.add_argument("--json", action="store_true",
                      help="print JSON instead of a table (default: a table)")
    data.set_defaults(func=_cmd_data)


# ------------------------------------------------------------------ compare
def _cmd_compare(args: argparse.Namespace) -> int:
    if args.plot:
        require_module("matplotlib", option="--plot",
                       install="pip install matplotlib (hdkit's 'plot' extra)")
    if args.progress:
        require_module("tqdm", option="--progress",
                       install="pip install tqdm (hdkit's 'progress' extra)")
    if args.data is not None:
        return _compare_table(args)
    for option, value in (("--target", args.target), ("--cv", args.cv), ("--threads", args.threads),
                          ("--categorical", args.categorical), ("--encoding", args.encoding)):
        if value is not None:
            raise CommandError(f"{option} applies to --data FILE, not to --dataset")
    dataset = args.dataset or "digits"
    models = args.models or list(_catalog.MODELS)
    unknown = [m for m in models if m not in _catalog.MODELS]
    if unknown:
        raise CommandError(
            f"--models {','.join(unknown)} run on --data FILE only; on a bundled dataset the "
            f"models are {','.join(_catalog.MODELS)}"
        )
    from hdkit import compare
    from hdkit.datasets import DatasetNotFoundError

    with expected(DatasetNotFoundError, ValueError, OSError):
        split = compare.load_split(
            dataset, path=args.path, max_train=args.max_train,
            random_state=args.random_state,
        )
    print(f"{dataset}: {len(split.y_train):,} training and {len(split.y_test):,} test "
          "samples, the same for every model")
    settings = {"dim": args.dim or 10000, "random_state": args.random_state}
    if args.progress:
        # the bars write to stderr while the models run; the table comes after they closed
        rows = compare.compare_models(dataset, split, models, progress=True,
                                      **settings)
        print(compare.format_table(rows))
    else:
        print(compare.format_table([]), flush=True)
        rows = compare.compare_models(
            dataset, split, models,
            log=lambda row: print(compare.format_table([row], header=False), flush=True),
            **settings,
        )
    if args.json:
        write_json(args.json, compare.rows_as_dicts(rows))
        print(f"wrote {args.json} (every value at full precision)")
    if args.plot:
        compare.plot(rows, str(args.plot))
        print(f"wrote {args.plot}")
    return 0


def _read_user_table(args: argparse.Namespace):
    """The table of ``--data`` with ``--target``, ``--categorical`` and ``--encoding``; an
    entirely missing column is left out with a warning on stderr."""
    import warnings

    from hdkit import tabular

    with expected(ValueError, OSError, ImportError), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        table = tabular.read_table(
            args.data, args.target, categorical=args.categorical,
            encoding=args.encoding or "utf-8", empty_columns="drop",
        )
    for warning in caught:
        if issubclass(warning.category, UserWarning):
            print(f"hdkit: warning: {args.data}: {warning.message}", file=sys.stderr)
    with expected(ValueError):
        tabular.check_classes(table.y, f"the target column {args.target!r}")
    return table


def _compare_table(args: argparse.Namespace) -> int:
    for option, value in (("--dataset", args.dataset), ("--path", args.path),
                          ("--max-train", args.max_train)):
        if value is not None:
            raise CommandError(f"{option} applies to the bundled datasets, not to --data FILE")
    if args.target is None:
        raise CommandError("--data FILE needs --target COLUMN, the name of the class column")
    models = args.models or list(_catalog.TABLE_DEFAULT_MODELS)
    unknown = [m for m in models if m not in _catalog.TABLE_MODELS]
    if unknown:
        raise CommandError(f"--models {','.join(unknown)} does not run on --data FILE; "
                           f"expected some of {','.join(_catalog.TABLE_MODELS)}")
    from hdkit import compare, tabular

    n_splits = 5 if args.cv is None else args.cv
    table = _read_user_table(args)
    with expected(ValueError):
        tabular.stratified_folds(table.y, n_splits, args.random_state)  # fails before fitting
    n_threads = 1 if args.threads is None else args.threads
    threads = "each library's own threads" if not n_threads else (
        f"{n_threads} thread{'s' if n_threads > 1 else ''} per model")
    print(f"{table.describe()}; {n_splits}-fold stratified cross-validation (seed "
          f"{args.random_state}), the same folds for every model, {threads}; means over the "
          "folds")
    settings = {"n_splits": n_splits, "random_state": args.random_state, "dim": args.dim,
                "threads": n_threads or None}
    if args.progress:
        rows, folds = compare.compare_table(table, models, progress=True, **settings)
        print(compare.format_cv_table(rows))
    else:
        print(compare.format_cv_table([]), flush=True)
        rows, folds = compare.compare_table(
            table, models,
            log=lambda row: print(compare.format_cv_table([row], header=False), flush=True),
            **settings,
        )
    if args.json:
        from dataclasses import asdict

        write_json(args.json, {
            "data": str(args.data), "target": args.target, "table": table.describe(),
            "n_splits": n_splits, "random_state": args.random_state,
            "models": [asdict(r) for r in rows], "folds": [asdict(f) for f in folds],
        })
        print(f"wrote {args.json} (every fold, every value at full precision)")
    if args.plot:
        tabular.plot_results(tabular.summarize(folds), args.plot)
        print(f"wrote {args.plot}")
    return 0


def _add_table_options(parser: argparse.ArgumentParser, required: bool) -> None:
    """``--data``, ``--target``, ``--categorical`` and ``--encoding``."""
    what = "" if required else "; replaces --dataset"
    parser.add_argument("--data", type=existing_file, metavar="FILE", required=required,
                        help="a table: CSV with a header row (missing values as empty fields, NA, "
                        f"NaN, ...), or Parquet (.parquet, needs pyarrow){what} "
                        f"(default: {'required' if required else 'none'})")
    parser.add_argument("--target", metavar="COLUMN", required=required,
                        help="the class column of --data (default: "
                        f"{'required' if required else 'required with --data'})")
    parser.add_argument("--categorical", type=names_list, metavar="A,B",
                        help="columns of --data to treat as categorical even though their values "
                        "are numbers (default: inferred: a column is categorical when a value is "
                        "not a number)")
    parser.add_argument("--encoding", type=text_encoding, metavar="NAME",
                        help="text encoding of a CSV, e.g. latin-1 or cp1252 (default: utf-8)")


def _add_compare(sub: argparse._SubParsersAction) -> None:
    all_models = tuple(dict.fromkeys([*_catalog.MODELS, *_catalog.TABLE_MODELS]))
    cmp = sub.add_parser(
        "compare", help="HDC and its peers side by side on a dataset or on your own table",
        description="On a bundled dataset (--dataset): fit each model on the same training data, "
        "score it on the same test data and print accuracy, fit and predict seconds and the "
        "pickled model's size. On your own table (--data FILE --target COLUMN): cross-validate "
        "each model on the same stratified folds (those of benchmarks/bench_tabular.py) and "
        "print mean accuracy +- standard deviation over folds, balanced accuracy, fit and "
        "predict seconds per fold and model size.",
        epilog=f"datasets:\n{described(_catalog.DATASETS)}\n\nmodels on a dataset:\n"
        f"{described(_catalog.MODELS)}\n\nmodels on --data FILE (scikit-learn's get the "
        f"preprocessing a user would write, in a ColumnTransformer):\n"
        f"{described(_catalog.TABLE_MODELS)}\n\n"
        "example:\n  hdkit compare --data table.csv --target label --models hdc,rf,hgb\n\n"
        f"{DATA_HELP}",
    )
    cmp.add_argument("--dataset", choices=tuple(_catalog.DATASETS),
                     help="the dataset, with its documented split (default: digits, unless "
                     "--data is given)")
    _add_table_options(cmp, required=False)
    cmp.add_argument("--cv", type=_folds, metavar="K",
                     help="folds of the stratified cross-validation on --data (default: 5)")
    cmp.add_argument("--threads", type=non_negative_int, metavar="N",
                     help="on --data, run every model on N threads (BLAS, OpenMP, numba), as the "
                     "tabular benchmark does; 0: each library's default (default: 1)")
    cmp.add_argument("--models", type=subset_of(all_models), metavar="LIST",
                     help=f"comma-separated models to run (default: {','.join(_catalog.MODELS)}; "
                     f"with --data: {','.join(_catalog.TABLE_DEFAULT_MODELS)})")
    cmp.add_argument("--dim", type=positive_int,
                     help="hypervector bits of the HDC models, rounded up to a multiple of 64; "
                     "each row states the size used (default: 10000; with --data: "
                     "HDClassifier's default)")
    cmp.add_argument("--path", metavar="PATH",
                     help="the dataset's file or folder, when it is not in the shared data folder "
                     "(default: searched as `hdkit data` shows)")
    cmp.add_argument("--max-train", type=positive_int, metavar="N",
                     help="fit on N training samples drawn at random; the test set stays whole "
                     "(default: all)")
    cmp.add_argument("--random-state", type=non_negative_int, default=0, metavar="SEED",
                     help="seed of every model, of --max-train's draw and of the folds "
                     "(default: 0)")
    cmp.add_argument("--json", type=output_file, metavar="OUT",
                     help="also write the rows as JSON, at full precision (default: none)")
    cmp.add_argument("--plot", type=output_file, metavar="PNG",
                     help="also draw accuracy (with error bars over folds on --data) and fit "
                     "time as bar charts; needs matplotlib (default: none)")
    cmp.add_argument("--progress", action="store_true",
                     help="show progress bars over models, encoding chunks and retraining epochs "
                     "and print the table at the end; needs tqdm (default: off)")
    cmp.set_defaults(func=_cmd_compare)


def _folds(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected an integer >= 2, got {text!r}")
    return value


# ------------------------------------------------------------------ fit and predict
def _cmd_fit(args: argparse.Namespace) -> int:
    import hdc
    from hdkit import tabular

    table = _read_user_table(args)
    print(table.describe())
    model = tabular.build_model("hdc", table, args.random_state)
    if args.dim is not None:
        model.set_params(dim=args.dim)
    start = time.perf_counter()
    model.fit(table.X, table.y)
    elapsed = time.perf_counter() - start
    accuracy = float((model.predict(table.X) == table.y).mean())
    metadata = {
        "written_by": "hdkit fit", "data": str(args.data), "target": args.target,
        "columns": list(table.columns),
        "categorical": [c for c, cat in zip(table.columns, table.categorical, strict=True) if cat],
        "n_rows": table.n_rows,
    }
    hdc.save(model, args.output, metadata=metadata)
    print(f"fitted HDClassifier(dim={model.dim_}) on {table.n_rows:,} rows in {seconds(elapsed)}; "
          f"{len(model.classes_)} classes; accuracy on these rows {accuracy:.4f}")
    size = args.output.stat().st_size / 1024
    print(f"wrote {args.output} ({size:,.1f} KB; `hdkit predict --model {args.output} "
          "--data FILE` applies it)")
    return 0


def _add_fit(sub: argparse._SubParsersAction) -> None:
    fit = sub.add_parser(
        "fit", help="fit an HDClassifier on a table and save it (safe .npz model file)",
        description="Fit hdc.HDClassifier with its defaults on every row of a table (the model "
        "'hdc' of `hdkit compare --data`) and save it with hdc.save: a .npz file that loading "
        "never executes, holding the feature columns and their kinds.",
        epilog="example:\n  hdkit fit --data train.csv --target label -o model.npz\n"
        "  hdkit predict --model model.npz --data new.csv -o predictions.csv",
    )
    _add_table_options(fit, required=True)
    fit.add_argument("-o", "--output", type=output_file, required=True, metavar="MODEL",
                     help="the model file to write, e.g. model.npz (default: required)")
    fit.add_argument("--dim", type=positive_int,
                     help="hypervector bits (default: HDClassifier's default)")
    fit.add_argument("--random-state", type=non_negative_int, default=0, metavar="SEED",
                     help="seed of the model (default: 0)")
    fit.set_defaults(func=_cmd_fit)


def _cmd_predict(args: argparse.Namespace) -> int:
    import csv

    import numpy as np

    from hdc.persistence import load, read_metadata
    from hdkit import tabular

    with expected(ValueError):
        metadata = read_metadata(args.model)
    columns, target = metadata.get("columns"), metadata.get("target")
    if not isinstance(columns, list) or not isinstance(target, str):
        raise CommandError(f"{args.model} holds no table columns: write it with `hdkit fit`")
    with expected(ValueError):
        model = load(args.model)
    encoding = args.encoding or "utf-8"
    with expected(ValueError, OSError, ImportError):
        table = tabular.read_features(args.data, columns, metadata.get("categorical", []),
                                      encoding=encoding)
    predicted = model.predict(table.X)
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8") as handle:
            _write_predictions(csv.writer(handle), target, predicted)
    else:
        _write_predictions(csv.writer(sys.stdout, lineterminator="\n"), target, predicted)
    report = sys.stdout if args.output else sys.stderr
    try:
        truth = tabular.read_features(args.data, [target], [target], encoding=encoding).X[:, 0]
    except ValueError:
        truth = None  # the file has no target column
    if truth is not None:
        known = np.array([v is not None for v in truth])
        if known.any():
            accuracy = float(np.mean(predicted[known] == truth[known].astype(str)))
            print(f"{args.data} holds the target column {target!r}: accuracy {accuracy:.4f} "
                  f"on {int(known.sum()):,} rows", file=report)
    if args.output:
        print(f"wrote {len(predicted):,} predictions of {target!r} to {args.output}")
    return 0


def _write_predictions(writer, target: str, predicted) -> None:
    writer.writerow([target])
    writer.writerows([value] for value in predicted.tolist())


def _add_predict(sub: argparse._SubParsersAction) -> None:
    predict = sub.add_parser(
        "predict", help="apply a model of `hdkit fit` to a table",
        description="Load a model written by `hdkit fit` (no code is executed), read the "
        "columns it was fitted on from a table (other columns, the target among them, are "
        "ignored) and write one predicted class per row as CSV. When the table holds the "
        "target column, also print the accuracy.",
        epilog="example:\n  hdkit predict --model model.npz --data new.csv -o predictions.csv",
    )
    predict.add_argument("--model", type=existing_file, required=True, metavar="MODEL",
                         help="a model file of `hdkit fit` (default: required)")
    predict.add_argument("--data", type=existing_file, required=True, metavar="FILE",
                         help="the rows to predict: CSV with a header row, or Parquet "
                         "(default: required)")
    predict.add_argument("-o", "--output", type=output_file, metavar="CSV",
                         help="write the predictions there (default: to stdout)")
    predict.add_argument("--encoding", type=text_encoding, metavar="NAME",
                         help="text encoding of a CSV, e.g. latin-1 (default: utf-8)")
    predict.set_defaults(func=_cmd_predict)


# ------------------------------------------------------------------ match
def _cmd_match(args: argparse.Namespace) -> int:
    import vision
    from vision.pipeline import format_report, load_image

    with expected(ValueError):
        load_image(args.image1, "image1")
        load_image(args.image2, "image2")
        homography = vision.load_homography(args.homography) if args.homography else None
    report = vision.match_images(
        args.image1, args.image2, homography=homography, output=args.output,
        max_lines=None if args.draw_all else args.max_lines,
    )
    print(format_report(report))
    if args.json:
        write_json(args.json, report)
        print(f"wrote {args.json} (every value at full precision)")
    if args.output:
        print(f"wrote {args.output}")
    return 0


def _add_match(sub: argparse._SubParsersAction) -> None:
    match = sub.add_parser(
        "match", help="SIFT-style keypoints, matches and inliers of two images",
        description="Detect and describe keypoints in both images (vision.SIFT), match them "
        "(mutual nearest neighbours with the ratio test), fit a homography with RANSAC and, "
        "given the true homography, count the correct matches.",
        epilog="Example with the shared data (`hdkit data` shows where it is):\n"
        "  hdkit match shared/data/images/graf1.png shared/data/images/graf3.png \\\n"
        "      --homography shared/data/images/H1to3p.xml -o matches.png",
    )
    for name, which in (("image1", "first"), ("image2", "second")):
        match.add_argument(name, type=existing_file,
                           help=f"{which} image, in any format OpenCV reads (read as grey)")
    match.add_argument("--homography", type=existing_file, metavar="FILE",
                       help="true 3x3 homography from image 1 to image 2: OpenCV XML/YAML or a "
                       "text file of 9 numbers; adds correct matches and precision "
                       "(default: none)")
    match.add_argument("-o", "--output", type=output_file, metavar="PNG",
                       help="draw the matches side by side: green correct (or RANSAC inlier), "
                       "red wrong (default: no picture)")
    match.add_argument("--max-lines", type=positive_int, default=100, metavar="N",
                       help="draw at most N matches, evenly spaced (default: 100)")
    match.add_argument("--draw-all", action="store_true",
                       help="draw every match, overriding --max-lines (default: off)")
    match.add_argument("--json", type=output_file, metavar="OUT",
                       help="also write the full report as JSON (default: none)")
    match.set_defaults(func=_cmd_match)


# ------------------------------------------------------------------ demo
def _drawn_scene(shape: tuple[int, int] = (480, 640), seed: int = 0):
    """A deterministic grey scene of random filled shapes and lines (blob and corner texture)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    height, width = shape
    image = np.full(shape, 128, dtype=np.uint8)
    for _ in range(120):
        colour = int(rng.integers(0, 256))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.circle(image, (x, y), int(rng.integers(4, 40)), colour, -1)
        elif kind == 1:
            w, h = int(rng.integers(6, 80)), int(rng.integers(6, 80))
            cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        else:
            end = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(image, (x, y), end, colour, int(rng.integers(1, 5)))
    return cv2.GaussianBlur(image, (0, 0), 1.0)


def _demo_image():
    """A grey scikit-image sample when scikit-image is installed, else the shared graffiti,
    else a drawn scene (so that the demo runs after a bare ``pip install``)."""
    try:
        from skimage import data

        return data.camera(), "scikit-image camera"
    except ImportError:
        import cv2

        from hdkit.datasets import DatasetNotFoundError, find_shared

        try:
            path = find_shared("images", "graf1.png")
        except DatasetNotFoundError:
            return _drawn_scene(), "a drawn scene (no scikit-image, no shared data)"
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            return _drawn_scene(), f"a drawn scene ({path} is not an image)"
        return image, str(path)


def _cmd_demo(args: argparse.Namespace) -> int:
    import os
    import subprocess

    import vision
    from hdkit import compare
    from hdkit.warmup import start_background
    from vision.pipeline import format_report

    start = time.perf_counter()
    background = None
    if os.environ.get("HDKIT_BACKGROUND_COMPILE", "1") != "0":
        # on a cold cache, the GLN's and SIFT's kernels compile on the other core meanwhile
        background = start_background(["baselines", "vision"])
    if background is not None:
        print("(first run: the GLN's and SIFT's kernels compile in the background meanwhile)")
    print("== hdkit demo 1/2: classifiers side by side on scikit-learn's digits ==")
    split = compare.load_split("digits")
    print(compare.format_table([]), flush=True)
    compare.compare_models(
        "digits", split, compare.MODELS, dim=args.dim,
        log=lambda row: print(compare.format_table([row], header=False), flush=True),
    )
    print()
    if background is not None and background.poll() is None:
        print("(waiting for the image kernels, compiling in the background)", flush=True)
        try:
            background.wait(timeout=300)
        except subprocess.TimeoutExpired:  # stop it; this process compiles what is left
            background.terminate()
            background.wait()
    print("== hdkit demo 2/2: image matching under a synthetic rotation + scale ==")
    image, name = _demo_image()
    warped, homography = vision.synthetic_warp(image, angle_deg=25.0, scale=0.8, random_state=0)
    print(f"image: {name} {image.shape[1]}x{image.shape[0]}, warp: rotate 25 deg, scale 0.8")
    report = vision.match_images(image, warped, homography=homography, output=args.output)
    print(format_report(report))
    print(f"wrote {args.output}")
    print(f"demo finished in {seconds(time.perf_counter() - start)}")
    return 0


def _add_demo(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo", help="compare classifiers on digits, then match an image to a warped copy",
        description="Run hdkit's main jobs end to end: HDC, a kernel machine and a GLN on "
        "scikit-learn's digits, then SIFT matching of an image (scikit-image's camera, else the "
        "shared graffiti, else a drawn scene) to a rotated and scaled copy, drawn as a PNG.",
        epilog=DATA_HELP,
    )
    demo.add_argument("--dim", type=positive_int, default=10000,
                      help="hypervector bits of the HDC model (default: 10000)")
    demo.add_argument("-o", "--output", type=output_file, default="hdkit-demo-matches.png",
                      metavar="PNG",
                      help="where to draw the image matches (default: hdkit-demo-matches.png)")
    demo.set_defaults(func=_cmd_demo)


# ------------------------------------------------------------------ warmup
def _cmd_warmup(args: argparse.Namespace) -> int:
    from hdkit import warmup

    start = time.perf_counter()
    try:
        warmup.warmup(args.groups or None, jobs=args.jobs, progress=not args.quiet)
    except RuntimeError as exc:
        raise CommandError(str(exc)) from None
    print(f"kernels compiled and cached in {seconds(time.perf_counter() - start)}")
    return 0


def _add_warmup(sub: argparse._SubParsersAction) -> None:
    from hdkit.warmup import GROUPS

    warm = sub.add_parser(
        "warmup", help="compile every numba kernel into the cache, so that no first call waits",
        description="numba compiles hdkit's kernels on their first call and caches them on "
        "disk; this compiles them all now, a process on every core taking one group of "
        "kernels after another. "
        "The cache is numba's ($NUMBA_CACHE_DIR, else __pycache__ beside the sources) and is "
        "keyed by the source path: warm the copy of hdkit you run.",
    )
    warm.add_argument("groups", nargs="?", type=subset_of(tuple(GROUPS)), default=None,
                      metavar="GROUPS",
                      help=f"comma-separated groups to compile, of {', '.join(GROUPS)} "
                      "(default: all)")
    warm.add_argument("-j", "--jobs", type=positive_int, default=None,
                      help="processes compiling at once (default: the number of CPUs)")
    warm.add_argument("-q", "--quiet", action="store_true",
                      help="no progress bar (default: a bar, or one line per group)")
    warm.set_defaults(func=_cmd_warmup)


# ------------------------------------------------------------------ the command
SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    _add_info, _add_data, _add_compare, _add_fit, _add_predict, _add_match, _add_demo,
    _add_warmup,
)


def build_parser() -> ArgumentParser:
    """The ``hdkit`` parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = ArgumentParser(
        prog="hdkit",
        description="hdkit: hyperdimensional computing and classical vision toolkit.",
        epilog="`hdkit COMMAND --help` describes a command and its options.\n\n" + DATA_HELP,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in SUBCOMMANDS:
        add(sub)
    return parser


class _StderrHandler(logging.Handler):
    """``hdkit: message`` lines on the current ``sys.stderr`` (looked up at each record)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"hdkit: {record.getMessage()}", file=sys.stderr, flush=True)


def _show_notes() -> None:
    """Show the ``hdkit`` logger's notes (e.g. that kernels compile on first use) on stderr."""
    logger = logging.getLogger("hdkit")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler(logging.INFO))
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hdkit`` console command; returns the exit status."""
    _show_notes()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CommandError as exc:
        fail(str(exc))
        return 2
    return run(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
