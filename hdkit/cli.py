"""The ``hdkit`` command: ``info``, ``demo``, ``compare`` and ``match``.

The CLI is the top layer of hdkit: it may import from every package, and nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence

import numpy as np


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


def _cmd_compare(args: argparse.Namespace) -> int:
    from hdkit import compare

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    print(compare.format_table([], header=True))
    try:
        rows = compare.run_comparison(
            args.dataset, models, dim=args.dim, path=args.path, random_state=args.random_state,
            max_train=args.max_train, progress=args.progress, log=print,
        )
    except FileNotFoundError as exc:
        print(f"hdkit compare: {exc}", file=sys.stderr)
        return 2
    if args.json:
        from pathlib import Path

        Path(args.json).write_text(json.dumps(compare.rows_as_dicts(rows), indent=2))
        print(f"wrote {args.json}")
    if args.plot:
        compare.plot(rows, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _print_match_report(report: dict) -> None:
    for key, value in report.items():
        if isinstance(value, float):
            value = f"{value:.4f}"
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], float):
            value = " ".join(f"{v:.3f}" for v in value)
        print(f"  {key}: {value}")


def _cmd_match(args: argparse.Namespace) -> int:
    import vision

    homography = None
    if args.homography:
        homography = vision.load_homography(args.homography)
    try:
        report = vision.match_images(
            args.image1, args.image2, homography=homography, output=args.output
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"hdkit match: {exc}", file=sys.stderr)
        return 2
    _print_match_report(report)
    if args.output:
        print(f"wrote {args.output}")
    return 0


def _drawn_scene(shape: tuple[int, int] = (480, 640), seed: int = 0) -> np.ndarray:
    """A deterministic grey scene of random filled shapes and lines (blob and corner texture)."""
    import cv2

    rng = np.random.default_rng(seed)
    height, width = shape
    image = np.full(shape, 128, dtype=np.uint8)
    for _ in range(120):
        colour = int(rng.integers(0, 256))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.circle(image, (x, y), int(rng.integers(4, 40)), colour, -1)
        elif kind == 1:
            w, h = int(rng.integers(6, 80)), int(rng.integers(6, 80))
            cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        else:
            end = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(image, (x, y), end, colour, int(rng.integers(1, 5)))
    return cv2.GaussianBlur(image, (0, 0), 1.0)


def _demo_image():
    """A grey scikit-image sample when scikit-image is installed, else the shared graffiti,
    else a drawn scene (so that the demo runs after a bare ``pip install``)."""
    try:
        from skimage import data

        return data.camera(), "scikit-image camera"
    except ImportError:
        import cv2

        from hdkit.datasets import data_dir

        path = data_dir() / "images" / "graf1.png"
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            return _drawn_scene(), "a drawn scene (no scikit-image, no shared data)"
        return image, str(path)


def _cmd_demo(args: argparse.Namespace) -> int:
    import time

    import vision
    from hdkit import compare

    start = time.perf_counter()
    print("(the first run also compiles hdkit's numba kernels; later runs reuse the cache)")
    print("== hdkit demo 1/2: classifiers side by side on scikit-learn's digits ==")
    print(compare.format_table([], header=True))
    compare.run_comparison("digits", compare.MODELS, dim=args.dim, log=print)
    print()
    print("== hdkit demo 2/2: image matching under a synthetic rotation + scale ==")
    image, name = _demo_image()
    warped, homography = vision.synthetic_warp(image, angle_deg=25.0, scale=0.8, random_state=0)
    print(f"image: {name} {image.shape[1]}x{image.shape[0]}, warp: rotate 25 deg, scale 0.8")
    report = vision.match_images(image, warped, homography=homography, output=args.output)
    _print_match_report(report)
    print(f"wrote {args.output}")
    print(f"demo finished in {time.perf_counter() - start:.1f} s")
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

    from hdkit.compare import MODELS
    from hdkit.datasets import DATASETS

    cmp = sub.add_parser(
        "compare", help="HDC, kernel machine and GLN side by side on one dataset and split"
    )
    cmp.add_argument("--dataset", choices=DATASETS, default="digits")
    cmp.add_argument("--models", default=",".join(MODELS),
                     help=f"comma-separated subset of {','.join(MODELS)} (default: all)")
    cmp.add_argument("--dim", type=int, default=10000, help="hypervector size (default 10000)")
    cmp.add_argument("--path", help="dataset location when not at the documented default")
    cmp.add_argument("--max-train", type=int, help="fit on a random subset of this many samples")
    cmp.add_argument("--random-state", type=int, default=0)
    cmp.add_argument("--json", metavar="OUT", help="write the results as JSON")
    cmp.add_argument("--plot", metavar="PNG", help="grouped bar chart (needs matplotlib)")
    cmp.add_argument("--progress", action="store_true", help="progress bar (needs tqdm)")
    cmp.set_defaults(func=_cmd_compare)

    match = sub.add_parser("match", help="SIFT-style keypoints, matches and inliers of two images")
    match.add_argument("image1")
    match.add_argument("image2")
    match.add_argument("--homography", help="ground truth 3x3 homography (OpenCV XML or text)")
    match.add_argument("-o", "--output", help="write a PNG of the matches")
    match.set_defaults(func=_cmd_match)

    demo = sub.add_parser("demo", help="compare on digits, then match an image to a warped copy")
    demo.add_argument("--dim", type=int, default=10000)
    demo.add_argument("-o", "--output", default="hdkit-demo-matches.png",
                      help="PNG of the image matches (default: hdkit-demo-matches.png)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hdkit`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
