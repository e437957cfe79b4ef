"""Hamming kernels of hdkit's core side by side on one thread: row kernel against 4 x 4 tiles.

Run::

    python benchmarks/bench_hamming_kernels.py            # the sweep below, ~1 minute
    python benchmarks/bench_hamming_kernels.py --quick    # fewer shapes and repeats

For every shape (rows of a, rows of b, words per vector) the one-row kernel
(``hdc._kernels.hamming_matrix_rows``: one query against four stored rows per pass) and the
tiled kernel (``hamming_matrix_tiles``: four against four, blocks of b in L2, explicit 512-bit
``VPOPCNTQ`` vectors where numba compiles for them) run in turn, in alternating order, on one
thread; the table gives both times (CPU time of the thread, which other processes on a shared
machine do not inflate; median and best), the tiled kernel's speed-up and the
kernel the dispatcher ``hdc._kernels.hamming_matrix`` picks. This is the measurement behind
``TILE_MIN_WORDS``, ``TILE_MIN_ROWS`` and ``ROWS_MIN_WORDS_SMALL_B`` of ``hdc._kernels``.

Then the per-core comparison with numpy at the issue's workload (10,000 x 26 vectors of 10,240
bits): ``hdc.hamming`` at one numba thread against the two numpy peers of ``bench_core.py``
(L2-blocked, and blocks of 1,000 queries), all timed as CPU time of the calling thread, so
that other jobs on a shared machine do not enter the ratio (they still share the caches and
the memory bus). The JSON records the load average and CPU features.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, cpu_features, machine_info, print_table, write_json  # noqa: E402

from hdc import _kernels, _wide  # noqa: E402

SHAPES = [
    (10000, 26, 160), (2000, 2000, 160), (200, 100000, 160), (4096, 1024, 32),
    (5000, 26, 16), (5000, 26, 24), (5000, 26, 32), (5000, 26, 40), (5000, 26, 64),
    (5000, 4, 160), (5000, 8, 160), (5000, 12, 160), (5000, 16, 160), (5000, 20, 160),
    (5000, 8, 40), (1000, 8, 1024), (5000, 26, 1024), (7, 5000, 160), (7, 32, 160),
]
QUICK = [(10000, 26, 160), (2000, 2000, 160), (5000, 26, 32), (5000, 26, 40), (5000, 8, 160)]


def time_pair(fns: list, repeats: int) -> list[list[float]]:
    """CPU seconds of the calling thread for every function per repeat (time taken by other
    processes on the core does not count), the order alternating between repeats."""
    times: list[list[float]] = [[] for _ in fns]
    for r in range(repeats + 1):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            start = time.thread_time()
            fns[i]()
            if r:
                times[i].append(time.thread_time() - start)
    return times


def measure(rng: np.random.Generator, n_a: int, n_b: int, n_words: int, repeats: int) -> dict:
    """Both kernels on one shape: thread CPU times (median and best) and the speed-up."""
    a = rng.integers(0, 2**64, (n_a, n_words), dtype=np.uint64)
    b = rng.integers(0, 2**64, (n_b, n_words), dtype=np.uint64)
    out_rows = np.empty((n_a, n_b), dtype=np.int64)
    out_tiles = np.empty_like(out_rows)
    rows_a, rows_b = _wide.block_rows(n_words), _wide.tile_rows(n_words)
    t_rows, t_tiles = time_pair([
        lambda: _kernels.hamming_matrix_rows(a, b, out_rows),
        lambda: _kernels.hamming_matrix_tiles(a, b, rows_a, rows_b, out_tiles),
    ], repeats)
    assert np.array_equal(out_rows, out_tiles)
    med_rows, med_tiles = statistics.median(t_rows), statistics.median(t_tiles)
    return {
        "n_a": n_a, "n_b": n_b, "words": n_words,
        "rows_ms": med_rows * 1e3, "tiles_ms": med_tiles * 1e3,
        "rows_best_ms": min(t_rows) * 1e3, "tiles_best_ms": min(t_tiles) * 1e3,
        "speedup": med_rows / med_tiles, "speedup_best": min(t_rows) / min(t_tiles),
        "tiles_gpairs_per_s": n_a * n_b * n_words / min(t_tiles) / 1e9,
        "dispatch": "tiles" if _kernels.tiled(n_a, n_b, n_words) else "rows",
        "loadavg_1min": os.getloadavg()[0],
    }


def per_core_peers(repeats: int) -> list[dict]:
    """hdc.hamming on one thread against the numpy peers, thread CPU time, 10,000 x 26."""
    import numba
    from bench_core import numpy_hamming, numpy_hamming_blocked

    import hdc

    x = hdc.random(10000, 10240, random_state=0)
    stored = hdc.random(26, 10240, random_state=1)
    expected = hdc.hamming(x, stored)
    assert np.array_equal(expected, numpy_hamming_blocked(x, stored))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        t_hd, t_blocked, t_plain = time_pair([
            lambda: hdc.hamming(x, stored),
            lambda: numpy_hamming_blocked(x, stored),
            lambda: numpy_hamming(x, stored),
        ], repeats)
    finally:
        numba.set_num_threads(threads)
    rows = []
    for peer, t_peer in (("numpy bitwise_count, L2-blocked", t_blocked),
                         ("numpy bitwise_count, 1,000-query blocks", t_plain)):
        rows.append({
            "workload": "Hamming 10000x26, D=10240, 1 thread (CPU time)", "peer": peer,
            "hdkit_ms": statistics.median(t_hd) * 1e3, "peer_ms": statistics.median(t_peer) * 1e3,
            "ratio": statistics.median(t_peer) / statistics.median(t_hd),
            "ratio_best": min(t_peer) / min(t_hd), "loadavg_1min": os.getloadavg()[0],
        })
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="5 shapes, 5 repeats")
    parser.add_argument("--out", default=str(RESULTS_DIR / "hamming_kernels.json"))
    args = parser.parse_args(argv)
    shapes = QUICK if args.quick else SHAPES
    repeats = 5 if args.quick else args.repeats
    import numba

    numba.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for n_a, n_b, n_words in shapes:
        rows.append(measure(rng, n_a, n_b, n_words, repeats))
        print(f"{n_a}x{n_b}x{n_words}: tiles {rows[-1]['speedup']:.2f}x rows", flush=True)
    peers = per_core_peers(repeats)
    print()
    print_table(rows, ["n_a", "n_b", "words", "rows_ms", "tiles_ms", "speedup", "speedup_best",
                       "tiles_gpairs_per_s", "dispatch", "loadavg_1min"])
    print()
    print_table(peers, ["workload", "peer", "hdkit_ms", "peer_ms", "ratio", "ratio_best",
                        "loadavg_1min"])
    result = {"machine": machine_info(), "cpu_features": cpu_features(), "wide": _wide.WIDE,
              "args": vars(args), "loadavg_end": os.getloadavg(), "rows": rows,
              "per_core_peers": peers}
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
