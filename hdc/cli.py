"""The ``hdkit`` command: ``hdkit info`` (and, as they land, ``demo``, ``compare``, ``match``).

The CLI is the top layer of hdkit: it may import from every package, and nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence


def _cpu_flags() -> list[str]:
    """SIMD features of this CPU that matter to hdkit's kernels (Linux /proc/cpuinfo)."""
    wanted = ("popcnt", "avx2", "avx512f", "avx512bw", "avx512_vpopcntdq", "bmi2", "neon", "asimd")
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def collect_info() -> dict:
    """Versions, numba's threading set-up and CPU features, as a dict."""
    import numba
    import numpy as np

    import hdc

    info: dict = {
        "hdkit": hdc.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_features": _cpu_flags(),
    }
    from importlib import metadata

    for name in ("scipy", "scikit-learn", "opencv-python-headless", "scikit-image", "dask",
                 "distributed", "tqdm", "matplotlib", "bhv"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = None
    # numba only knows its threading layer once a parallel kernel has run
    hdc.hamming(hdc.random(64, 64, random_state=0), hdc.random(64, 64, random_state=1))
    try:
        info["numba_threading_layer"] = numba.threading_layer()
    except ValueError:
        info["numba_threading_layer"] = None
    return info


def _cmd_info(args: argparse.Namespace) -> int:
    info = collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    width = max(len(k) for k in info)
    for key, value in info.items():
        if isinstance(value, list):
            value = " ".join(value) or "(none detected)"
        print(f"{key:<{width}}  {value if value is not None else 'not installed'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hdkit",
        description="hdkit: hyperdimensional computing and classical vision toolkit.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    info = sub.add_parser("info", help="versions, numba threading layer and CPU features")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.set_defaults(func=_cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hdkit`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
