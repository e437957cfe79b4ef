"""Match two images with hdkit's SIFT and report keypoints, matches, inliers and accuracy.

Usage::

    python examples/match_images.py IMG1 IMG2 [--homography H.xml] [-o matches.png]
    python examples/match_images.py            # scikit-image's camera and a known warp

With a ground-truth homography (OpenCV FileStorage .xml/.yml or a text file of 9 numbers)
it also prints repeatability, correct matches, precision, matching score, the median error of
the correct matches and the mean matching accuracy at 1..10 px.

Example with the shared data folder at ``../shared/data`` (``hdkit data`` shows where it is)::

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
from vision.pipeline import format_report, load_image  # noqa: E402


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


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description="Match two images with hdkit's SIFT.")
    ap.add_argument("images", nargs="*", type=Path, help="IMG1 IMG2 (none: built-in demo)")
    ap.add_argument("--homography", help="ground truth mapping IMG1 to IMG2")
    ap.add_argument("--node", help="FileStorage node of the homography (default: first)")
    ap.add_argument("-o", "--output", type=Path, help="write a PNG of the matches")
    ap.add_argument("--max-lines", type=int, default=100,
                    help="draw at most this many matches, evenly spaced (default: 100)")
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
    result = vision.match_images(img1, img2, homography=H, output=args.output,
                                 max_lines=args.max_lines)
    print(format_report(result))
    if args.output:
        print(f"wrote {args.output}")
    return result


if __name__ == "__main__":
    main()
