"""Benchmarks of hdkit's symbolic structures: capacity, resonator factorization, torchhd.

Run::

    python benchmarks/bench_symbolic.py                       # all four sections
    python benchmarks/bench_symbolic.py --sections capacity   # or resonator, cycles, torchhd
    python benchmarks/bench_symbolic.py --quick               # small trial counts, a smoke run
    python benchmarks/bench_symbolic.py --sections resonator --cells 3,8192,32 --repeats 7

Sections:

capacity
    Retrieval from key-value records (:class:`hdc.HashTable`): records of ``n`` random pairs,
    values drawn from ``m = 1,000`` candidates, every key of every record queried (``--trials``
    gets per cell, default 20,000), at dim 1,024, 4,096 and 10,240. Measured accuracy beside
    :func:`hdc.capacity` (exact binomial and normal approximation), with the standard error of
    the measurement (over records); a plot goes to ``docs/symbolic_capacity.png``.
resonator
    3-factor products with codebooks of ``M`` random vectors (``--problems`` per cell) at dim
    2,048 and 8,192: exact recovery, iterations, convergence and restarts of
    :class:`hdc.Resonator` (at most 100 iterations), and the time per problem beside
    :func:`hdc.resonator.exhaustive_factorize` (exact search with the Hamming kernel) where
    that is feasible; also 2 and 4 factors at dim 8,192.
cycles
    The same 1,000 problems with limit-cycle detection and random restarts (``history=32``)
    and without (``history=0``), at dims of 64 and 128 where cycles occur.
torchhd
    Batched ``get`` (HashTable: 100 pairs, 1,000 queries, 1,000 candidates), ``contains``
    (Multiset: 100 members, 1,000 queries) and ``neighbours`` (Graph: 1,000 nodes, 100 edges,
    every node queried) at dim 10,240, and again with 100 candidates and 100 nodes, against
    ``torchhd.structures`` with BSC (binary, bool tensors: the model comparable to ours;
    similarities by ``dot_similarity``, one float matmul; for ``contains`` also
    ``hamming_similarity`` of the batch against the one vector, and the faster of the two
    counts) and MAP (bipolar float32
    with exact integer sums; ``dot_similarity`` and ``cosine_similarity``, one matmul each).
    Thresholds for ``contains`` and ``neighbours``: halfway between a member's expected
    similarity and a non-member's on both sides. Each side is timed in the same run (min and
    median of ``--repeats``), with the same
    thread count (``--threads`` for numba and torch); memory is the bytes each side stores
    (ours as built, with the counters that keep a structure editable, and again after
    ``freeze()``, which keeps only the packed value; the frozen structure must give the same
    answers) and the peak extra resident memory of the batched query (VmHWM after a reset, with
    glibc's mmap threshold fixed so freed blocks return to the system).

Writes ``benchmarks/results/symbolic_<section>.json`` and prints a table per section.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    RESULTS_DIR,
    cpu_features,
    machine_info,
    print_table,
    write_json,
)

import hdc  # noqa: E402
from hdc.resonator import exhaustive_factorize  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"
_MMAP_THRESHOLD = "65536"


def conditions() -> dict:
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def time_calls_cpu(fn, repeats: int) -> tuple[float, float, float, float]:
    """(min, median) wall seconds and (min, median) CPU seconds of the process (all its
    threads) of ``fn()`` over ``repeats`` runs after one warm-up run. On a shared machine the
    CPU time is the steadier measure: it does not count the time other jobs hold the cores."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return (
        float(np.min(wall)),
        float(np.median(wall)),
        float(np.min(cpu)),
        float(np.median(cpu)),
    )


def section_result(section: str, before: dict, start: float, **fields) -> dict:
    """A section's JSON: its name, the machine's load before and after, its duration."""
    return {
        "section": section,
        "conditions_before": before,
        "conditions_after": conditions(),
        "seconds": time.perf_counter() - start,
        **fields,
    }


# ------------------------------------------------------------------------------ capacity
CAPACITY_SIZES = {
    1024: [10, 20, 31, 45, 60, 90, 120, 181],
    4096: [40, 80, 121, 180, 240, 361, 480, 720],
    10240: [100, 200, 301, 450, 600, 901, 1200, 1800],
}


def measure_capacity(dim: int, n: int, m: int, trials: int, rng) -> tuple[float, float, int]:
    """Accuracy of get over every key of ceil(trials / n) records, and its standard error."""
    memory = hdc.AssociativeMemory(dim)
    memory.add(hdc.random(m, dim, random_state=rng), np.arange(m))
    records = -(-trials // n)
    per_record = np.empty(records)
    for r in range(records):
        keys = hdc.random(n, dim, random_state=rng)
        chosen = rng.integers(0, m, size=n)
        table = hdc.HashTable.from_pairs(keys, memory.vectors[chosen], memory, random_state=rng)
        per_record[r] = np.mean(table.query(keys)[0][:, 0] == chosen)
    error = per_record.std(ddof=1) / np.sqrt(records) if records > 1 else float("nan")
    return float(per_record.mean()), float(error), records * n


def run_capacity(args) -> dict:
    m = 1000
    rng = np.random.default_rng(args.seed)
    rows = []
    before = conditions()
    start = time.perf_counter()
    for dim, sizes in CAPACITY_SIZES.items():
        for n in sizes:
            measured, error, gets = measure_capacity(dim, n, m, args.trials, rng)
            binomial = hdc.capacity(n, dim, m)
            normal = hdc.capacity(n, dim, m, method="normal")
            rows.append(
                {
                    "dim": dim,
                    "n": n,
                    "m": m,
                    "gets": gets,
                    "measured": measured,
                    "std_error": error,
                    "predicted": binomial,
                    "normal": normal,
                    "diff_points": 100 * (measured - binomial),
                }
            )
            print(
                f"  dim {dim:>5}  n {n:>4}  measured {measured:.4f} +- {error:.4f}  "
                f"predicted {binomial:.4f}  normal {normal:.4f}",
                flush=True,
            )
    print_table(
        rows, ["dim", "n", "gets", "measured", "std_error", "predicted", "normal", "diff_points"]
    )
    worst = max(abs(r["diff_points"]) for r in rows)
    worst_normal = max(100 * abs(r["measured"] - r["normal"]) for r in rows)
    print(
        f"max |measured - predicted| = {worst:.2f} points (normal approximation: "
        f"{worst_normal:.2f}); max standard error {100 * max(r['std_error'] for r in rows):.2f}"
    )
    plot = None if args.no_plot else plot_capacity(rows, m, Path(args.plot))
    return section_result(
        "capacity",
        before,
        start,
        trials_per_cell=args.trials,
        max_abs_diff_points=worst,
        max_abs_diff_points_normal=worst_normal,
        plot=plot,
        rows=rows,
    )


def plot_capacity(rows: list[dict], m: int, path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    colours = {1024: "tab:blue", 4096: "tab:orange", 10240: "tab:green"}
    for dim, colour in colours.items():
        cells = [r for r in rows if r["dim"] == dim]
        if not cells:
            continue
        n = np.array([r["n"] for r in cells])
        grid = np.unique(np.geomspace(n.min() / 1.5, n.max() * 1.5, 80).astype(int))
        ax.plot(
            grid, hdc.capacity(grid, dim, m), color=colour, lw=1.5, label=f"predicted, dim {dim:,}"
        )
        ax.errorbar(
            n,
            [r["measured"] for r in cells],
            yerr=[2 * r["std_error"] for r in cells],
            fmt="o",
            color=colour,
            ms=5,
            capsize=3,
            label=f"measured, dim {dim:,}",
        )
    ax.set_xscale("log")
    ax.set_xlabel("pairs bundled in the record, n (log scale)")
    ax.set_ylabel(f"get accuracy (nearest of {m:,} candidates)")
    ax.set_title("Capacity of a bundled key-value record: measured vs hdc.capacity")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return str(path)


# ------------------------------------------------------------------------------ resonator
RESONATOR_SIZES = {
    2048: [8, 16, 24, 32, 48, 64],
    8192: [16, 32, 64, 96, 112, 128, 160, 192, 256],
}
OTHER_FACTORS = [(2, 8192, 256), (2, 8192, 1024), (4, 8192, 16), (4, 8192, 24)]
# Exhaustive search only where it takes at most this many word popcounts per problem.
_EXHAUSTIVE_BUDGET = 1 << 31


def make_problems(n_factors: int, m: int, dim: int, n: int, rng):
    books = [hdc.item_memory(m, dim, random_state=rng) for _ in range(n_factors)]
    truth = rng.integers(0, m, size=(n, n_factors))
    products = np.bitwise_xor.reduce(
        np.stack([books[f][truth[:, f]] for f in range(n_factors)]), axis=0
    )
    return books, truth, products


def resonator_cell(n_factors: int, dim: int, m: int, args) -> dict:
    # a generator per cell: problems and results do not depend on the other cells' timings
    rng = np.random.default_rng([args.seed, n_factors, dim, m])
    books, truth, products = make_problems(n_factors, m, dim, args.problems, rng)
    resonator = hdc.Resonator(books, max_iter=100, random_state=int(rng.integers(2**31)),
                              weight_bits=args.weight_bits or None)
    resonator.factorize(products[:2])  # compilation or cache load
    c0, w0 = time.process_time(), time.perf_counter()
    result = resonator.factorize(products)
    first = time.perf_counter() - w0
    times, cpu_times = [first], [time.process_time() - c0]
    # more timed runs of the whole batch only while they are short
    extra = min(args.repeats - 1, int(2.0 / max(first, 1e-9)))
    for _ in range(extra):
        c0, w0 = time.process_time(), time.perf_counter()
        resonator.factorize(products)
        times.append(time.perf_counter() - w0)
        cpu_times.append(time.process_time() - c0)
    t_min, t_med = float(np.min(times)), float(np.median(times))
    correct = (result.indices == truth).all(1)
    row = {
        "factors": n_factors,
        "dim": dim,
        "M": m,
        "combinations": m**n_factors,
        "weight_bits": args.weight_bits,
        "problems": args.problems,
        "accuracy": float(correct.mean()),
        "converged": float(result.converged.mean()),
        "converged_wrong": int((result.converged & ~correct).sum()),
        "iter_mean": float(result.iterations.mean()),
        "iter_median": float(np.median(result.iterations)),
        "iter_max": int(result.iterations.max()),
        "restarts": int(result.restarts.sum()),
        "timed_runs": len(times),
        "resonator_ms_min": 1e3 * t_min / args.problems,
        "resonator_ms_median": 1e3 * t_med / args.problems,
        "resonator_cpu_ms_median": 1e3 * float(np.median(cpu_times)) / args.problems,
    }
    work = m**n_factors * (dim // 64)
    if work <= _EXHAUSTIVE_BUDGET:
        k = max(1, min(args.problems, int(args.exhaustive_seconds * 2e9 / work)))
        found, _ = exhaustive_factorize(products[:k], books)
        e_min, e_med, _, e_cpu = time_calls_cpu(
            lambda: exhaustive_factorize(products[:k], books), max(1, args.repeats // 2)
        )
        row.update(
            {
                "exhaustive_problems": k,
                "exhaustive_accuracy": float((found == truth[:k]).all(1).mean()),
                "exhaustive_ms_min": 1e3 * e_min / k,
                "exhaustive_ms_median": 1e3 * e_med / k,
                "speedup_min": e_min / k / (t_min / args.problems),
                "speedup_median": e_med / k / (t_med / args.problems),
                "exhaustive_cpu_ms_median": 1e3 * e_cpu / k,
                "speedup_cpu_median": e_cpu / k / (row["resonator_cpu_ms_median"] / 1e3),
            }
        )
    return row


def run_resonator(args) -> dict:
    numba.set_num_threads(args.threads)
    before = conditions()
    start = time.perf_counter()
    rows = []
    if args.cells:
        cells = args.cells
    else:
        cells = [(3, dim, m) for dim, sizes in RESONATOR_SIZES.items() for m in sizes]
        cells += OTHER_FACTORS
    for n_factors, dim, m in cells:
        row = resonator_cell(n_factors, dim, m, args)
        rows.append(row)
        print(
            f"  F={n_factors} dim {dim} M {m}: accuracy {row['accuracy']:.3f}, iterations "
            f"mean {row['iter_mean']:.1f}, {row['resonator_ms_median']:.3f} ms"
            + (
                f", exhaustive {row['exhaustive_ms_median']:.2f} ms, speed-up "
                f"{row['speedup_median']:.0f}x (CPU time {row['speedup_cpu_median']:.0f}x)"
                if "speedup_median" in row
                else ""
            ),
            flush=True,
        )
    print_table(
        rows,
        [
            "factors",
            "dim",
            "M",
            "combinations",
            "weight_bits",
            "problems",
            "accuracy",
            "converged",
            "converged_wrong",
            "iter_mean",
            "iter_median",
            "iter_max",
            "restarts",
            "resonator_ms_median",
            "exhaustive_ms_median",
            "speedup_median",
            "speedup_min",
            "speedup_cpu_median",
        ],
    )
    good = [
        r["M"] for r in rows if r["factors"] == 3 and r["dim"] == 8192 and r["accuracy"] >= 0.99
    ]
    largest = max(good) if good else None
    print(
        f"largest codebook with >= 99% exact recovery of 3 factors at dim 8,192 (of those "
        f"tried): {largest}"
    )
    return section_result(
        "resonator",
        before,
        start,
        threads=args.threads,
        max_iter=100,
        largest_M_99_at_8192=largest,
        rows=rows,
    )


CYCLE_CELLS = [(4, 128, 6), (3, 64, 8), (3, 64, 16)]  # (factors, dim, M): tiny vectors


def run_cycles(args) -> dict:
    """Limit cycles: the same problems with cycle detection and restarts (history 32) or
    without (history 0), on vectors small enough for cycles to occur."""
    numba.set_num_threads(args.threads)
    before = conditions()
    start = time.perf_counter()
    rows = []
    for n_factors, dim, m in CYCLE_CELLS:
        rng = np.random.default_rng([args.seed, n_factors, dim, m])
        books, truth, products = make_problems(n_factors, m, dim, 1000, rng)
        for history in (32, 0):
            result = hdc.Resonator(books, history=history, random_state=0,
                                   weight_bits=args.weight_bits or None).factorize(products)
            rows.append(
                {
                    "factors": n_factors,
                    "dim": dim,
                    "M": m,
                    "history": history,
                    "weight_bits": args.weight_bits,
                    "problems": 1000,
                    "accuracy": float((result.indices == truth).all(1).mean()),
                    "converged": float(result.converged.mean()),
                    "restarts": int(result.restarts.sum()),
                    "iter_mean": float(result.iterations.mean()),
                }
            )
    print_table(
        rows,
        [
            "factors",
            "dim",
            "M",
            "history",
            "problems",
            "accuracy",
            "converged",
            "restarts",
            "iter_mean",
        ],
    )
    return section_result("cycles", before, start, max_iter=100, rows=rows)


# ------------------------------------------------------------------------------ torchhd
def peak_extra_bytes(fn) -> int:
    """Peak resident memory above the current one while ``fn()`` runs (VmHWM after a reset)."""
    fn()
    status = Path("/proc/self/status")
    rss = next(int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("VmRSS"))
    Path("/proc/self/clear_refs").write_text("5")
    fn()
    hwm = next(int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("VmHWM"))
    return 1024 * max(0, hwm - rss)


def torch_setup(torch, torchhd, structures, vsa: str, data: dict):
    """torchhd structures and memories holding the same random vectors as ours."""

    def as_torch(packed: np.ndarray):
        bits = torch.from_numpy(hdc.unpack(packed).astype(bool))
        if vsa == "BSC":
            return bits.as_subclass(torchhd.BSCTensor)
        return torch.where(bits, -1.0, 1.0).as_subclass(torchhd.MAPTensor)

    t = {
        k: as_torch(v)
        for k, v in data.items()
        if isinstance(v, np.ndarray) and v.dtype == np.uint64
    }
    table = structures.HashTable.from_tensors(t["keys"], t["values_stored"])
    multiset = structures.Multiset.from_tensor(t["members"])
    edges = data["edges"]
    edge_hv = torch.stack([t["nodes"][edges[:, 0]], t["nodes"][edges[:, 1]]])
    graph = structures.Graph.from_edges(edge_hv)
    return t, table, multiset, graph


TORCH_CASES = [  # (candidate values, nodes): queries, pairs, members and edges stay fixed
    (1000, 1000),
    (100, 100),
]
TORCH_COLUMNS = [
    "candidates",
    "op",
    "peer",
    "hdkit_ms_median",
    "peer_ms_median",
    "hdkit_cpu_ms_median",
    "peer_cpu_ms_median",
    "speedup_median",
    "speedup_min",
    "speedup_cpu_median",
    "stored_ratio",
    "stored_ratio_frozen",
    "peak_ratio",
    "hdkit_peak_MB",
    "peer_peak_MB",
    "hdkit_acc",
    "peer_acc",
]


def torch_data(m: int, n_nodes: int, rng) -> dict:
    dim, n_pairs, n_queries, n_members, n_edges = 10240, 100, 1000, 100, 100
    memory = hdc.random(m, dim, random_state=rng)
    keys = hdc.random(n_pairs, dim, random_state=rng)
    chosen = rng.integers(0, m, size=n_pairs)
    asked = rng.integers(0, n_pairs, size=n_queries)
    members = hdc.random(n_members, dim, random_state=rng)
    strangers = hdc.random(n_queries - n_queries // 2, dim, random_state=rng)
    probes = np.concatenate([members[rng.integers(0, n_members, n_queries // 2)], strangers])
    nodes = hdc.random(n_nodes, dim, random_state=rng)
    pairs = rng.choice(n_nodes, size=(4 * n_edges, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    edges = np.unique(np.sort(pairs, axis=1), axis=0)
    edges = edges[rng.permutation(len(edges))[:n_edges]]
    adjacency = np.zeros((n_nodes, n_nodes), dtype=bool)
    adjacency[edges[:, 0], edges[:, 1]] = adjacency[edges[:, 1], edges[:, 0]] = True
    return {
        "dim": dim,
        "keys": keys,
        "values_stored": memory[chosen],
        "memory": memory,
        "chosen": chosen,
        "queries": keys[asked],
        "members": members,
        "probes": probes,
        "nodes": nodes,
        "edges": edges,
        "truth": {
            "get": chosen[asked],
            "neighbours": adjacency,
            "contains": np.arange(n_queries) < n_queries // 2,
        },
    }


def measure(fn, truth, repeats: int, stored: int) -> dict:
    got = np.asarray(fn())
    t_min, t_med, c_min, c_med = time_calls_cpu(fn, repeats)
    return {
        "min_ms": 1e3 * t_min,
        "median_ms": 1e3 * t_med,
        "cpu_min_ms": 1e3 * c_min,
        "cpu_median_ms": 1e3 * c_med,
        "stored_bytes": stored,
        "peak_bytes": peak_extra_bytes(fn),
        "accuracy": float(np.mean(got == truth)),
    }


def torch_case(torch, torchhd, structures, m: int, n_nodes: int, args, rng) -> tuple[dict, list]:
    d = torch_data(m, n_nodes, rng)
    dim = d["dim"]
    memory = hdc.AssociativeMemory(dim)
    memory.add(d["memory"], np.arange(m))
    table = hdc.HashTable.from_pairs(d["keys"], d["values_stored"], memory, random_state=0)
    multiset = hdc.Multiset(dim, random_state=0)
    multiset.add(d["members"])
    graph = hdc.Graph.from_edges(d["edges"], d["nodes"], random_state=0)
    queries, probes, every_node = d["queries"], d["probes"], np.arange(n_nodes)
    ours = {
        "get": (
            lambda: table.query(queries)[0][:, 0].astype(np.int64),
            memory.vectors.nbytes + d["keys"].nbytes,
            table,
        ),
        "contains": (lambda: multiset.contains(probes), probes.nbytes, multiset),
        "neighbours": (lambda: graph.neighbours(every_node), d["nodes"].nbytes, graph),
    }
    results = {"hdkit": {}}
    for op, (fn, items, structure) in ours.items():
        # timed as built (counters kept, editable); then frozen: the counters are dropped and
        # the packed value stays, and the same queries must give the same answers
        mine = measure(fn, d["truth"][op], args.repeats, items + structure.nbytes)
        answer = np.asarray(fn())
        mine["stored_frozen_bytes"] = items + structure.freeze().nbytes
        mine["frozen_same_answers"] = bool(np.array_equal(np.asarray(fn()), answer))
        if not mine["frozen_same_answers"]:
            raise AssertionError(f"{op}: a frozen structure answered differently")
        results["hdkit"][op] = mine
    thresholds = {
        "contains": hdc.membership_error(len(multiset), dim)[0],
        "neighbours": hdc.membership_error(len(graph) + 1, dim)[0],
    }
    with torch.no_grad():
        for vsa in ("BSC", "MAP"):
            t, ttable, tms, tgraph = torch_setup(torch, torchhd, structures, vsa, d)
            peers = torch_operations(
                torch,
                torchhd,
                vsa,
                t,
                ttable,
                tms,
                tgraph,
                thresholds,
                (len(multiset), len(graph), dim),
            )
            stored = {
                "get": sum(map(tensor_bytes, (ttable.value, t["memory"], t["keys"]))),
                "contains": tensor_bytes(tms.value) + tensor_bytes(t["probes"]),
                "neighbours": tensor_bytes(tgraph.value) + tensor_bytes(t["nodes"]),
            }
            measured = {}
            for name, fn in peers.items():
                op = name.split("/")[0]
                measured[name] = measure(fn, d["truth"][op], args.repeats, stored[op])
                measured[name]["variant"] = name
            # torchhd's best variant of each operation (by median time) stands for it
            results[f"torchhd-{vsa}"] = {
                op: min(
                    (v for k, v in measured.items() if k.split("/")[0] == op),
                    key=lambda v: v["median_ms"],
                )
                for op in ("get", "contains", "neighbours")
            }
            results[f"torchhd-{vsa}-all-variants"] = measured
    rows = []
    for op in ours:
        mine = results["hdkit"][op]
        for peer in ("torchhd-BSC", "torchhd-MAP"):
            other = results[peer][op]
            rows.append(
                {
                    "candidates": m,
                    "op": op,
                    "peer": peer,
                    "hdkit_ms_median": mine["median_ms"],
                    "peer_ms_median": other["median_ms"],
                    "speedup_median": other["median_ms"] / mine["median_ms"],
                    "speedup_min": other["min_ms"] / mine["min_ms"],
                    "hdkit_cpu_ms_median": mine["cpu_median_ms"],
                    "peer_cpu_ms_median": other["cpu_median_ms"],
                    "speedup_cpu_median": other["cpu_median_ms"] / mine["cpu_median_ms"],
                    "stored_ratio": other["stored_bytes"] / mine["stored_bytes"],
                    "stored_ratio_frozen": other["stored_bytes"] / mine["stored_frozen_bytes"],
                    # VmHWM counts whole pages: a peak below one page counts as one page
                    "peak_ratio": other["peak_bytes"] / max(mine["peak_bytes"], 4096),
                    "hdkit_peak_MB": mine["peak_bytes"] / 2**20,
                    "peer_peak_MB": other["peak_bytes"] / 2**20,
                    "hdkit_acc": mine["accuracy"],
                    "peer_acc": other["accuracy"],
                }
            )
    return results, rows


def run_torchhd(args) -> dict:
    try:
        import torch
        import torchhd
        from torchhd import structures
    except ImportError as exc:
        print(f"torchhd not available ({exc}); section skipped")
        return {"section": "torchhd", "skipped": str(exc)}
    numba.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    before = conditions()
    start = time.perf_counter()
    cases, rows = {}, []
    for m, n_nodes in TORCH_CASES:
        results, case_rows = torch_case(torch, torchhd, structures, m, n_nodes, args, rng)
        cases[f"{m} candidates, {n_nodes} nodes"] = results
        rows += case_rows
    print_table(rows, TORCH_COLUMNS)
    return section_result(
        "torchhd",
        before,
        start,
        threads=args.threads,
        versions={"torch": torch.__version__, "torchhd": torchhd.__version__},
        sizes={
            "dim": 10240,
            "pairs": 100,
            "queries": 1000,
            "members": 100,
            "edges": 100,
            "cases": TORCH_CASES,
        },
        cases=cases,
        rows=rows,
    )


def torch_operations(torch, torchhd, vsa, t, table, multiset, graph, thresholds, sizes):
    """torchhd's batched get, contains and neighbours, each one tensor expression."""
    n_members, n_edges, dim = sizes
    queries, probes, nodes, memory = t["queries"], t["probes"], t["nodes"], t["memory"]

    def get():
        return torch.argmax(table.get(queries).dot_similarity(memory), dim=-1).numpy()

    if vsa == "BSC":

        def similarity(a, b):
            return (a.dot_similarity(b) + dim) / (2 * dim)  # 1 - hamming / dim

        def contains():
            return (similarity(probes, multiset.value) >= thresholds["contains"]).numpy()

        def contains_by_hamming():
            # one vector against a batch, element by element (for a batch against a batch,
            # torchhd's hamming_similarity would hold k * m * dim booleans)
            equal = torchhd.hamming_similarity(probes, multiset.value)
            return (equal / dim >= thresholds["contains"]).numpy()

        def neighbours():
            near = similarity(graph.node_neighbors(nodes), nodes)
            return (near >= thresholds["neighbours"]).numpy()

    else:
        # MAP keeps integer sums (torchhd's exact bundle): cosine against a threshold halfway
        # between a member's (about 1/sqrt(n)) and a non-member's (0)

        def contains():
            cos = torchhd.cosine_similarity(probes, multiset.value.unsqueeze(0))[:, 0]
            return (cos >= map_cos_threshold(n_members)).numpy()

        def neighbours():
            cos = torchhd.cosine_similarity(graph.node_neighbors(nodes), nodes)
            return (cos >= map_cos_threshold(n_edges)).numpy()

    ops = {"get": get, "contains": contains, "neighbours": neighbours}
    if vsa == "BSC":
        ops["contains/hamming_similarity"] = contains_by_hamming
    return ops


def tensor_bytes(t) -> int:
    return t.element_size() * t.nelement()


def map_cos_threshold(n: int) -> float:
    """Cosine halfway between a member's (about 1/sqrt(n) for a sum of n bipolar vectors) and a
    non-member's (0)."""
    return 0.5 / np.sqrt(n)


# ------------------------------------------------------------------------------ main
def resonator_cell_spec(text: str) -> tuple[int, int, int]:
    """``"F,DIM,M"`` -> (factors, dim, codebook size)."""
    try:
        n_factors, dim, m = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected F,DIM,M (three integers), got {text!r}"
        ) from None
    if not (2 <= n_factors and dim > 0 and dim % 64 == 0 and m > 0):
        raise argparse.ArgumentTypeError(f"need F >= 2, DIM a multiple of 64, M >= 1: {text!r}")
    return n_factors, dim, m


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", default="capacity,resonator,cycles,torchhd")
    parser.add_argument("--quick", action="store_true", help="small trial counts")
    parser.add_argument("--trials", type=int, default=20000, help="gets per capacity cell")
    parser.add_argument("--problems", type=int, default=300, help="problems per resonator cell")
    parser.add_argument(
        "--exhaustive-seconds",
        type=float,
        default=2.0,
        help="rough budget of exhaustive search per resonator cell",
    )
    parser.add_argument(
        "--cells",
        type=resonator_cell_spec,
        nargs="+",
        default=None,
        metavar="F,DIM,M",
        help="resonator cells to run instead of the full table (e.g. 3,8192,32)",
    )
    parser.add_argument(
        "--weight-bits",
        type=int,
        default=2,
        help="resonator cleanup weights rounded to this many significant bits (default 2, the "
        "library's default; 0: exact weights)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="numba and torch threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=str(DOCS / "symbolic_capacity.png"))
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--out-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.problems, args.repeats = 2000, 40, 3
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - {"capacity", "resonator", "cycles", "torchhd"}
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    runners = {
        "capacity": run_capacity,
        "resonator": run_resonator,
        "cycles": run_cycles,
        "torchhd": run_torchhd,
    }
    print(f"CPU: {cpu_features()}", flush=True)
    for section in sections:
        print(f"== {section} ({conditions()})", flush=True)
        out = runners[section](args)
        out["machine"] = machine_info()
        out["cpu"] = cpu_features()
        out["args"] = vars(args)
        path = write_json(out, Path(args.out_dir) / f"symbolic_{section}.json")
        print(f"wrote {path}")


if __name__ == "__main__":
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") != _MMAP_THRESHOLD:
        # glibc reads the threshold at start-up: fixed, freed blocks go back to the system and
        # the peak-memory measurement sees every large allocation
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=_MMAP_THRESHOLD)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    main()
