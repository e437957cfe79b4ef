"""Benchmark hdkit's SIFT against OpenCV's and scikit-image's SIFT, side by side, one thread each.

Tasks (all three methods use the same matcher, ``vision.match`` with mutual NN + ratio 0.8):
- graf1 -> graf3 (Oxford Graffiti, ground-truth homography): repeatability @3 px, matches,
  correct matches @3 px, precision, matching score, mean matching accuracy at 1..10 px;
- synthetic rotation + scale warps of graf1 (``vision.synthetic_warp``, bicubic) with known
  homographies: matches, correct @3 px and the median reprojection error of the correct
  matches;
- box.png vs box_in_scene.png: RANSAC inliers of a homography (3 px);
- detect + describe time on graf1 (median of repeats after a warm-up, methods interleaved).

Usage::

    python benchmarks/bench_vision.py [--data DIR] [--out FILE] [--repeats N] [--quick]
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vision  # noqa: E402
from vision import evaluate  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "vision.json"
WARPS = ((30.0, 0.7), (15.0, 0.9), (45.0, 1.2), (60.0, 0.8), (90.0, 1.0))
THRESHOLD = 3.0


# -- the three methods: uint8 gray image -> (xy (n, 2) float64, descriptors (n, d) float32) ---
def _hdkit(**params):
    sift = vision.SIFT(**params)

    def run(img):
        kp, desc = sift.detect_and_compute(img)
        return kp.xy.astype(np.float64), desc

    return run


def _opencv():
    sift = cv2.SIFT_create()

    def run(img):
        kps, desc = sift.detectAndCompute(img, None)
        if desc is None:
            return np.empty((0, 2)), np.empty((0, 128), np.float32)
        return np.array([k.pt for k in kps], np.float64).reshape(-1, 2), desc

    return run


def _skimage():
    from skimage.feature import SIFT as SkSIFT

    def run(img):
        sift = SkSIFT()
        sift.detect_and_extract(img.astype(np.float64) / 255.0)
        # positions: float (row, col); SIFT.keypoints holds them rounded to integers
        xy = sift.positions[:, ::-1].astype(np.float64)
        return xy, sift.descriptors.astype(np.float32)

    return run


def methods(include_skimage: bool = True) -> dict:
    # "hdkit-sift": Lowe's unit-length descriptors instead of the default RootSIFT, to show
    # what the descriptor transform alone contributes (accuracy only, not timed)
    out = {"hdkit": _hdkit(), "hdkit-sift": _hdkit(root_sift=False), "opencv": _opencv()}
    if include_skimage:
        try:
            out["skimage"] = _skimage()
        except ImportError:
            print("scikit-image is not installed: skipping it (pip install scikit-image)")
    return out


# -- tasks ------------------------------------------------------------------------------------
def pair_metrics(run, img1, img2, H) -> dict:
    xy1, d1 = run(img1)
    xy2, d2 = run(img2)
    m = vision.match(d1, d2, ratio=0.8, mutual=True)
    err = evaluate.match_errors(xy1, xy2, m, H)
    ok = err <= THRESHOLD
    return {
        "keypoints": [len(xy1), len(xy2)],
        "repeatability": evaluate.repeatability(xy1, xy2, H, img1.shape, img2.shape, THRESHOLD),
        "matches": len(m),
        "correct": int(ok.sum()),
        "precision": float(ok.mean()) if len(ok) else 0.0,
        "matching_score": evaluate.matching_score(xy1, xy2, m, H, img1.shape, img2.shape,
                                                  THRESHOLD),
        "median_error": float(np.median(err[ok])) if ok.any() else None,
        "mma": evaluate.mean_matching_accuracy(xy1, xy2, m, H).tolist(),
    }


def box_metrics(run, img1, img2) -> dict:
    xy1, d1 = run(img1)
    xy2, d2 = run(img2)
    m = vision.match(d1, d2, ratio=0.8, mutual=True)
    _, inliers = vision.find_homography(xy1[m[:, 0]], xy2[m[:, 1]], threshold=THRESHOLD)
    return {"keypoints": [len(xy1), len(xy2)], "matches": len(m), "inliers": int(inliers.sum())}


def timing(runs: dict, img, repeats: int) -> dict:
    """Median wall and thread-CPU time per method; methods interleaved in every repeat."""
    for run in runs.values():
        run(img)  # warm-up (numba compile / caches)
    wall = {k: [] for k in runs}
    cpu = {k: [] for k in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            t0, c0 = time.perf_counter(), time.thread_time()
            run(img)
            cpu[name].append(time.thread_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    return {k: {"wall_ms": 1e3 * float(np.median(wall[k])),
                "cpu_ms": 1e3 * float(np.median(cpu[k]))} for k in runs}


def _warp_key(angle: float, scale: float) -> str:
    return f"warp_{angle:g}_x{scale:g}".replace(".", "p")  # no dots: print_table splits on them


def read_gray(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise SystemExit(f"cannot read {path}; pass --data pointing at the shared data folder")
    return img


def fmt(v, spec=".3f") -> str:
    if v is None:
        return "-"
    return format(v, spec) if isinstance(v, float) else str(v)


def print_table(title: str, rows: list[tuple[str, str]], results: dict, names: list[str]):
    print(f"\n{title}")
    print(f"{'':34s}" + "".join(f"{n:>14s}" for n in names))
    for label, key in rows:
        cells = []
        for n in names:
            v = results[n]
            for part in key.split("."):
                v = v.get(part) if isinstance(v, dict) else None
            cells.append(fmt(v))
        print(f"{label:34s}" + "".join(f"{c:>14s}" for c in cells))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output file")
    ap.add_argument("--repeats", type=int, default=11, help="timing repeats (after warm-up)")
    ap.add_argument("--quick", action="store_true", help="skip scikit-image timing (slow)")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)
    images = args.data / "images"
    g1, g3 = read_gray(images / "graf1.png"), read_gray(images / "graf3.png")
    H13 = vision.load_homography(images / "H1to3p.xml", "H13")
    box, scene = read_gray(images / "box.png"), read_gray(images / "box_in_scene.png")

    runs = methods()
    names = list(runs)
    results = {n: {} for n in names}
    for name, run in runs.items():
        print(f"accuracy: {name} ...", file=sys.stderr, flush=True)
        results[name]["graf"] = pair_metrics(run, g1, g3, H13)
        warps = []
        for angle, scale in WARPS:
            warped, H = vision.synthetic_warp(g1, angle, scale)
            warps.append({"angle": angle, "scale": scale, **pair_metrics(run, g1, warped, H)})
        results[name]["synthetic"] = warps
        errs = [w["median_error"] for w in warps if w["median_error"] is not None]
        results[name]["synthetic_worst_median_error"] = max(errs) if errs else None
        for w in warps:
            results[name][_warp_key(w["angle"], w["scale"])] = w
        results[name]["box"] = box_metrics(run, box, scene)
    timed = {n: r for n, r in runs.items()
             if n != "hdkit-sift" and not (args.quick and n == "skimage")}
    print(f"timing: {', '.join(timed)} x {args.repeats} ...", file=sys.stderr, flush=True)
    for name, t in timing(timed, g1, args.repeats).items():
        results[name]["time"] = t

    print_table("graf1 -> graf3 (3 px, mutual NN + ratio 0.8)", [
        ("keypoints graf1, graf3", "graf.keypoints"), ("repeatability", "graf.repeatability"),
        ("matches", "graf.matches"), ("correct", "graf.correct"),
        ("precision", "graf.precision"), ("matching score", "graf.matching_score"),
    ], results, names)
    rows = []
    for angle, scale in WARPS:
        key = _warp_key(angle, scale)
        rows += [(f"{angle:g} deg x{scale:g}: median error px", f"{key}.median_error"),
                 (f"{angle:g} deg x{scale:g}: correct / matches", f"{key}.correct_of")]
    for n in names:
        for w in results[n]["synthetic"]:
            w["correct_of"] = f"{w['correct']} / {w['matches']}"
    rows.append(("worst per-warp median error", "synthetic_worst_median_error"))
    print_table("synthetic warps of graf1 (bicubic, 3 px)", rows, results, names)
    print_table("box -> box_in_scene (RANSAC 3 px)", [
        ("matches", "box.matches"), ("inliers", "box.inliers"),
    ], results, names)
    print_table("detect + describe graf1, one thread (median)", [
        ("wall ms", "time.wall_ms"), ("thread CPU ms", "time.cpu_ms"),
    ], results, names)
    ref = results["opencv"]["time"]
    for n in names:
        if "time" in results[n]:
            results[n]["time"]["wall_vs_opencv"] = results[n]["time"]["wall_ms"] / ref["wall_ms"]
            results[n]["time"]["cpu_vs_opencv"] = results[n]["time"]["cpu_ms"] / ref["cpu_ms"]
    ratios = [f"{n} {results[n]['time']['wall_vs_opencv']:.2f} / "
              f"{results[n]['time']['cpu_vs_opencv']:.2f}" for n in names if "time" in results[n]]
    print("\ntime relative to OpenCV (wall / CPU): " + ", ".join(ratios))

    report = {
        "versions": {
            "python": platform.python_version(), "numpy": np.__version__,
            "opencv": cv2.__version__, "numba": __import__("numba").__version__,
        },
        "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "repeats": args.repeats, "warps": [list(w) for w in WARPS], "results": results,
    }
    if "skimage" in runs:
        report["versions"]["scikit-image"] = __import__("skimage").__version__
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out}")
    return report


if __name__ == "__main__":
    main()
