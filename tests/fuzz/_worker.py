"""Fuzz worker: runs a batch of cases from a pickle file, one JSON line per event on stdout.

``{"start": i}`` is written (and flushed) before case ``i`` runs and ``{"done": i, ...}`` after,
so the parent knows which case was running when the process died.
"""

import json
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cases import entries, run_case  # noqa: E402


def main() -> None:
    with open(sys.argv[1], "rb") as handle:
        cases = pickle.load(handle)
    table = entries()
    out = sys.stdout
    for index, name, recipe in cases:
        out.write(json.dumps({"start": index}) + "\n")
        out.flush()
        start = time.perf_counter()
        outcome = run_case(table[name], recipe)
        outcome["seconds"] = round(time.perf_counter() - start, 3)
        out.write(json.dumps({"done": index, **outcome}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
