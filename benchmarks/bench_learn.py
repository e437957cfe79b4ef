"""Benchmark of hdkit's learning half: encoders and HDClassifier, beside peers in the same run.

For each dataset (sklearn digits, UCI letter, Fashion-MNIST) it measures

1. ``encode_record``: record encoding at ``--dim`` bits with ``encoders.RecordEncoder`` vs
   torchhd's identical encoding (``hash_table(keys, levels(x)).sign()``, the encoder of its
   AdaptHD/Vanilla classifiers) and a plain numpy implementation on unpacked bipolar bits (int8);
   ``encode_rff``: ``ProjectionEncoder(kind="rff")`` (no peer); ``encode_conv`` (image datasets:
   digits 8x8, Fashion-MNIST 28x28): ``ConvolutionEncoder`` vs the same encoding in numpy
   (sliding windows, einsum, max-pooling, ``packbits``) and in torch (``conv2d`` +
   ``max_pool2d(ceil_mode=True)``), with the share of bits that differ from ours (float sums in
   another order: responses within rounding of a threshold);
2. ``adapthd_fit`` / ``adapthd_predict``: the same method end to end, record encoding + AdaptHD
   retraining for ``--epochs`` passes: ``HDClassifier(encoder=RecordEncoder(...), margin=0)`` vs
   ``torchhd.classifiers.AdaptHD`` with the same dim, levels and epochs (fit and predict time,
   accuracy of both on the same test samples);
3. ``centroid``: a centroid classifier on the same packed encodings: ``HDClassifier(epochs=0)``
   vs scikit-learn's ``NearestCentroid`` on the unpacked bits (fit + predict, unpacking included);
4. ``default_fit`` / ``default_predict``: ``HDClassifier()`` with its defaults (one run, no peer).

How the two sides are compared:

- every row with a peer runs both sides on the same samples: the first ``n`` training rows
  (encoding, fit) and the first ``min(n, n_test)`` test rows (predict, accuracy), both fitted on
  those training rows only. ``n`` is ``--peer-samples`` (default 2000) for the numpy and sklearn
  peers, ``--conv-peer-samples`` (default 10000 images) for the convolution peers and
  ``--torchhd-samples`` for torchhd (default: ``--peer-samples``, but at most 200 on
  Fashion-MNIST, where torchhd takes 30-50 ms per image and epoch). The speed-up is
  ``peer_s / ours_s`` on those samples;
- rows whose peer column reads ``(full data, no peer)`` are ours alone on the whole training
  and test sets (encoding rows: train + test), with their accuracy on the whole test set;
- both sides are timed the same way: the best of ``--repeat`` (default 3) runs after one untimed
  warm-up call on a few rows (numba compilation, torch thread start-up); each timed fit builds a
  fresh model;
- torchhd's batch size (rows per ``(batch, features, dim)`` float32 tensor, which torchhd
  materialises twice: the levels, then their binding with the keys) is chosen per dataset by
  measuring the encoding on one batch of rows at ``cap``, ``cap / 4`` and ``cap / 16`` rows and
  keeping the fastest, where ``cap`` keeps that tensor within 1 GiB and at most 1024 rows
  (letter 1024, digits 419, Fashion-MNIST 34 at ``dim=10000``). The measured times per sample
  are printed and stored (``torch_batch``). Encoding, AdaptHD fit and predict use that batch.

torchhd is optional (``pip install torch==2.13.0`` then ``pip install torch-hd`` plus pandas and
requests; add ``--no-deps`` if it would pull another torch); without it those rows say so and
the numpy / sklearn peers still run.

    python benchmarks/bench_learn.py                        # digits and letter
    python benchmarks/bench_learn.py --datasets digits letter fashion-mnist

Writes ``benchmarks/results/bench_learn.json`` (``--out``): the arguments, versions, the torchhd
batch-size measurements and one record per table row.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

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

# torchhd's default sample count per dataset, below --peer-samples (seconds per image and epoch)
TORCHHD_SAMPLES = {"fashion-mnist": 200}
TORCH_BATCH_BYTES = 2**30  # budget for one (batch, features, dim) float32 tensor
TORCH_BATCH_MAX = 1024
FULL = "(full data, no peer)"
IMAGE_DATASETS = ("digits", "fashion-mnist")  # letter's 16 features are not a 4x4 image


def load_torchhd():
    os.environ.setdefault("TQDM_DISABLE", "1")  # AdaptHD.fit's per-epoch progress bar
    try:
        import torch
        import torchhd  # noqa: F401
        from torchhd import functional
        from torchhd.classifiers import AdaptHD
    except ImportError as exc:
        return None, f"torchhd not available ({exc}); torchhd rows skipped"
    version = (f"torch {torch.__version__}, torch-hd {torchhd.__version__}, "
               f"threads {torch.get_num_threads()}")
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


def to_unit_range(X_fit: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per-feature min-max scaling (from ``X_fit``) to [-1, 1] (torchhd's Level range), clipped."""
    low, high = X_fit.min(axis=0), X_fit.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.clip(2 * (X - low) / span - 1, -1, 1).astype(np.float32)


def torch_batch_candidates(n_features: int, dim: int) -> list[int]:
    """``cap``, ``cap // 4``, ``cap // 16`` rows, ``cap`` keeping (rows, features, dim) float32
    within ``TORCH_BATCH_BYTES`` and at most ``TORCH_BATCH_MAX`` rows."""
    cap = int(max(1, min(TORCH_BATCH_MAX, TORCH_BATCH_BYTES // (4 * n_features * dim))))
    return sorted({cap, max(1, cap // 4), max(1, cap // 16)}, reverse=True)


def torch_encode(th, keys, levels, Xt, bs: int):
    torch, functional, _ = th
    with torch.no_grad():
        return [functional.hash_table(keys.weight, levels(Xt[s : s + bs])).sign()
                for s in range(0, len(Xt), bs)]


def pick_torch_batch(th, keys, levels, X: np.ndarray, dim: int, repeat: int):
    """Time torchhd's encoding of one ``cap``-row batch at each candidate batch size; the fastest
    and {batch: seconds per sample}."""
    torch = th[0]
    candidates = torch_batch_candidates(X.shape[1], dim)
    Xt = torch.from_numpy(X[: candidates[0]])
    torch_encode(th, keys, levels, Xt[:2], 2)  # warm-up
    per_sample = {}
    for bs in candidates:
        t, _ = best_seconds_with_result(
            lambda bs=bs: torch_encode(th, keys, levels, Xt, bs), min(repeat, 2)
        )
        per_sample[bs] = t / len(Xt)
    return min(per_sample, key=per_sample.get), per_sample


def best_of(fn, repeat: int, warmup=None) -> tuple[float, object]:
    """``best_seconds_with_result(fn, repeat)`` after one untimed call of ``warmup`` (a cheap
    call on a few rows)."""
    if warmup is not None:
        warmup()
    return best_seconds_with_result(fn, repeat)


# ------------------------------------------------------------------------------------ rows
def bench_dataset(name: str, args, th, rows: list, batches: dict) -> None:
    X_train, X_test, y_train, y_test = load_dataset(name)
    X_train = np.asarray(X_train, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    classes, y_train_idx = np.unique(y_train, return_inverse=True)
    y_test_idx = np.searchsorted(classes, y_test)
    X_all = np.vstack([X_train, X_test])
    n_levels, dim, rep = args.levels, args.dim, args.repeat
    n_peer = min(len(X_train), args.peer_samples)
    n_th = min(len(X_train), args.torchhd_samples or TORCHHD_SAMPLES.get(name, n_peer), n_peer)
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}, dim {dim}; "
          f"peers on {n_peer} training samples, torchhd on {n_th}")

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
    if th is not None:
        from torchhd.embeddings import Level, Random

        torch = th[0]
        torch.manual_seed(0)
        keys = Random(X_train.shape[1], dim)
        levels = Level(n_levels, dim, low=-1, high=1)
        X_unit = to_unit_range(X_train, X_train[:n_th])
        bs, probe = pick_torch_batch(th, keys, levels, X_unit, dim, rep)
        batches[name] = {"chosen": bs, "seconds_per_sample": probe}
        print("  torchhd batch (rows: ms per sample encoding): "
              + ", ".join(f"{b}: {1e3 * t:.2f}" for b, t in probe.items()) + f" -> {bs}")
        Xt = torch.from_numpy(X_unit)
        t_ours, _ = best_of(lambda: enc.transform(X_train[:n_th]), rep, warm_enc)
        t_th, _ = best_of(lambda: torch_encode(th, keys, levels, Xt, bs), rep,
                          lambda: torch_encode(th, keys, levels, Xt[:2], bs))
        row("encode_record", n_th, t_ours, f"torchhd hash_table (b={bs})", t_th)
    else:
        row("encode_record", n_th, None, "torchhd (not installed)")
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
        if th is not None:
            t_th, H_th = best_of(lambda: torch_conv(th[0], X_conv, conv), rep,
                                 lambda: torch_conv(th[0], X_conv[:10], conv))
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
    m_th = min(len(X_test), n_th)
    if th is not None:
        torch, _, AdaptHD = th
        t_fit, clf = best_of(lambda: ours_adapt(n_th), rep, lambda: ours_adapt(20))
        t_pred, pred = best_of(lambda: clf.predict(X_test[:m_th]), rep,
                               lambda: clf.predict(X_test[:10]))
        Xt = torch.from_numpy(to_unit_range(X_train[:n_th], X_train[:n_th]))
        yt = torch.from_numpy(y_train_idx[:n_th].astype(np.int64))
        loader = [(Xt[s : s + bs], yt[s : s + bs]) for s in range(0, len(Xt), bs)]

        def torch_fit(data):
            torch.manual_seed(0)
            model = AdaptHD(X_train.shape[1], dim, len(classes), n_levels=n_levels,
                            epochs=args.epochs)
            return model.fit(data)

        t_th_fit, model = best_of(lambda: torch_fit(loader), rep,
                                  lambda: torch_fit([(Xt[:2], yt[:2])]))
        Xq = torch.from_numpy(to_unit_range(X_train[:n_th], X_test[:m_th]))

        def torch_predict(X):
            with torch.no_grad():
                return torch.cat([model.predict(X[s : s + bs]) for s in range(0, len(X), bs)])

        t_th_pred, th_pred = best_of(lambda: torch_predict(Xq), rep, lambda: torch_predict(Xq[:2]))
        peer = f"torchhd AdaptHD (b={bs})"
        row("adapthd_fit", n_th, t_fit, peer, t_th_fit,
            accuracy_ours=float(np.mean(pred == y_test[:m_th])),
            accuracy_peer=float(np.mean(th_pred.numpy() == y_test_idx[:m_th])))
        row("adapthd_predict", m_th, t_pred, peer, t_th_pred)
    else:
        row("adapthd_fit", n_th, None, "torchhd (not installed)")
        row("adapthd_predict", m_th, None, "torchhd (not installed)")

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "letter"],
                        choices=["digits", "letter", "fashion-mnist"])
    parser.add_argument("--dim", type=int, default=10000)
    parser.add_argument("--levels", type=int, default=32, help="record encoding levels")
    parser.add_argument("--epochs", type=int, default=10, help="AdaptHD retraining epochs")
    parser.add_argument("--peer-samples", type=int, default=2000,
                        help="training (and test) samples of the numpy / sklearn peer rows")
    parser.add_argument("--torchhd-samples", type=int, default=None,
                        help="training (and test) samples of the torchhd rows (default: "
                             "--peer-samples, at most 200 on fashion-mnist)")
    parser.add_argument("--conv-peer-samples", type=int, default=10000,
                        help="images given to both sides of the convolution peer rows")
    parser.add_argument("--repeat", type=int, default=3, help="best of N, for both sides")
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
    batches: dict = {}
    start = time.perf_counter()
    for name in args.datasets:
        try:
            bench_dataset(name, args, th, rows, batches)
        except DatasetNotFoundError as exc:
            print(f"{name}: skipped, {exc}")
    print(f"\nbest of {args.repeat} per side; speedup = peer_s / ours_s on the same samples; "
          f"peer {FULL!r}: ours alone on all the data\n")
    print_table([{**r, "ours_per_s": None if r["ours_per_s"] is None else round(r["ours_per_s"]),
                  "speedup": None if r["speedup"] is None else f"{r['speedup']:.1f}x"}
                 for r in rows], COLUMNS)
    out = write_json({"args": vars(args), "machine": machine_info(), "torchhd": th_msg,
                      "torch_batch": batches, "wall_s": time.perf_counter() - start,
                      "rows": rows}, RESULTS_DIR / args.out)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
