"""Benchmark of hdkit's learning half: encoders and HDClassifier, beside peers in the same run.

For each dataset (sklearn digits, UCI letter, Fashion-MNIST) it measures

1. ``encode_record``: record encoding throughput (samples/s) at ``--dim`` bits of
   ``encoders.RecordEncoder`` vs torchhd's identical encoding (``hash_table(keys, levels(x))
   .sign()``, the encoder of its AdaptHD/Vanilla classifiers) and a plain numpy implementation on
   unpacked bipolar bits (int8); ``encode_rff``: ``ProjectionEncoder(kind="rff")`` throughput;
   ``encode_conv`` (image datasets: digits 8x8, Fashion-MNIST 28x28): ``ConvolutionEncoder``
   vs the same encoding in numpy (sliding windows, einsum, max-pooling, ``packbits``) and in
   torch (``conv2d`` + ``max_pool2d(ceil_mode=True)``), with the share of bits that differ from
   ours (float sums in another order: responses within rounding of a threshold);
2. ``adapthd``: the same method end to end, record encoding + AdaptHD retraining for
   ``--epochs`` passes: ``HDClassifier(encoder=RecordEncoder(...), margin=0)`` vs
   ``torchhd.classifiers.AdaptHD`` with the same dim, levels and epochs (fit and predict time,
   accuracy);
3. ``centroid``: a centroid classifier on the same packed encodings: ``HDClassifier(epochs=0)``
   vs scikit-learn's ``NearestCentroid`` on the unpacked bits (fit + predict);
4. ``default``: ``HDClassifier()`` with its defaults (fit, predict, accuracy).

Peers that are slow on big inputs run on the first ``--peer-samples`` training samples and
their throughput (samples/s) is compared; the table says how many samples each side used.
torchhd is optional (``pip install torch==2.13.0`` then ``pip install torch-hd --no-deps`` plus
pandas and requests); without it those rows say so and the numpy / sklearn peers still run.

    python benchmarks/bench_learn.py                        # digits and letter
    python benchmarks/bench_learn.py --datasets digits letter fashion-mnist

Writes ``benchmarks/results/bench_learn.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import warnings
from pathlib import Path

import numpy as np
from _common import timed  # benchmarks/ is on sys.path when this script runs
from sklearn.neighbors import NearestCentroid

import hdc
from encoders import ConvolutionEncoder, ProjectionEncoder, RecordEncoder
from hdc import HDClassifier
from hdc.datasets import DatasetNotFoundError, load_dataset

RESULTS = Path(__file__).resolve().parent / "results"


def load_torchhd():
    try:
        import torch
        import torchhd  # noqa: F401
        from torchhd import functional
        from torchhd.classifiers import AdaptHD
    except ImportError as exc:
        return None, f"torchhd not available ({exc}); torchhd rows skipped"
    version = f"torch {torch.__version__}, threads {torch.get_num_threads()}"
    return (torch, functional, AdaptHD), version


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


def to_unit_range(X_train: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per-feature min-max scaling to [-1, 1] (torchhd's Level range), clipped."""
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.clip(2 * (X - low) / span - 1, -1, 1).astype(np.float32)


def torch_batch(n_features: int, dim: int) -> int:
    """Rows per torchhd batch so that the (batch, features, dim) float tensor stays ~128 MB."""
    return int(max(1, min(1024, 2**25 // (n_features * dim))))


# ------------------------------------------------------------------------------------ rows
def bench_dataset(name: str, args, th, rows: list) -> None:
    X_train, X_test, y_train, y_test = load_dataset(name)
    X_train = np.asarray(X_train, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    classes, y_train_idx = np.unique(y_train, return_inverse=True)
    y_test_idx = np.searchsorted(classes, y_test)
    n_peer = min(len(X_train), args.peer_samples)
    X_all = np.vstack([X_train, X_test])
    n_levels = args.levels
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}, dim {args.dim}")

    def row(task, ours_s, ours_n, peer, peer_s, peer_n, **extra):
        entry = {"dataset": name, "task": task, "ours_s": ours_s, "ours_samples": ours_n,
                 "peer": peer, "peer_s": peer_s, "peer_samples": peer_n, **extra}
        if peer_s is not None and ours_s:
            entry["speedup"] = (peer_s / peer_n) / (ours_s / ours_n)
        rows.append(entry)
        speed = f"{entry['speedup']:8.1f}x" if "speedup" in entry else "       -"
        acc = "".join(
            f"  {k}={v:.4g}" if isinstance(v, float) else f"  {k}={v}" for k, v in extra.items()
        )
        peer_txt = f"{peer_s:8.3f}s/{peer_n}" if peer_s is not None else "skipped"
        print(f"{task:16s} ours {ours_s:8.3f}s/{ours_n:<6d} {peer:24s} {peer_txt:18s} {speed}{acc}")

    # 1. encoding throughput
    enc = RecordEncoder(dim=args.dim, n_levels=n_levels, random_state=0).fit(X_train)
    enc.transform(X_train[:10])  # compile
    t_ours, _ = timed(lambda: enc.transform(X_all), args.repeat)
    t_np, _ = timed(lambda: numpy_record(X_all[:n_peer], enc), 1)
    row("encode_record", t_ours, len(X_all), "numpy int8 bits", t_np, n_peer)
    if th is not None:
        torch, functional, _ = th
        from torchhd.embeddings import Level, Random

        keys = Random(X_train.shape[1], args.dim)
        levels = Level(n_levels, args.dim, low=-1, high=1)
        Xt = torch.from_numpy(to_unit_range(X_train, X_all[:n_peer]))
        bs = torch_batch(X_train.shape[1], args.dim)

        def torch_encode():
            with torch.no_grad():
                return [functional.hash_table(keys.weight, levels(Xt[s : s + bs])).sign()
                        for s in range(0, len(Xt), bs)]

        t_th, _ = timed(torch_encode, 1)
        row("encode_record", t_ours, len(X_all), "torchhd hash_table", t_th, n_peer)
    else:
        row("encode_record", t_ours, len(X_all), "torchhd (not installed)", None, 0)
    rff = ProjectionEncoder(dim=args.dim, kind="rff", random_state=0).fit(X_train)
    rff.transform(X_train[:10])
    t_rff, _ = timed(lambda: rff.transform(X_all), args.repeat)
    row("encode_rff", t_rff, len(X_all), "-", None, 0)
    side = int(round(np.sqrt(X_train.shape[1])))
    if side * side == X_train.shape[1]:  # square images
        conv = ConvolutionEncoder(dim=args.dim, random_state=0).fit(X_train)
        conv.transform(X_train[:10])
        t_conv, H_conv = timed(lambda: conv.transform(X_all), args.repeat)
        n_conv = min(len(X_all), args.conv_peer_samples)
        t_np, H_np = timed(lambda: numpy_conv(X_all[:n_conv], conv), 1)
        # the peers sum in another order: a response within rounding of a threshold may flip
        def differing(H):
            return float(np.mean(hdc.unpack(H) != hdc.unpack(H_conv[:n_conv])))

        row("encode_conv", t_conv, len(X_all), "numpy einsum + max-pool", t_np, n_conv,
            bits_differing=differing(H_np))
        if th is not None:
            t_th, H_th = timed(lambda: torch_conv(th[0], X_all[:n_conv], conv), 1)
            row("encode_conv", t_conv, len(X_all), "torch conv2d + max_pool2d", t_th, n_conv,
                bits_differing=differing(H_th))

    # 2. the same method end to end: record encoding + AdaptHD retraining
    def ours_adapt():
        clf = HDClassifier(
            encoder=RecordEncoder(dim=args.dim, n_levels=n_levels), epochs=args.epochs,
            margin=0.0, random_state=0,
        )
        return clf.fit(X_train, y_train)

    t_fit, clf = timed(ours_adapt, 1)
    t_pred, pred = timed(lambda: clf.predict(X_test), args.repeat)
    acc_ours = float(np.mean(pred == y_test))
    if th is not None:
        torch, _, AdaptHD = th
        torch.manual_seed(0)
        model = AdaptHD(X_train.shape[1], args.dim, len(classes), n_levels=n_levels,
                        epochs=args.epochs)
        Xt = torch.from_numpy(to_unit_range(X_train, X_train[:n_peer]))
        yt = torch.from_numpy(y_train_idx[:n_peer].astype(np.int64))
        bs = torch_batch(X_train.shape[1], args.dim)
        loader = [(Xt[s : s + bs], yt[s : s + bs]) for s in range(0, len(Xt), bs)]
        t_th_fit, _ = timed(lambda: model.fit(loader), 1)
        Xq = torch.from_numpy(to_unit_range(X_train, X_test[:n_peer]))

        def torch_predict():
            with torch.no_grad():
                return torch.cat([model.predict(Xq[s : s + bs]) for s in range(0, len(Xq), bs)])

        t_th_pred, th_pred = timed(torch_predict, 1)
        acc_th = float(np.mean(th_pred.numpy() == y_test_idx[: len(Xq)]))
        row("adapthd_fit", t_fit, len(X_train), "torchhd AdaptHD", t_th_fit, len(Xt),
            accuracy_ours=acc_ours, accuracy_peer=acc_th)
        row("adapthd_predict", t_pred, len(X_test), "torchhd AdaptHD", t_th_pred, len(Xq))
    else:
        row("adapthd_fit", t_fit, len(X_train), "torchhd (not installed)", None, 0,
            accuracy_ours=acc_ours)
        row("adapthd_predict", t_pred, len(X_test), "torchhd (not installed)", None, 0)

    # 3. centroid classifier on the same packed encodings
    H_train, H_test = enc.transform(X_train), enc.transform(X_test)

    def ours_centroid():
        c = HDClassifier(epochs=0, random_state=0).fit(H_train, y_train)
        return c.predict(H_test)

    t_c, pred_c = timed(ours_centroid, args.repeat)

    def sk_centroid():
        B_train = hdc.unpack(H_train[:n_peer]).astype(np.float32) * 2 - 1
        B_test = hdc.unpack(H_test).astype(np.float32) * 2 - 1
        return NearestCentroid().fit(B_train, y_train[:n_peer]).predict(B_test)

    t_sk, pred_sk = timed(sk_centroid, 1)
    row("centroid", t_c, len(H_train) + len(H_test), "sklearn NearestCentroid", t_sk,
        n_peer + len(H_test), accuracy_ours=float(np.mean(pred_c == y_test)),
        accuracy_peer=float(np.mean(pred_sk == y_test)))

    # 4. the defaults
    if not args.skip_default:
        t_fit, clf = timed(lambda: HDClassifier(random_state=0).fit(X_train, y_train), 1)
        t_pred, pred = timed(lambda: clf.predict(X_test), 1)
        row("default_fit", t_fit, len(X_train), "-", None, 0,
            accuracy_ours=float(np.mean(pred == y_test)))
        row("default_predict", t_pred, len(X_test), "-", None, 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "letter"],
                        choices=["digits", "letter", "fashion-mnist"])
    parser.add_argument("--dim", type=int, default=10000)
    parser.add_argument("--levels", type=int, default=32, help="record encoding levels")
    parser.add_argument("--epochs", type=int, default=10, help="AdaptHD retraining epochs")
    parser.add_argument("--peer-samples", type=int, default=2000,
                        help="training samples given to the slow peers")
    parser.add_argument("--conv-peer-samples", type=int, default=10000,
                        help="images given to the numpy and torch convolution peers")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for our timings")
    parser.add_argument("--skip-default", action="store_true", help="skip HDClassifier()")
    parser.add_argument("--out", default="bench_learn.json", help="file in benchmarks/results/")
    args = parser.parse_args(argv)

    # torchhd warns about its zero-initialised prototypes, NearestCentroid about constant bits
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="sklearn")
    th, th_msg = load_torchhd()
    print(f"hdkit bench_learn: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus; {th_msg}")
    rows: list = []
    for name in args.datasets:
        try:
            bench_dataset(name, args, th, rows)
        except DatasetNotFoundError as exc:
            print(f"{name}: skipped, {exc}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / args.out
    out.write_text(json.dumps({"args": vars(args), "torchhd": th_msg, "rows": rows}, indent=1))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
