"""First-call latency with a cold numba cache: what a fresh install waits for.

Run::

    python benchmarks/bench_startup.py              # every case, ~3-5 minutes
    python benchmarks/bench_startup.py --no-pytest  # skip the test-suite case
    python benchmarks/bench_startup.py --warm       # also time every case again on the warm cache

Every case runs in a fresh Python subprocess with ``NUMBA_CACHE_DIR`` pointing to a new empty
temporary folder, so that numba compiles every kernel the case needs. A case reports the wall
time of its first call (import excluded where the case is a function call) and of the whole
process; ``--warm`` repeats it with the cache the first run filled.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, machine_info, print_table, write_json  # noqa: E402

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

COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "hdkit_demo": ([sys.executable, "-m", "hdkit", "demo", "-o", "{tmp}/demo.png"], 20.0),
    "pytest_not_slow": ([sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-x",
                         "-p", "no:cacheprovider"], 90.0),
}


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = cache
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run_case(name: str, cache: str, tmp: str) -> dict:
    """Time one case in a fresh subprocess against the numba cache folder ``cache``."""
    start = time.perf_counter()
    if name in CASES:
        code = _PRELUDE + CASES[name][0] + "\nprint('ELAPSED', elapsed)\n"
        proc = subprocess.run([sys.executable, "-c", code], env=_env(cache), cwd=ROOT,
                              capture_output=True, text=True, check=False)
    else:
        cmd = [part.format(tmp=tmp) for part in COMMANDS[name][0]]
        proc = subprocess.run(cmd, env=_env(cache), cwd=ROOT, capture_output=True, text=True,
                              check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                           f"{proc.stderr[-2000:]}")
    first = wall
    for line in proc.stdout.splitlines():
        if line.startswith("ELAPSED "):
            first = float(line.split()[1])
    return {"first_call_s": first, "process_s": wall}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-pytest", action="store_true", help="skip the test-suite case")
    parser.add_argument("--no-demo", action="store_true", help="skip `hdkit demo`")
    parser.add_argument("--warm", action="store_true", help="also time every case warm")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--out", default=str(RESULTS_DIR / "startup.json"))
    args = parser.parse_args(argv)
    names = list(CASES) + [n for n in COMMANDS
                           if not (n == "pytest_not_slow" and args.no_pytest)
                           and not (n == "hdkit_demo" and args.no_demo)]
    if args.only:
        names = [n for n in names if n in args.only]
    rows = []
    load_before = os.getloadavg()
    for name in names:
        target = CASES[name][1] if name in CASES else COMMANDS[name][1]
        with tempfile.TemporaryDirectory(prefix="hdkit-numba-") as cache, \
                tempfile.TemporaryDirectory() as tmp:
            cold = run_case(name, cache, tmp)
            warm = run_case(name, cache, tmp) if args.warm else None
        row = {
            "case": name,
            "cold_first_call_s": cold["first_call_s"],
            "cold_process_s": cold["process_s"],
            "warm_first_call_s": None if warm is None else warm["first_call_s"],
            "target_s": target,
            "met": None if target is None else bool(cold["first_call_s"] < target),
        }
        rows.append(row)
        print(f"{name}: cold first call {row['cold_first_call_s']:.2f} s", flush=True)
    print()
    print_table(rows, ["case", "cold_first_call_s", "cold_process_s", "warm_first_call_s",
                       "target_s", "met"])
    result = {
        "machine": machine_info(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "note": "shared machine: other jobs ran alongside, see loadavg",
        "rows": rows,
    }
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
