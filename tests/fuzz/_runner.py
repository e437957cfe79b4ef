"""Draw fuzz cases with hypothesis and run them in worker subprocesses.

A worker that dies (a segfault, an abort, heap corruption at exit) or hangs is detected by the
parent: the case it had started is recorded as a ``crash`` naming the entry point and the input,
and a new worker takes the remaining cases. Nothing a case does can kill pytest.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _cases import entries
from hypothesis import HealthCheck, Phase, given, settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BAD = ("crash", "silent_wrong")


def draw(entry, n: int) -> list:
    """``n`` inputs of ``entry``'s strategy, the same ones on every run (derandomised)."""
    drawn = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(entry.strategy)
    def collect(recipe):
        drawn.append(recipe)

    collect()
    return drawn[:n]


def _run_worker(cases: list, timeout: float) -> dict[int, dict]:
    """Run ``cases`` ((index, entry name, recipe) triples) in workers until all are done."""
    results: dict[int, dict] = {}
    pending = list(cases)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    while pending:
        with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as handle:
            pickle.dump(pending, handle)
        try:
            done = subprocess.run(
                [sys.executable, str(HERE / "_worker.py"), handle.name], cwd=ROOT, env=env,
                capture_output=True, text=True, timeout=timeout,
            )
            stdout, code, stderr = done.stdout, done.returncode, done.stderr
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            code, stderr = "timeout", ""
        finally:
            os.unlink(handle.name)
        started = None
        for line in stdout.splitlines():
            event = json.loads(line)
            if "start" in event:
                started = event["start"]
            else:
                results[event.pop("done")] = event
                started = None
        if started is None and code == 0:
            break
        if started is None:  # died before or between cases: the worker itself is broken
            raise RuntimeError(f"fuzz worker failed (exit {code}): {stderr[-2000:]}")
        results[started] = {"status": "crash",
                            "detail": f"worker exit {code}: {stderr.strip()[-300:]}"}
        pending = [case for case in pending if case[0] not in results]
    return results


def run(examples: int, names: list[str] | None = None, workers: int = 2,
        timeout: float = 600.0) -> list[dict]:
    """Run ``examples`` cases of every entry point (or of ``names``); one dict per case."""
    table = entries()
    cases = []
    for name in names or sorted(table):
        for recipe in draw(table[name], examples):
            cases.append((len(cases), name, recipe))
    # interleave so that each worker gets a mix of slow and fast entry points
    batches = [cases[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda batch: _run_worker(batch, timeout), batches))
    merged = {k: v for part in parts for k, v in part.items()}
    return [{"entry": name, "input": recipe.describe(), **merged[index]}
            for index, name, recipe in cases]


def summary(outcomes: list[dict]) -> dict:
    """The issue's counts: crashes, silent wrong results, and the share of bad-input cases
    (those that raised) with a clean TypeError/ValueError naming the argument."""
    status = Counter(o["status"] for o in outcomes)
    errors = status["clean_error"] + status["unclear_error"]
    return {
        "cases": len(outcomes),
        "entry_points": len({o["entry"] for o in outcomes}),
        "crashes": status["crash"],
        "silent_wrong": status["silent_wrong"],
        "equal_to_clean_copy": status["equal"],
        "bad_input_cases": errors,
        "clean_errors": status["clean_error"],
        "unclear_errors": status["unclear_error"],
        "clean_error_share": round(status["clean_error"] / errors, 4) if errors else 1.0,
    }
