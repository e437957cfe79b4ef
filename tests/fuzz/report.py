"""Fuzz report: run every public entry point on fuzzed inputs and print the issue's counts.

    PYTHONPATH=$PWD python tests/fuzz/report.py --examples 100 --json fuzz_report.json

Prints a table per entry point and the totals (crashes, silent wrong results, share of the
bad-input cases with a TypeError/ValueError naming the argument), and lists every case that is
not clean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runner import run, summary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="cases per entry point")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default=None)
    parser.add_argument("--entry", action="append", help="only these entry points")
    args = parser.parse_args()
    start = time.perf_counter()
    outcomes = run(args.examples, args.entry, workers=args.workers)
    by_entry = defaultdict(Counter)
    for o in outcomes:
        by_entry[o["entry"]][o["status"]] += 1
    columns = ("equal", "clean_error", "unclear_error", "silent_wrong", "crash")
    print(f"{'entry point':<40}" + "".join(f"{c:>14}" for c in columns))
    for name in sorted(by_entry):
        print(f"{name:<40}" + "".join(f"{by_entry[name][c]:>14}" for c in columns))
    totals = summary(outcomes)
    totals["seconds"] = round(time.perf_counter() - start, 1)
    print()
    for key, value in totals.items():
        print(f"{key:>22}: {value}")
    print("\nslowest cases:")
    for o in sorted(outcomes, key=lambda o: -o.get("seconds", 0))[:5]:
        print(f"  {o.get('seconds', '?')} s  {o['entry']} on {o['input'][:120]}")
    for o in outcomes:
        if o["status"] not in ("equal", "clean_error"):
            print(f"\n[{o['status']}] {o['entry']} on {o['input']}\n    {o['detail']}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"summary": totals, "not_clean": [o for o in outcomes if o["status"]
                       not in ("equal", "clean_error")]}, handle, indent=2)


if __name__ == "__main__":
    main()
