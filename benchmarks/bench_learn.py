"""Benchmark of hdkit's learning half: HDClassifier beside torchhd, and the encoders beside peers.

Two sections (``--sections``, default both):

``torchhd``: hdkit's ``HDClassifier`` (record encoding + AdaptHD retraining) beside two torchhd
baselines on the same rows, each with its accuracy (``benchmarks/_comparison.py`` says exactly
what each side runs): torchhd's shipped ``AdaptHD`` called as torchhd's own example calls it, and
the pipeline a careful torchhd user writes (encode once, ``Centroid.add``, ``add_adapt`` passes;
its batches chosen per dataset on a validation split, torch's huge-page allocation on). Same
encoding, D (``--compare-dim``), levels and epochs (``--epochs``) on every side; hdkit and the
pipeline stop after an epoch without updates (a later one would make none either) and report
the epochs run, the shipped AdaptHD runs all. Threads are set explicitly on both sides
(``numba.set_num_threads`` / ``torch.set_num_threads``) at each of ``--compare-threads``
(default 1). Every measurement runs in a fresh Python process (what a user running a script
sees), ``--compare-repeats`` times, interleaved, in each of ``--conditions``: ``ambient`` (the
machine as it is) and ``busy`` (plus a busy-loop process of ours on the last core); the records
carry the load average, minor page faults and involuntary context switches. Reported: accuracy
and epochs run of every pipeline, encode / fit / predict seconds (min / median / max) and the
ratios torchhd / hdkit paired by repeat, then each ratio range against the ranges the docs
state (``_comparison.CLAIMS``). D is ``--compare-dim`` (default 2,048: the shipped AdaptHD's
cost per run). Datasets ``--compare-datasets`` (default letter and Fashion-MNIST, at least 2,000
test rows each): the first ``--letter-train`` training and ``--letter-test`` test rows of
letter, ``--fashion-train`` / ``--fashion-test`` of Fashion-MNIST, ``--digits-train`` of digits
and all its 450 test rows.

``peers``: ``encode_record`` (``RecordEncoder`` vs a numpy implementation on unpacked int8 bits),
``encode_rff`` (no peer), ``encode_conv`` on image datasets (``ConvolutionEncoder`` vs numpy
einsum + max-pooling and torch ``conv2d`` + ``max_pool2d``, with the share of differing bits),
``adapthd`` fit / predict on all the data (no peer), ``centroid`` (``HDClassifier(epochs=0)`` vs
scikit-learn's ``NearestCentroid`` on the unpacked bits) and ``HDClassifier()`` defaults. Both
sides of a row run on the same samples (the first ``--peer-samples`` rows) in this process, the
best of ``--repeat`` after one untimed warm-up; ``(full data, no peer)`` rows are ours alone.

torch and torch-hd are optional (``pip install torch==2.13.0`` then ``pip install --no-deps
torch-hd`` plus pandas and requests); without them the torchhd section and the torch row say so.

    python benchmarks/bench_learn.py --sections torchhd        # the torchhd comparison
    python benchmarks/bench_learn.py --sections peers --datasets digits letter fashion-mnist
    python benchmarks/bench_learn.py --sections torchhd --quick  # tiny end-to-end check
    python benchmarks/_comparison.py --ranges A.json B.json      # ranges over two runs
    python benchmarks/_comparison.py --check A.json B.json       # runs against the docs' ranges
    python benchmarks/_comparison.py --propose A.json            # ranges from a run

Writes ``benchmarks/results/bench_learn.json`` (``--out``): the arguments, versions, machine
state, the torchhd records and summary, and the peer rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import warnings

import _comparison  # benchmarks/ on path
import numpy as np
from _common import (  # benchmarks/ on path
    RESULTS_DIR,
    best_seconds_with_result,
    machine_info,
    print_table,
    write_json,
)
from sklearn.neighbors import NearestCentroid

import hdc
from encoders import ConvolutionEncoder, ProjectionEncoder, RecordEncoder
from hdc import HDClassifier
from hdkit.datasets import DatasetNotFoundError, load_dataset

FULL = "(full data, no peer)"
# torchhd section: rows of the datasets larger than a run can afford on the torchhd side
COMPARE_DATASETS = ("letter", "fashion-mnist")  # >= 2,000 test rows each
DIGITS_TRAIN = 500
LETTER_TRAIN, LETTER_TEST = 1000, 2000
FASHION_TRAIN, FASHION_TEST = 200, 2000
COMPARE_DIM = 2048
IMAGE_DATASETS = ("digits", "fashion-mnist")  # letter's 16 features are not a 4x4 image


def load_torch():
    """(torch, its version) or (None, why not)."""
    try:
        import torch
    except ImportError as exc:
        return None, f"torch not available ({exc})"
    return torch, f"torch {torch.__version__}"


# ------------------------------------------------------------------------------------ peers
def numpy_record(X: np.ndarray, enc: RecordEncoder) -> np.ndarray:
    """Record encoding on unpacked bipolar int8 bits: sign(sum_f key_f * level(q_f))."""
    keys = hdc.unpack(enc.keys_).astype(np.int8) * 2 - 1
    levels = hdc.unpack(enc.levels_).astype(np.int8) * 2 - 1
    q = enc.quantize(X)
    out = np.empty((X.shape[0], enc.dim_), dtype=np.int8)
    for start in range(0, X.shape[0], 256):
        block = q[start : start + 256]
        acc = np.zeros((block.shape[0], enc.dim_), dtype=np.int32)
        for f in range(X.shape[1]):
            acc += keys[f] * levels[block[:, f]]
        out[start : start + 256] = np.sign(acc)
    return out


def _pack_cells(best: np.ndarray, enc: ConvolutionEncoder) -> np.ndarray:
    """Pack pooled maxima (n, F, cells) against the thresholds, filter-major, ``dim_`` bits."""
    bits = (best > enc.thresholds_[None, :, None]).reshape(len(best), -1)[:, : enc.dim_]
    return np.packbits(bits, axis=1, bitorder="little").view(np.uint64)


def numpy_conv(X: np.ndarray, enc: ConvolutionEncoder) -> np.ndarray:
    """ConvolutionEncoder's bits in numpy: windows x filters by einsum, then max-pooling."""
    from numpy.lib.stride_tricks import sliding_window_view

    k, pool = enc.patch_size, enc.pool_size
    gh, gw = enc.grid_shape_
    out = []
    for start in range(0, len(X), 256):
        images = X[start : start + 256].reshape(-1, *enc.image_shape_).astype(np.float32)
        windows = sliding_window_view(images, (k, k), axis=(1, 2))
        resp = np.einsum("nyxab,fab->nfyx", windows, enc.filters_, optimize=True)
        n, f, oh, ow = resp.shape
        padded = np.full((n, f, gh * pool, gw * pool), -np.inf, dtype=np.float32)
        padded[:, :, :oh, :ow] = resp
        best = padded.reshape(n, f, gh, pool, gw, pool).max(axis=(3, 5))
        out.append(_pack_cells(best.reshape(n, f, -1), enc))
    return np.concatenate(out)


def torch_conv(torch, X: np.ndarray, enc: ConvolutionEncoder) -> np.ndarray:
    """ConvolutionEncoder's bits with torch conv2d + max_pool2d (ceil mode), packed by numpy."""
    weight = torch.from_numpy(enc.filters_[:, None])
    out = []
    with torch.no_grad():
        for start in range(0, len(X), 256):
            images = X[start : start + 256].reshape(-1, 1, *enc.image_shape_)
            resp = torch.nn.functional.conv2d(torch.from_numpy(images.astype(np.float32)), weight)
            best = torch.nn.functional.max_pool2d(resp, enc.pool_size, ceil_mode=True)
            out.append(_pack_cells(best.flatten(2).numpy(), enc))
    return np.concatenate(out)


def best_of(fn, repeat: int, warmup=None) -> tuple[float, object]:
    """``best_seconds_with_result(fn, repeat)`` after one untimed call of ``warmup`` (a cheap
    call on a few rows)."""
    if warmup is not None:
        warmup()
    return best_seconds_with_result(fn, repeat)


# ------------------------------------------------------------------------------------ rows
def bench_dataset(name: str, args, torch, rows: list) -> None:
    X_train, X_test, y_train, y_test = load_dataset(name)
    X_train = np.asarray(X_train, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    X_all = np.vstack([X_train, X_test])
    n_levels, dim, rep = args.levels, args.dim, args.repeat
    n_peer = min(len(X_train), args.peer_samples)
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}, dim {dim}; "
          f"peers on {n_peer} training samples")

    def row(task, n, ours_s, peer=FULL, peer_s=None, **extra):
        entry = {"dataset": name, "task": task, "samples": n, "ours_s": ours_s,
                 "ours_per_s": n / ours_s if ours_s else None, "peer": peer, "peer_s": peer_s,
                 "speedup": peer_s / ours_s if peer_s is not None and ours_s else None, **extra}
        rows.append(entry)
        speed = f"{entry['speedup']:8.1f}x" if entry["speedup"] is not None else "        -"
        ours_txt = f"{ours_s:8.3f}s" if ours_s is not None else "        -"
        peer_txt = f"{peer_s:8.3f}s" if peer_s is not None else "        -"
        more = "".join(f"  {k}={v:.4g}" for k, v in extra.items())
        print(f"  {task:16s} n={n:<6d} ours {ours_txt}  {peer:27s} {peer_txt} {speed}{more}",
              flush=True)

    # 1. encoding throughput
    enc = RecordEncoder(dim=dim, n_levels=n_levels, random_state=0).fit(X_train)
    warm_enc = lambda: enc.transform(X_train[:10])  # noqa: E731
    t_full, _ = best_of(lambda: enc.transform(X_all), rep, warm_enc)
    row("encode_record", len(X_all), t_full)
    t_ours, _ = best_of(lambda: enc.transform(X_train[:n_peer]), rep, warm_enc)
    t_np, _ = best_of(lambda: numpy_record(X_train[:n_peer], enc), rep,
                      lambda: numpy_record(X_train[:10], enc))
    row("encode_record", n_peer, t_ours, "numpy int8 bits", t_np)
    rff = ProjectionEncoder(dim=dim, kind="rff", random_state=0).fit(X_train)
    t_rff, _ = best_of(lambda: rff.transform(X_all), rep, lambda: rff.transform(X_train[:10]))
    row("encode_rff", len(X_all), t_rff)
    if name in IMAGE_DATASETS:
        conv = ConvolutionEncoder(dim=dim, random_state=0).fit(X_train)
        warm_conv = lambda: conv.transform(X_train[:10])  # noqa: E731
        t_full, _ = best_of(lambda: conv.transform(X_all), rep, warm_conv)
        row("encode_conv", len(X_all), t_full)
        n_conv = min(len(X_all), args.conv_peer_samples)
        X_conv = X_all[:n_conv]
        t_conv, H_conv = best_of(lambda: conv.transform(X_conv), rep, warm_conv)

        # the peers sum in another order: a response within rounding of a threshold may flip
        def differing(H):
            return float(np.mean(hdc.unpack(H) != hdc.unpack(H_conv)))

        t_np, H_np = best_of(lambda: numpy_conv(X_conv, conv), rep,
                             lambda: numpy_conv(X_conv[:10], conv))
        row("encode_conv", n_conv, t_conv, "numpy einsum + max-pool", t_np,
            bits_differing=differing(H_np))
        if torch is not None:
            t_th, H_th = best_of(lambda: torch_conv(torch, X_conv, conv), rep,
                                 lambda: torch_conv(torch, X_conv[:10], conv))
            row("encode_conv", n_conv, t_conv, "torch conv2d + max_pool2d", t_th,
                bits_differing=differing(H_th))

    # 2. the same method end to end: record encoding + AdaptHD retraining
    def ours_adapt(n):
        clf = HDClassifier(encoder=RecordEncoder(dim=dim, n_levels=n_levels), epochs=args.epochs,
                           margin=0.0, random_state=0)
        return clf.fit(X_train[:n], y_train[:n])

    t_fit, clf = best_of(lambda: ours_adapt(len(X_train)), rep, lambda: ours_adapt(20))
    t_pred, pred = best_of(lambda: clf.predict(X_test), rep, lambda: clf.predict(X_test[:10]))
    row("adapthd_fit", len(X_train), t_fit, accuracy_ours=float(np.mean(pred == y_test)))
    row("adapthd_predict", len(X_test), t_pred)

    # 3. centroid classifier on the same packed encodings
    H_train, H_test = enc.transform(X_train), enc.transform(X_test)

    def ours_centroid(n, m):
        return HDClassifier(epochs=0, random_state=0).fit(H_train[:n], y_train[:n]).predict(
            H_test[:m])

    def sk_centroid(n, m):
        B_train = hdc.unpack(H_train[:n]).astype(np.float32) * 2 - 1
        B_test = hdc.unpack(H_test[:m]).astype(np.float32) * 2 - 1
        return NearestCentroid().fit(B_train, y_train[:n]).predict(B_test)

    n, m = len(H_train), len(H_test)
    t_c, pred_c = best_of(lambda: ours_centroid(n, m), rep, lambda: ours_centroid(20, 10))
    row("centroid", n + m, t_c, accuracy_ours=float(np.mean(pred_c == y_test)))
    n, m = n_peer, min(len(H_test), n_peer)
    t_c, pred_c = best_of(lambda: ours_centroid(n, m), rep, lambda: ours_centroid(20, 10))
    t_sk, pred_sk = best_of(lambda: sk_centroid(n, m), rep, lambda: sk_centroid(20, 10))
    row("centroid", n + m, t_c, "sklearn NearestCentroid", t_sk,
        accuracy_ours=float(np.mean(pred_c == y_test[:m])),
        accuracy_peer=float(np.mean(pred_sk == y_test[:m])))

    # 4. the defaults
    if not args.skip_default:
        t_fit, clf = best_seconds_with_result(
            lambda: HDClassifier(random_state=0).fit(X_train, y_train), 1
        )
        t_pred, pred = best_seconds_with_result(lambda: clf.predict(X_test), 1)
        row("default_fit", len(X_train), t_fit, accuracy_ours=float(np.mean(pred == y_test)))
        row("default_predict", len(X_test), t_pred)


COLUMNS = ["dataset", "task", "samples", "ours_s", "ours_per_s", "peer", "peer_s", "speedup",
           "accuracy_ours", "accuracy_peer", "bits_differing"]


def run_peers(args) -> dict:
    """The ``peers`` section: rows, printed as a table."""
    # NearestCentroid warns about constant bits
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="sklearn")
    torch, torch_msg = load_torch()
    if torch is not None:
        torch.set_num_threads(max(args.threads))
    rows: list = []
    for name in args.datasets:
        try:
            bench_dataset(name, args, torch, rows)
        except DatasetNotFoundError as exc:
            print(f"{name}: skipped, {exc}")
    print(f"\nbest of {args.repeat} per side; speedup = peer_s / ours_s on the same samples; "
          f"peer {FULL!r}: ours alone on all the data\n")
    print_table([{**r, "ours_per_s": None if r["ours_per_s"] is None else round(r["ours_per_s"]),
                  "speedup": None if r["speedup"] is None else f"{r['speedup']:.1f}x"}
                 for r in rows], COLUMNS)
    return {"torch": torch_msg, "rows": rows}


def comparison_rows(args) -> dict:
    """{dataset: (training rows, test rows)} of the torchhd section (None: all)."""
    if args.quick:
        return {name: (120, 60) for name in args.compare_datasets}
    return {"digits": (args.digits_train, None), "letter": (args.letter_train, args.letter_test),
            "fashion-mnist": (args.fashion_train, args.fashion_test)}


def run_torchhd(args) -> dict:
    """The ``torchhd`` section: records, summary and the markdown table of ranges."""
    versions = _comparison.torchhd_available()
    if versions is None:
        print("torchhd section skipped: torch and torch-hd are not importable")
        return {"skipped": "torch / torch-hd not importable"}
    dim, epochs, repeats = args.compare_dim, args.epochs, args.compare_repeats
    threads, fit_batches = args.compare_threads, _comparison.FIT_BATCHES
    if args.quick:
        dim, epochs, repeats, threads, fit_batches = 1024, 2, 1, [1], (32,)
    rows = comparison_rows(args)
    datasets = []
    for name in args.compare_datasets:
        try:
            _comparison.load_rows(name, 1, 1)
            datasets.append(name)
        except DatasetNotFoundError as exc:
            print(f"{name}: skipped, {exc}")
    conditions = args.conditions
    print(f"\n== torchhd comparison ({versions}): dim {dim}, {args.levels} levels, {epochs} "
          f"epochs, threads {threads}, conditions {conditions}, {repeats} repeats, a fresh "
          "process per measurement")
    out = _comparison.compare(datasets, threads=threads, repeats=repeats, dim=dim,
                              levels=args.levels, epochs=epochs, rows=rows,
                              fit_batches=fit_batches, conditions=conditions)
    summary = _comparison.summarize(out["records"])
    table = _comparison.markdown_table(summary)
    print("\nratios = torchhd seconds / hdkit seconds in the same repeat (min-max over repeats); "
          "accuracies of every repeat\n")
    print(table)
    claims = _comparison.check(summary)
    print(f"\nagainst the ranges the docs state (_comparison.CLAIMS, "
          f"{_comparison.CLAIM_THREADS} thread):\n{_comparison.check_text(claims)}")
    return {"versions": versions, "dim": dim, "epochs": epochs, "repeats": repeats,
            "threads": threads, "conditions": list(conditions),
            "rows": {k: rows[k] for k in datasets}, "selection": out["selection"],
            "summary": summary, "table": table, "claims_check": claims,
            "records": out["records"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=["torchhd", "peers"],
                        choices=["torchhd", "peers"])
    parser.add_argument("--datasets", nargs="+", default=["digits", "letter"],
                        choices=["digits", "letter", "fashion-mnist"])
    parser.add_argument("--dim", type=int, default=10000, help="peers: D")
    parser.add_argument("--levels", type=int, default=32, help="record encoding levels")
    parser.add_argument("--epochs", type=int, default=10, help="AdaptHD retraining epochs")
    parser.add_argument("--threads", type=int, nargs="+", default=[2],
                        help="peers: torch threads (the largest; numba at its default)")
    parser.add_argument("--compare-datasets", nargs="+", default=list(COMPARE_DATASETS),
                        choices=["digits", "letter", "fashion-mnist"],
                        help="torchhd section: datasets (digits has 450 test rows only)")
    parser.add_argument("--compare-threads", type=int, nargs="+", default=[1],
                        help="torchhd section: numba and torch threads, each setting measured")
    parser.add_argument("--conditions", nargs="+", default=list(_comparison.CONDITIONS),
                        choices=list(_comparison.CONDITIONS),
                        help="torchhd section: the machine as it is (ambient) and with a "
                             "busy-loop process of ours on the last core (busy)")
    parser.add_argument("--compare-repeats", type=int, default=3,
                        help="torchhd section: fresh-process measurements per side and setting")
    parser.add_argument("--compare-dim", type=int, default=COMPARE_DIM,
                        help="torchhd section: D (torchhd's shipped AdaptHD re-encodes every "
                             "epoch at about 5 ms per digits row at D=2048 on a busy 2-core "
                             "machine)")
    parser.add_argument("--digits-train", type=int, default=DIGITS_TRAIN,
                        help="torchhd section: digits training rows (its 450 test rows all)")
    parser.add_argument("--letter-train", type=int, default=LETTER_TRAIN)
    parser.add_argument("--letter-test", type=int, default=LETTER_TEST)
    parser.add_argument("--fashion-train", type=int, default=FASHION_TRAIN)
    parser.add_argument("--fashion-test", type=int, default=FASHION_TEST)
    parser.add_argument("--quick", action="store_true",
                        help="torchhd section on tiny sizes (dim 1024, 120 / 60 rows, 2 epochs, "
                             "1 thread, 1 repeat per condition): checks that it runs")
    parser.add_argument("--peer-samples", type=int, default=2000,
                        help="peers: training (and test) samples of the numpy / sklearn rows")
    parser.add_argument("--conv-peer-samples", type=int, default=10000,
                        help="peers: images given to both sides of the convolution rows")
    parser.add_argument("--repeat", type=int, default=3, help="peers: best of N, both sides")
    parser.add_argument("--skip-default", action="store_true", help="peers: skip HDClassifier()")
    parser.add_argument("--out", default="bench_learn.json", help="file in benchmarks/results/")
    args = parser.parse_args(argv)

    print(f"hdkit bench_learn: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()}")
    start = time.perf_counter()
    result: dict = {"args": vars(args), "machine": machine_info(), "date": time.strftime("%F"),
                    "loadavg_start": os.getloadavg(),
                    "minor_faults_parent": resource.getrusage(resource.RUSAGE_SELF).ru_minflt}
    if "torchhd" in args.sections:
        result["torchhd"] = run_torchhd(args)
    if "peers" in args.sections:
        result["peers"] = run_peers(args)
    result["loadavg_end"] = os.getloadavg()
    result["wall_s"] = time.perf_counter() - start
    out = write_json(result, RESULTS_DIR / args.out)
    print(f"\nwrote {out} ({result['wall_s']:.0f} s)")


if __name__ == "__main__":
    main()
