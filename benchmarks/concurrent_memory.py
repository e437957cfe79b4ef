"""Concurrent add/query on one AssociativeMemory: errors and wrong answers under contention.

Writer threads add labelled hypervectors while reader threads query stored ones (each query's
true nearest neighbour is itself: the label must match). Prints a table and writes JSON.

    PYTHONPATH=$PWD python benchmarks/concurrent_memory.py --queries 50000
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import numpy as np

import hdc


def run(queries: int, readers: int = 4, writers: int = 2, dim: int = 512,
        batch: int = 8) -> dict:
    """Run ``queries`` single queries over ``readers`` threads while ``writers`` threads add."""
    memory = hdc.AssociativeMemory(dim)
    pool = hdc.random(4096, dim, random_state=0)
    memory.add(pool[:64], np.arange(64))
    added = [64]
    lock = threading.Lock()
    errors: list[str] = []
    wrong = [0]
    done = threading.Event()

    def writer() -> None:
        while not done.is_set():
            with lock:
                start = added[0]
                if start + batch > pool.shape[0]:
                    return
                added[0] = start + batch
            memory.add(pool[start:start + batch], np.arange(start, start + batch))

    def reader(n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(n):
            # a label published before this query: its vector must be found. Writers add
            # their batches in any order, so row j need not hold pool[j]: ask the snapshot.
            visible = memory.labels
            i = int(visible[rng.integers(0, len(visible))])
            try:
                labels, _ = memory.query(pool[i])
                if labels[0] != i:
                    wrong[0] += 1
            except Exception as exc:  # noqa: BLE001 - counting every failure is the point
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    per = queries // readers
    threads += [threading.Thread(target=reader, args=(per, s)) for s in range(readers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[writers:]:
        t.join()
    done.set()
    for t in threads[:writers]:
        t.join()
    return {
        "queries": per * readers,
        "errors": len(errors),
        "wrong_labels": wrong[0],
        "stored_at_end": len(memory),
        "seconds": round(time.perf_counter() - start, 2),
        "first_errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=50_000)
    parser.add_argument("--json", default="concurrent_memory.json")
    args = parser.parse_args()
    result = run(args.queries)
    print(f"{'queries':>10} {'errors':>7} {'wrong':>6} {'stored':>7} {'seconds':>8}")
    print(f"{result['queries']:>10} {result['errors']:>7} {result['wrong_labels']:>6} "
          f"{result['stored_at_end']:>7} {result['seconds']:>8}")
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
