"""Benchmark of hdkit's bit-packed core against plain numpy and bhv's native C++ backend.

Run::

    python benchmarks/bench_core.py            # full sizes (issue #2), ~1 minute
    python benchmarks/bench_core.py --quick    # smaller sizes, a few seconds
    python benchmarks/bench_core.py --busy     # 1 and 2 threads, idle and with one core taken

``--busy`` (about half a minute) times hdkit at one thread, at the default thread setting (2
threads on a 2-core machine, capped by the cores idle at each call) and at two workers without
that cap, against its peers (bhv's native majority at 8,192 bits; numpy ``bitwise_count``,
L2-blocked and in blocks of 1,000 queries; numpy shift-and-carry; at ``--dim``; and the
neighbours of every node of a 2,000-node graph at 1,024 bits against numpy's L2-blocked
``bitwise_count`` distances, thresholded), first with no
competitor, then with a process the benchmark starts itself that spins on one core (and stops at
the end). Runs of hdkit and its peers are interleaved within every repeat, in a fresh random
order each time; the table gives the ratios of medians (the JSON also those of the best runs)
and the JSON records the load average and CPU features, since "idle" on a shared machine is not
idle.

Every operation is timed for hdkit and its peers in the same run (median of repeats), and the
table reports the ratios. bhv is compiled for a fixed width (8,192 bits), so the comparisons with
bhv run at that width; the numpy comparisons run at ``--dim`` (10,240 by default).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    RESULTS_DIR,
    Spinner,
    cpu_features,
    machine_info,
    median_seconds,
    print_table,
    write_json,
)

import hdc  # noqa: E402
from hdc import _parallel  # noqa: E402


# ------------------------------------------------------------------ numpy peers on packed words
def numpy_majority(x: np.ndarray) -> np.ndarray:
    bits = np.unpackbits(x.view(np.uint8), axis=1, bitorder="little")
    counts = bits.sum(axis=0, dtype=np.int64)
    out = 2 * counts > x.shape[0]
    return np.packbits(out, bitorder="little").view(np.uint64)


def numpy_hamming(q: np.ndarray, s: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """The plain numpy peer: blocks of 1,000 queries, the XOR block (tens of MB) materialised."""
    out = np.empty((q.shape[0], s.shape[0]), dtype=np.int64)
    for i in range(0, q.shape[0], chunk):
        out[i : i + chunk] = np.bitwise_count(q[i : i + chunk, None, :] ^ s[None]).sum(-1)
    return out


def numpy_hamming_blocked(q: np.ndarray, s: np.ndarray, budget: int = 1 << 20) -> np.ndarray:
    """The strong numpy peer: blocks of queries whose XOR block fits in ``budget`` bytes (the
    L2 cache), XOR and popcount into preallocated buffers, the per-word counts (uint8) summed
    in uint16 (or uint32 for long vectors). About twice as fast as :func:`numpy_hamming`."""
    n_s, n_words = s.shape
    chunk = max(1, budget // (8 * n_s * n_words))
    xor = np.empty((chunk, n_s, n_words), dtype=np.uint64)
    ones = np.empty((chunk, n_s, n_words), dtype=np.uint8)
    total = np.uint16 if 64 * n_words < 2**16 else np.uint32
    out = np.empty((q.shape[0], n_s), dtype=np.int64)
    for i in range(0, q.shape[0], chunk):
        n = min(chunk, q.shape[0] - i)
        np.bitwise_xor(q[i : i + n, None, :], s[None], out=xor[:n])
        np.bitwise_count(xor[:n], out=ones[:n])
        out[i : i + n] = ones[:n].sum(-1, dtype=total)
    return out


def numpy_permute(x: np.ndarray, shift: int) -> np.ndarray:
    dim = x.shape[1] * 64
    shift %= dim
    q, r = divmod(shift, 64)
    rolled = np.roll(x, q, axis=1)
    if r == 0:
        return rolled
    return (rolled << np.uint64(r)) | (np.roll(rolled, 1, axis=1) >> np.uint64(64 - r))


# ------------------------------------------------------------------ bhv peer
def load_bhv():
    """bhv's native C++ backend through its public class, ``bhv.native.NativePackedBHV``."""
    try:
        from bhv.native import DIMENSION, NativePackedBHV
    except ImportError:
        return None, None
    return NativePackedBHV, DIMENSION


def to_bhv(cls, x: np.ndarray) -> list:
    return [cls.from_bytes(row.astype("<u8").tobytes()) for row in x]


def peak_extra_bytes(fn) -> int:
    """Peak memory allocated through numpy while ``fn`` runs (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


# ------------------------------------------------------------------ --busy: load robustness
def interleaved_times(entries: dict, repeats: int) -> dict:
    """Seconds of every entry per repeat, all entries timed in turn within each repeat (after
    one warm-up round), in a fresh random order in every repeat (seeded), so that no entry
    always runs right after the same neighbour (which evicted the caches or heated the core).

    ``entries[name] = (fn, threads, adapt)``: ``fn`` runs with ``threads`` numba threads (None:
    the default setting) and with the scheduler's cap by the idle cores on or off (``adapt``).
    Also counts, per entry, the timed calls that started pool threads (``times["parallel:" +
    name]``): the scheduler's choice between its serial path and several workers.
    """
    default = numba.get_num_threads()
    names = list(entries)
    shuffle = random.Random(0)
    times: dict = {name: [] for name in names}
    parallel = dict.fromkeys(names, 0)
    get_pool = _parallel._get_pool
    pools = []

    def counting_pool(size):  # called by run_chunks only when it uses more than one worker
        pools.append(size)
        return get_pool(size)

    _parallel._get_pool = counting_pool
    try:
        for r in range(repeats + 1):
            for name in shuffle.sample(names, len(names)):
                fn, threads, adapt = entries[name]
                numba.set_num_threads(default if threads is None else min(threads, default))
                _parallel.ADAPT_TO_LOAD = adapt
                pools.clear()
                try:
                    start = time.perf_counter()
                    fn()
                    elapsed = time.perf_counter() - start
                finally:
                    numba.set_num_threads(default)
                    _parallel.ADAPT_TO_LOAD = True
                if r:
                    times[name].append(elapsed)
                    parallel[name] += bool(pools)
    finally:
        _parallel._get_pool = get_pool
    times.update({f"parallel:{name}": count for name, count in parallel.items()})
    return times


def busy_ops(args: argparse.Namespace, rng: np.random.Generator) -> dict:
    """key -> (workload, hdkit call, [(peer name, peer call), ...]), checked against the peers."""
    n, dim = args.n, args.dim
    x = hdc.random(n, dim, random_state=rng)
    stored = hdc.random(args.stored, dim, random_state=rng)
    shift = 1234567
    expected = hdc.hamming(x, stored)
    assert np.array_equal(expected, numpy_hamming(x, stored))
    assert np.array_equal(expected, numpy_hamming_blocked(x, stored))
    assert np.array_equal(hdc.permute(x, shift), numpy_permute(x, shift))
    cls, bhv_dim = load_bhv()
    if cls is not None:
        xb = hdc.random(n - 1 + n % 2, bhv_dim, random_state=rng)  # bhv needs an odd count
        xs = to_bhv(cls, xb)
        assert np.array_equal(hdc.bundle(xb), np.frombuffer(cls.majority(xs).to_bytes(), "<u8"))
        bundle = (f"bundle {xb.shape[0]}, D={bhv_dim}", lambda: hdc.bundle(xb),
                  [("bhv native majority", lambda: cls.majority(xs))])
    else:
        xn = x[: n - 1 + n % 2]
        bundle = (f"bundle {xn.shape[0]}, D={dim}", lambda: hdc.bundle(xn, tie="zero"),
                  [("numpy unpackbits+sum", lambda: numpy_majority(xn))])
        print("bhv is not installed (pip install '.[bench]'): bundle runs against numpy")
    # the symbolic structures' batched threshold test: an undirected graph's every node
    nodes = hdc.random(args.graph_nodes, 1024, random_state=rng)
    sources = rng.integers(0, args.graph_nodes, args.graph_nodes // 10)
    targets = (sources + rng.integers(1, args.graph_nodes, sources.size)) % args.graph_nodes
    graph = hdc.Graph.from_edges(np.stack([sources, targets], axis=1), nodes, random_state=0)
    every, threshold = np.arange(args.graph_nodes), 0.52
    probes = hdc.bind(graph.value, nodes)

    def numpy_neighbours():
        return 1.0 - numpy_hamming_blocked(probes, nodes) / 1024 >= threshold

    assert np.array_equal(graph.neighbours(every, threshold=threshold), numpy_neighbours())
    return {
        "neighbours": (
            f"Graph.neighbours of all {args.graph_nodes} nodes, D=1024",
            lambda: graph.neighbours(every, threshold=threshold),
            [("numpy bitwise_count, L2-blocked", numpy_neighbours)],
        ),
        "bundle": bundle,
        "hamming": (
            f"Hamming {n}x{args.stored}, D={dim}", lambda: hdc.hamming(x, stored),
            [("numpy bitwise_count, L2-blocked", lambda: numpy_hamming_blocked(x, stored)),
             ("numpy bitwise_count, 1,000-query blocks", lambda: numpy_hamming(x, stored))],
        ),
        "permute": (
            f"permute {n} by {shift}, D={dim}", lambda: hdc.permute(x, shift),
            [("numpy shift-and-carry", lambda: numpy_permute(x, shift))],
        ),
    }


def busy_rows(setting: str, key: str, op: tuple, repeats: int) -> list[dict]:
    """Time one operation (hdkit at 1 thread, at the default setting, at 2 workers without the
    idle-core cap; its peers) and give one row per peer with median and best-run ratios."""
    label, ours, peers = op
    entries = {"one": (ours, 1, True), "default": (ours, None, True),
               "two_fixed": (ours, 2, False)}
    entries.update({f"peer{i}": (fn, None, True) for i, (_, fn) in enumerate(peers)})
    load_before = os.getloadavg()
    times = interleaved_times(entries, repeats)
    med = {name: statistics.median(times[name]) for name in entries}
    best = {name: min(times[name]) for name in entries}
    rows = []
    for i, (peer, _) in enumerate(peers):
        p = f"peer{i}"
        rows.append({
            "setting": setting, "operation": key, "workload": label, "peer": peer,
            "hdkit_1thread_ms": med["one"] * 1e3, "hdkit_default_ms": med["default"] * 1e3,
            "hdkit_2workers_ms": med["two_fixed"] * 1e3, "peer_ms": med[p] * 1e3,
            "hdkit_1thread_best_ms": best["one"] * 1e3,
            "hdkit_default_best_ms": best["default"] * 1e3,
            "hdkit_2workers_best_ms": best["two_fixed"] * 1e3, "peer_best_ms": best[p] * 1e3,
            "ratio_1thread": med[p] / med["one"], "ratio_default": med[p] / med["default"],
            "ratio_2workers": med[p] / med["two_fixed"],
            "ratio_1thread_best": best[p] / best["one"],
            "ratio_default_best": best[p] / best["default"],
            "default_over_1thread": med["one"] / med["default"],
            "default_over_1thread_best": best["one"] / best["default"],
            "two_workers_over_1thread": med["one"] / med["two_fixed"],
            "default_parallel_calls": f"{times['parallel:default']}/{repeats}",
            "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        })
    return rows


def busy_main(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(0)
    threads = numba.get_num_threads()
    ops = busy_ops(args, rng)
    rows = []
    settings = [("idle", None), ("one core busy", args.busy_cpu)]
    for setting, cpu in settings:
        with Spinner(cpu is not None, core=cpu, settle=0.5):  # settle: let it start spinning
            for key, op in ops.items():
                rows += busy_rows(setting, key, op, args.repeats)
                print(f"{setting:14s} {key:8s} default / 1 thread: "
                      f"{rows[-1]['default_over_1thread']:.2f} (best runs "
                      f"{rows[-1]['default_over_1thread_best']:.2f}); 2 workers / 1 thread: "
                      f"{rows[-1]['two_workers_over_1thread']:.2f}", flush=True)
    print()
    print_table(rows, ["setting", "operation", "peer", "hdkit_1thread_ms", "hdkit_default_ms",
                       "hdkit_2workers_ms", "peer_ms", "ratio_1thread", "ratio_1thread_best",
                       "ratio_default", "default_over_1thread", "two_workers_over_1thread",
                       "default_parallel_calls"])
    result = {
        "machine": machine_info(), "cpu_features": cpu_features(), "args": vars(args),
        "default_threads": threads, "loadavg_end": os.getloadavg(),
        "note": "shared machine: other jobs may run alongside ('idle' is not idle), see loadavg; "
                "'default' = numba's thread setting with the scheduler's idle-core cap, "
                "'2workers' = two workers with the cap off",
        "rows": rows,
    }
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dim", type=int, default=10240, help="width for the numpy comparisons")
    parser.add_argument("--n", type=int, default=10000, help="vectors bundled / permuted / queried")
    parser.add_argument("--stored", type=int, default=26, help="stored vectors for Hamming search")
    parser.add_argument("--graph-nodes", type=int, default=2000,
                        help="nodes of the graph whose neighbours --busy queries")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per measurement (default 7; 21 with --busy)")
    parser.add_argument("--quick", action="store_true", help="n=2000, 3 repeats")
    parser.add_argument("--busy", action="store_true",
                        help="1 and default threads, idle and with a spinning competitor")
    parser.add_argument("--busy-cpu", type=int, default=1, help="core the competitor spins on")
    parser.add_argument("--out", default=None, help="JSON output (default: results/core.json, "
                        "results/core_busy.json with --busy)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeats = 2000, 3
    if args.repeats is None:
        args.repeats = 21 if args.busy else 7
    if args.busy:
        args.out = args.out or str(RESULTS_DIR / "core_busy.json")
        return busy_main(args)
    args.out = args.out or str(RESULTS_DIR / "core.json")
    n, dim, rep = args.n, args.dim, args.repeats
    rng = np.random.default_rng(0)
    threads = numba.get_num_threads()

    def hdkit_both(label, fn):
        """Time fn with all numba threads and with one thread."""
        t_all = median_seconds(fn, rep)
        numba.set_num_threads(1)
        try:
            t_one = median_seconds(fn, rep)
        finally:
            numba.set_num_threads(threads)
        return t_all, t_one

    rows = []

    def add(op, dim_, peer, t_hd, t_hd1, t_peer, target=None):
        ratio = t_peer / t_hd
        rows.append(
            {
                "operation": op,
                "dim": dim_,
                "peer": peer,
                "hdkit_ms": t_hd * 1e3,
                "hdkit_1thread_ms": t_hd1 * 1e3,
                "peer_ms": t_peer * 1e3,
                "speedup": ratio,
                "speedup_1thread": t_peer / t_hd1,
                "target": target,
                "met": None if target is None else bool(ratio >= target),
            }
        )

    # ---- bundle (majority)
    x = hdc.random(n, dim, random_state=rng)
    assert np.array_equal(hdc.bundle(x, tie="zero"), numpy_majority(x))
    t, t1 = hdkit_both("bundle", lambda: hdc.bundle(x, tie="zero"))
    t_np = median_seconds(lambda: numpy_majority(x), 3)
    add(f"bundle {n}", dim, "numpy unpackbits+sum", t, t1, t_np)

    # ---- Hamming matrix: the strong (L2-blocked) numpy peer, and the plain one
    stored = hdc.random(args.stored, dim, random_state=rng)
    assert np.array_equal(hdc.hamming(x, stored), numpy_hamming(x, stored))
    assert np.array_equal(hdc.hamming(x, stored), numpy_hamming_blocked(x, stored))
    t, t1 = hdkit_both("hamming", lambda: hdc.hamming(x, stored))
    t_np = median_seconds(lambda: numpy_hamming_blocked(x, stored), 3)
    add(f"hamming {n}x{args.stored}", dim, "numpy bitwise_count, L2-blocked", t, t1, t_np, 25.0)
    t_np = median_seconds(lambda: numpy_hamming(x, stored), 3)
    add(f"hamming {n}x{args.stored}", dim, "numpy bitwise_count, 1,000-query blocks", t, t1,
        t_np, 25.0)

    # ---- permute
    shift = 1234567
    assert np.array_equal(hdc.permute(x, shift), numpy_permute(x, shift))
    t, t1 = hdkit_both("permute", lambda: hdc.permute(x, shift))
    t_np = median_seconds(lambda: numpy_permute(x, shift), rep)
    add(f"permute {n} by {shift}", dim, "numpy shift-and-carry", t, t1, t_np, 3.0)

    # ---- bhv at its compiled width
    cls, bhv_dim = load_bhv()
    if cls is None:
        print("bhv is not installed (pip install '.[bench]'): skipping the bhv comparisons")
    else:
        xb = hdc.random(n, bhv_dim, random_state=rng)
        sb = hdc.random(args.stored, bhv_dim, random_state=rng)
        xs, ss = to_bhv(cls, xb), to_bhv(cls, sb)
        odd = xb[: n - 1 + n % 2]  # bhv's majority needs an odd count; use the same for both
        odd_list = xs[: odd.shape[0]]
        ours = hdc.bundle(odd)
        theirs = np.frombuffer(cls.majority(odd_list).to_bytes(), dtype="<u8")
        assert np.array_equal(ours, theirs), "bhv and hdkit disagree on the majority"
        t, t1 = hdkit_both("bundle", lambda: hdc.bundle(odd))
        t_b = median_seconds(lambda: cls.majority(odd_list), rep)
        add(f"bundle {odd.shape[0]}", bhv_dim, "bhv native majority", t, t1, t_b, 1.0)

        expected = hdc.hamming(xb, sb).argmin(axis=1)
        got = np.array([q.closest(ss) for q in xs[:200]])
        assert np.array_equal(got, expected[:200]), "bhv closest disagrees"
        t, t1 = hdkit_both("closest", lambda: hdc.hamming(xb, sb).argmin(axis=1))
        t_b = median_seconds(lambda: [q.closest(ss) for q in xs], 3)
        add(f"closest {n}x{args.stored}", bhv_dim, "bhv native closest loop", t, t1, t_b, 3.0)

        t, t1 = hdkit_both("permute", lambda: hdc.permute(xb, shift))
        t_b = median_seconds(lambda: [v.roll_bits(shift) for v in xs], 3)
        add(f"permute {n} by {shift}", bhv_dim, "bhv native roll_bits loop", t, t1, t_b)

    # ---- memory: extra bytes allocated, relative to the packed input
    memory = {
        "input_bytes": x.nbytes,
        "bundle_peak_bytes": peak_extra_bytes(lambda: hdc.bundle(x)),
        "hamming_peak_bytes": peak_extra_bytes(lambda: hdc.hamming(x, stored)),
        "permute_peak_bytes": peak_extra_bytes(lambda: hdc.permute(x, shift)),
        "numpy_majority_peak_bytes": peak_extra_bytes(lambda: numpy_majority(x)),
    }

    print_table(
        rows,
        ["operation", "dim", "peer", "hdkit_ms", "hdkit_1thread_ms", "peer_ms", "speedup",
         "speedup_1thread", "target", "met"],
    )
    print()
    for key, value in memory.items():
        print(f"{key:28s} {value / 1e6:10.2f} MB  ({value / x.nbytes:.2f}x input)")
    result = {"machine": machine_info(), "cpu_features": cpu_features(), "args": vars(args),
              "loadavg_end": os.getloadavg(), "rows": rows, "memory": memory}
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
