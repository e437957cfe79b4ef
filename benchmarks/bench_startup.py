"""First-call latency with a cold numba cache: what a fresh install waits for.

Run::

    python benchmarks/bench_startup.py              # every case, ~10 minutes on a quiet machine
    python benchmarks/bench_startup.py --no-pytest  # skip the test-suite cases
    python benchmarks/bench_startup.py --warm       # also time every case again on the warm cache
    python benchmarks/bench_startup.py --repeat 3   # three cold runs per case (median, range)

Every case runs in a fresh Python subprocess with ``NUMBA_CACHE_DIR`` pointing to a new empty
temporary folder, so that numba compiles every kernel the case needs. A case reports the wall
time of its first call (import excluded where the case is a function call), the wall time of
the whole process, and CPU seconds (user + system): of the process itself and of the helper
processes it waited for (background compiles, xdist workers). On a shared machine the CPU
seconds move much less with the load than the wall time; on an idle one the larger of the two
parts bounds the wall time from below. ``--repeat N`` runs each case N times, each against its
own empty cache (median and range); ``--warm`` times every case once more with the cache the
first run filled.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, print_table, run_info, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

_PRELUDE = """
import time, numpy as np
"""

#: name -> (python code timing its first call into ``elapsed``, target seconds)
CASES: dict[str, tuple[str, float | None]] = {
    "bundle": ("""
import hdc
x = hdc.random(1001, 8192, random_state=0)
t = time.perf_counter(); hdc.bundle(x); elapsed = time.perf_counter() - t
""", 1.5),
    "hamming": ("""
import hdc
x = hdc.random(100, 8192, random_state=0)
t = time.perf_counter(); hdc.hamming(x, x[:26]); elapsed = time.perf_counter() - t
""", None),
    "sift_detect_and_compute": ("""
import vision
rng = np.random.default_rng(0)
image = (rng.random((240, 320)) * 255).astype(np.uint8)
t = time.perf_counter(); vision.SIFT().detect_and_compute(image); elapsed = time.perf_counter() - t
""", 8.0),
    "hdclassifier_fit": ("""
import hdc
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 16)); y = (X[:, 0] > 0).astype(int)
t = time.perf_counter(); hdc.HDClassifier(random_state=0).fit(X, y)
elapsed = time.perf_counter() - t
""", None),
}

#: name -> (``python -m`` arguments, target seconds for the whole process)
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "hdkit_demo": (["hdkit", "demo", "-o", "{tmp}/demo.png"], 20.0),
    "pytest_not_slow": (["pytest", "-m", "not slow", "-q", "-x", "-p", "no:cacheprovider"],
                        90.0),
    # the same in one process (addopts start a pytest-xdist worker per core)
    "pytest_not_slow_one_process": (["pytest", "-m", "not slow", "-q", "-x", "-p",
                                     "no:cacheprovider", "-n", "0"], None),
}

#: The CPU seconds of the process itself and of the helper processes it waited for (compile
#: helpers, xdist workers): on an idle machine the longer of the two bounds the wall time.
_CPU_LINE = """
import resource as _resource
_own = _resource.getrusage(_resource.RUSAGE_SELF)
_helpers = _resource.getrusage(_resource.RUSAGE_CHILDREN)
print("CPU", _own.ru_utime + _own.ru_stime, _helpers.ru_utime + _helpers.ru_stime, flush=True)
"""

#: ``python -m MODULE ARGS`` as ``python -c _RUNNER MODULE ARGS``, then :data:`_CPU_LINE`.
_RUNNER = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    _code = 0
except SystemExit as stop:
    _code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
""" + _CPU_LINE + "sys.exit(_code)\n"


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = cache
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(name: str, cache: str, tmp: str) -> dict:
    """Time one case in a fresh subprocess against the numba cache folder ``cache``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    if name in CASES:
        code = _PRELUDE + CASES[name][0] + "\nprint('ELAPSED', elapsed)\n" + _CPU_LINE
        cmd = [sys.executable, "-c", code]
    else:
        cmd = [sys.executable, "-c", _RUNNER] + [part.format(tmp=tmp)
                                                  for part in COMMANDS[name][0]]
    proc = subprocess.run(cmd, env=_env(cache), cwd=ROOT, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                           f"{proc.stderr[-2000:]}")
    first, own, helpers = wall, None, None
    for line in proc.stdout.splitlines():
        if line.startswith("ELAPSED "):
            first = float(line.split()[1])
        elif line.startswith("CPU "):
            own, helpers = (float(v) for v in line.split()[1:3])
    return {"first_call_s": first, "process_s": wall, "process_cpu_s": cpu,
            "main_cpu_s": own, "helpers_cpu_s": helpers}


def _median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def _cold_runs(name: str, repeat: int, warm: bool) -> tuple[list[dict], dict | None]:
    """``repeat`` cold runs of one case, each against a new empty cache; then a warm run."""
    runs, warm_run = [], None
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="hdkit-numba-") as cache, \
                tempfile.TemporaryDirectory() as tmp:
            runs.append(run_case(name, cache, tmp) | {"loadavg": os.getloadavg()[0]})
            if warm and i == repeat - 1:
                warm_run = run_case(name, cache, tmp)
    return runs, warm_run


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-pytest", action="store_true", help="skip the test-suite cases")
    parser.add_argument("--no-demo", action="store_true", help="skip `hdkit demo`")
    parser.add_argument("--warm", action="store_true", help="also time every case warm")
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold runs per case, each with a new empty cache (default: 1)")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--out", default=str(RESULTS_DIR / "startup.json"))
    args = parser.parse_args(argv)
    names = list(CASES) + [n for n in COMMANDS
                           if not (n.startswith("pytest") and args.no_pytest)
                           and not (n == "hdkit_demo" and args.no_demo)]
    if args.only:
        names = [n for n in names if n in args.only]
    rows = []
    load_before = os.getloadavg()
    for name in names:
        target = CASES[name][1] if name in CASES else COMMANDS[name][1]
        runs, warm = _cold_runs(name, max(1, args.repeat), args.warm)
        firsts = [r["first_call_s"] for r in runs]
        cpus = [r["process_cpu_s"] for r in runs]
        first = statistics.median(firsts)
        row = {
            "case": name,
            "cold_first_call_s": first,
            "cold_first_call_min_s": min(firsts),
            "cold_first_call_max_s": max(firsts),
            "cold_process_s": statistics.median(r["process_s"] for r in runs),
            "cold_process_cpu_s": statistics.median(cpus),
            "cold_main_cpu_s": _median_of(runs, "main_cpu_s"),
            "cold_helpers_cpu_s": _median_of(runs, "helpers_cpu_s"),
            "warm_first_call_s": None if warm is None else warm["first_call_s"],
            "loadavg_1min": [r["loadavg"] for r in runs],
            "runs": runs,
            "target_s": target,
            "met": None if target is None else bool(first < target),
        }
        rows.append(row)
        loads = ", ".join(f"{r['loadavg']:.1f}" for r in runs)
        print(f"{name}: cold first call {first:.2f} s (runs "
              f"{', '.join(f'{v:.2f}' for v in firsts)}; process CPU "
              f"{statistics.median(cpus):.1f} s; load {loads})", flush=True)
    print()
    print_table(rows, ["case", "cold_first_call_s", "cold_first_call_min_s",
                       "cold_first_call_max_s", "cold_process_s", "cold_process_cpu_s",
                       "cold_main_cpu_s", "cold_helpers_cpu_s", "warm_first_call_s",
                       "target_s", "met"])
    result = {
        **run_info("benchmarks/bench_startup.py", argv),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "note": "shared machine: other jobs ran alongside, see loadavg; CPU seconds are the "
                "process's and its waited-for children's user + system time",
        "rows": rows,
    }
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
