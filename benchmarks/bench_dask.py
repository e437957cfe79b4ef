"""Fitting HDClassifier on Dask beyond one worker's memory: throughput, scaling, peak memory.

Run::

    python benchmarks/bench_dask.py                  # 2,000,000 records, 1 then 2 workers
    python benchmarks/bench_dask.py --rows 200000    # a quick run
    python benchmarks/bench_dask.py --scheduler tcp://host:8786   # an existing cluster

The records are generated lazily, block by block, on the workers (a Dask array never held
whole anywhere): ``--features`` Gaussian features, labels from the argmax of a fixed random
linear map of them plus noise. The whole set (``rows x features x 8`` bytes: 1.5 GB by default)
is larger than each worker's memory limit (``--memory-limit``, 1 GB by default, of which about
300 MB go to the interpreter and hdkit's imports), so the fit only works because every pass
streams partitions. Each configuration starts a fresh
``LocalCluster`` on loopback (one thread per worker, and one numba / BLAS thread in it), fits,
then reads the peak resident memory of every worker process. Results go to a table and to JSON.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

# one thread per worker for every library, so that the worker count is the core count; the
# workers inherit this environment (Dask already pins the BLAS pools, numba it does not)
for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, machine_info, print_table, write_json  # noqa: E402


def make_data(rows: int, features: int, classes: int, chunk: int, seed: int = 0):
    """Lazy synthetic classification data: X (rows, features) float64, y (rows,) int.

    Gaussian blobs: a label drawn uniformly, then its class centre plus unit noise. Every
    block is generated on the worker from its own seed (``seed`` and the block's position);
    the class centres are the same for every ``seed``, so a test set drawn with another seed
    follows the same classes.
    """
    import dask.array as da

    centres = np.random.default_rng(12345).standard_normal((classes, features))
    starts = np.arange(0, rows, chunk)
    sizes = tuple(int(min(chunk, rows - s)) for s in starts)

    def block(kind: str, block_info=None) -> np.ndarray:
        location = block_info[None]["array-location"][0]
        rng = np.random.default_rng([seed, location[0]])
        n = location[1] - location[0]
        y = rng.integers(0, classes, size=n)
        if kind == "y":
            return y
        return centres[y] + rng.standard_normal((n, features))

    X = da.map_blocks(block, "X", chunks=(sizes, (features,)), dtype=np.float64)
    y = da.map_blocks(block, "y", chunks=(sizes,), dtype=np.int64)
    return X, y


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_after_imports_mb() -> float:
    """Resident memory of a worker once hdkit and its dependencies are imported."""
    import psutil

    import encoders  # noqa: F401
    import hdc  # noqa: F401

    return psutil.Process().memory_info().rss / 1e6


def run(n_workers: int | None, args, address: str | None = None) -> dict:
    from distributed import Client, LocalCluster

    from hdc import HDClassifier

    if address:
        client = Client(address)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, memory_limit=args.memory_limit,
        )
        client = Client(cluster)
    try:
        workers = len(client.scheduler_info()["workers"])
        baseline = client.run(rss_after_imports_mb)
        X, y = make_data(args.rows, args.features, args.classes, args.chunk)
        X_test, y_test = make_data(20000, args.features, args.classes, 20000, seed=99)
        clf = HDClassifier(dim=args.dim, epochs=args.epochs, retraining="batch", random_state=0)
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        accuracy = float(np.mean(clf.predict(X_test).compute() == y_test.compute()))
        peaks = client.run(peak_rss_mb)
        passes = 3 + len(clf.n_updates_)  # statistics, counters, margin, epochs
        return {
            "workers": workers,
            "rows": args.rows,
            "passes": passes,
            "fit_s": seconds,
            "rows_per_s": args.rows * passes / seconds,
            "accuracy": accuracy,
            "worker_mb_after_imports": max(baseline.values()),
            "peak_worker_mb": max(peaks.values()),
            "memory_limit": args.memory_limit,
        }
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=96)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=25_000, help="rows per partition")
    parser.add_argument("--memory-limit", default="1GB", help="per worker (LocalCluster)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler to use")
    parser.add_argument("--out", default=str(RESULTS_DIR / "dask.json"))
    args = parser.parse_args(argv)

    data_mb = args.rows * args.features * 8 / 1e6
    print(f"data: {args.rows:,} x {args.features} float64 = {data_mb:.0f} MB, generated lazily; "
          f"worker memory limit {args.memory_limit}")
    rows = []
    if args.scheduler:
        rows.append(run(None, args, address=args.scheduler))
    else:
        for n in [int(v) for v in args.workers.split(",")]:
            rows.append(run(n, args))
            print(f"  {n} worker(s): {rows[-1]['fit_s']:.1f} s")
    base = rows[0]["rows_per_s"]
    for row in rows:
        row["scaling"] = row["rows_per_s"] / base
    print_table(rows, ["workers", "rows", "passes", "fit_s", "rows_per_s", "scaling", "accuracy",
                       "worker_mb_after_imports", "peak_worker_mb", "memory_limit"])
    result = {"machine": machine_info(), "args": vars(args), "data_mb": data_mb, "rows": rows}
    print(f"\nwrote {write_json(result, args.out)}")
    return result


if __name__ == "__main__":
    main()
