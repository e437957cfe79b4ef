"""Match two images with hdkit's SIFT and report keypoints, matches, inliers and accuracy.

Usage::

    python examples/match_images.py IMG1 IMG2 [--homography H.xml] [-o matches.png]
    python examples/match_images.py            # scikit-image's camera and a known warp

With a ground-truth homography (OpenCV FileStorage .xml/.yml or a text file of 9 numbers)
it also prints repeatability, correct matches, precision, matching score, the median error of
the correct matches and the mean matching accuracy at 1..10 px.

Example with the shared data::

    python examples/match_images.py ../shared/data/images/graf1.png \\
        ../shared/data/images/graf3.png --homography ../shared/data/images/H1to3p.xml \\
        -o matches.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vision  # noqa: E402
from vision.pipeline import load_image  # noqa: E402


def bundled_pair(angle: float, scale: float):
    """scikit-image's camera image and a rotated + scaled copy with its homography."""
    try:
        from skimage import data
    except ImportError:
        raise SystemExit(
            "the no-argument demo needs scikit-image (pip install 'hdkit[examples]' or "
            "pip install scikit-image); or pass two image paths"
        ) from None
    image = data.camera()
    warped, H = vision.synthetic_warp(image, angle, scale, random_state=0)
    return image, warped, H


def report(result: dict) -> str:
    lines = [
        f"keypoints      {result['keypoints1']} / {result['keypoints2']}",
        f"matches        {result['matches']}  (mutual nearest neighbours, ratio 0.8)",
        f"inliers        {result['inliers']}  (RANSAC homography, 3 px)",
    ]
    if "precision" in result:
        err = result["median_error"]
        lines += [
            f"repeatability  {result['repeatability']:.3f}  (3 px)",
            f"correct        {result['correct']}  (precision {result['precision']:.3f}, "
            f"matching score {result['matching_score']:.3f})",
            f"median error   {'-' if err is None else f'{err:.3f} px'}  (correct matches)",
            "MMA 1..10 px   " + " ".join(f"{v:.2f}" for v in result["mma"]),
        ]
    lines.append(f"time           {1e3 * result['seconds']:.0f} ms")
    return "\n".join(lines)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description="Match two images with hdkit's SIFT.")
    ap.add_argument("images", nargs="*", type=Path, help="IMG1 IMG2 (none: built-in demo)")
    ap.add_argument("--homography", help="ground truth mapping IMG1 to IMG2")
    ap.add_argument("--node", help="FileStorage node of the homography (default: first)")
    ap.add_argument("-o", "--output", type=Path, help="write a PNG of the matches")
    ap.add_argument("--angle", type=float, default=30.0, help="demo warp rotation (degrees)")
    ap.add_argument("--scale", type=float, default=0.7, help="demo warp scale")
    args = ap.parse_args(argv)
    if len(args.images) not in (0, 2):
        ap.error("give two images, or none for the built-in demo")
    if args.images:
        img1, img2 = (load_image(p, f"image{i}") for i, p in enumerate(args.images, 1))
        H = None
        if args.homography:
            H = vision.load_homography(args.homography, args.node)
        print(f"{args.images[0]} -> {args.images[1]}")
    else:
        img1, img2, H = bundled_pair(args.angle, args.scale)
        print(f"scikit-image camera -> synthetic warp ({args.angle:g} deg, x{args.scale:g})")
    result = vision.match_images(img1, img2, homography=H, output=args.output)
    print(report(result))
    if args.output:
        print(f"wrote {args.output}")
    return result


if __name__ == "__main__":
    main()
