"""Draw fuzz cases with hypothesis and run them in worker subprocesses.

A worker that dies (a segfault, an abort, heap corruption at exit) or hangs (no event for
``case_timeout`` seconds) is detected by the parent: the case it had started is recorded as a
``crash`` naming the entry point and the input, and a new worker takes the remaining cases.
Nothing a case does can kill pytest.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import time
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


def _events(command: list[str], env: dict, case_timeout: float):
    """Run a worker; yield its JSON events, then ``("exit", code, stderr)``. A worker silent
    for ``case_timeout`` seconds (a hung case) is killed: ``("exit", "timeout", "")``."""
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=lambda: [lines.put(x) for x in worker.stdout] + [lines.put(None)],
                     daemon=True).start()
    threading.Thread(target=lambda: errors.append(worker.stderr.read()), daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=case_timeout)
        except queue.Empty:
            worker.kill()
            worker.wait()
            yield ("exit", "timeout", "")
            return
        if line is None:
            break
        yield json.loads(line)
    code = worker.wait()
    for _ in range(50):  # let the stderr reader finish
        if errors:
            break
        time.sleep(0.01)
    yield ("exit", code, errors[0] if errors else "")


def _run_worker(cases: list, case_timeout: float) -> dict[int, dict]:
    """Run ``cases`` ((index, entry name, recipe) triples) in workers until all are done."""
    results: dict[int, dict] = {}
    pending = list(cases)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    while pending:
        with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as handle:
            pickle.dump(pending, handle)
        started, code, stderr = None, None, ""
        try:
            command = [sys.executable, str(HERE / "_worker.py"), handle.name]
            for event in _events(command, env, case_timeout):
                if isinstance(event, tuple):
                    _, code, stderr = event
                elif "start" in event:
                    started = event["start"]
                else:
                    results[event.pop("done")] = event
                    started = None
        finally:
            os.unlink(handle.name)
        if started is None and code == 0:
            break
        if started is None:  # died before or between cases: the worker itself is broken
            raise RuntimeError(f"fuzz worker failed (exit {code}): {stderr[-2000:]}")
        what = "hung" if code == "timeout" else f"worker exit {code}"
        results[started] = {"status": "crash", "detail": f"{what}: {stderr.strip()[-300:]}"}
        pending = [case for case in pending if case[0] not in results]
    return results


def run(examples: int, names: list[str] | None = None, workers: int = 2,
        case_timeout: float = 120.0) -> list[dict]:
    """Run ``examples`` cases of every entry point (or of ``names``); one dict per case."""
    table = entries()
    cases = []
    for name in names or sorted(table):
        for recipe in draw(table[name], examples):
            cases.append((len(cases), name, recipe))
    # interleave so that each worker gets a mix of slow and fast entry points
    batches = [cases[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda batch: _run_worker(batch, case_timeout), batches))
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
