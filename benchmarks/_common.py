"""Helpers shared by hdkit's benchmarks: timing, result tables and JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def median_seconds(fn: Callable[[], Any], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time in seconds of ``fn()`` over ``repeats`` runs after ``warmup`` runs.

    The median (not the mean) resists the noise of a shared machine.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def best_seconds_with_result(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """(best wall time in seconds over ``repeat`` calls of ``fn()``, the last result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def machine_info() -> dict[str, Any]:
    import numba
    import numpy as np

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "numba_threads": numba.get_num_threads(),
    }


def run_info(script: str, argv: list[str] | None) -> dict[str, Any]:
    """The head of a result file: the machine, the command that made it and the UTC time.

    ``script`` is the benchmark's path from the project root; ``argv`` its arguments (None:
    the process's own).
    """
    return {
        "machine": machine_info(),
        "command": " ".join(["python", script, *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def cpu_features() -> dict[str, Any]:
    """The CPU model and the SIMD features that decide hdkit's kernels (from /proc/cpuinfo),
    the CPU numba compiles for (LLVM's host CPU name), and whether numba compiles the 512-bit
    popcount blocks (``hdc._wide.WIDE``): timings with and without ``VPOPCNTQ`` differ
    several-fold."""
    from hdc import _wide

    model, flags = platform.processor(), set()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    try:
        import llvmlite.binding as llvm

        host = llvm.get_host_cpu_name()
    except Exception:  # noqa: BLE001 - only a description
        host = None
    wanted = ["avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vpopcntdq", "popcnt"]
    return {"model": model, "features": [f for f in wanted if f in flags],
            "llvm_host_cpu": host, "wide_popcount_kernels": _wide.WIDE}


_SPIN = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True:\n    pass\n"


class Spinner:
    """Context manager: a child process spinning on one core while the block runs, the
    competitor of the benchmarks' busy conditions; ``Spinner(False)`` does nothing.

    ``core`` defaults to the last core this process may use; ``settle`` seconds are waited
    after the start so that the competitor already spins when the block begins.
    """

    def __init__(self, active: bool = True, core: int | None = None,
                 settle: float = 0.0) -> None:
        self.active = active
        self.core = (max(os.sched_getaffinity(0)) if core is None else core) if active else None
        self.settle = settle
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Spinner:
        if self.active:
            self.process = subprocess.Popen([sys.executable, "-c", _SPIN, str(self.core)])
            time.sleep(self.settle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print ``rows`` as an aligned text table with the given columns."""

    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return "" if value is None else str(value)

    cells = [[fmt(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def write_json(data: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=float))
    return path
