"""One-call image matching: detect, describe, match, fit a homography, evaluate, draw."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from . import evaluate
from ._validation import check_homography, check_image_path
from .matching import find_homography, match
from .sift import SIFT


def load_image(image, name: str = "image") -> np.ndarray:
    """Return ``image`` itself if it is an array, else read it from a path as grayscale."""
    if isinstance(image, np.ndarray):
        return image
    if not isinstance(image, (str, Path)):
        raise TypeError(f"{name} must be an array or a path, got {type(image).__name__}")
    path = Path(image)
    if not path.is_file():
        raise ValueError(f"{name}: no such image file {str(path)!r}")
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(f"{name}: could not decode {str(path)!r} as an image")
    return img


def _file_storage_matrix(path: Path, node: str | None) -> np.ndarray:
    """The matrix of node ``node`` (default: the first matrix node) of a FileStorage file."""
    try:
        fs = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
    except (cv2.error, SystemError) as exc:  # malformed XML/JSON/YAML
        raise ValueError(
            f"source: {str(path)!r} is not a readable OpenCV FileStorage file ({exc})"
        ) from None
    mat = None
    try:
        if not fs.isOpened():
            raise ValueError(f"source: {str(path)!r} is not a readable OpenCV FileStorage file")
        keys = [node] if node is not None else list(fs.root().keys())
        for key in keys:
            try:
                mat = fs.getNode(key).mat()
            except (cv2.error, SystemError):  # a node that is not a matrix (e.g. a map)
                mat = None
            if mat is not None:
                break
    finally:
        fs.release()
    if mat is None:
        named = f" {node!r}" if node is not None else ""
        raise ValueError(f"source: no matrix node{named} in {str(path)!r}")
    return mat


def load_homography(source, node: str | None = None) -> np.ndarray:
    """Read a 3x3 homography from an array, an OpenCV FileStorage file or a text file.

    Parameters
    ----------
    source : array_like or str or Path
        A 3x3 array; a ``.xml`` / ``.yml`` / ``.yaml`` / ``.json`` OpenCV FileStorage file; or
        a text file of 9 numbers (the Oxford ``H1to3p`` format).
    node : str, optional
        FileStorage node name; default: the first matrix node of the file (e.g. ``H13``).

    Examples
    --------
    >>> import numpy as np
    >>> from vision import load_homography
    >>> load_homography(np.eye(3)).shape
    (3, 3)
    """
    if not isinstance(source, (str, Path)):
        return check_homography(source, "source")
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"source: no such file {str(path)!r} (a homography file)")
    if path.suffix.lower() in (".xml", ".yml", ".yaml", ".json"):
        return check_homography(_file_storage_matrix(path, node), "source")
    try:
        values = np.loadtxt(path, dtype=np.float64).reshape(-1)
    except ValueError:
        raise ValueError(f"source: {str(path)!r} is not a text file of 9 numbers") from None
    return check_homography(values.reshape(3, 3) if values.size == 9 else values, "source")


def match_images(
    image1,
    image2,
    homography=None,
    output: str | Path | None = None,
    sift: SIFT | None = None,
    *,
    ratio: float = 0.8,
    threshold: float = 3.0,
    max_lines: int | None = 100,
) -> dict:
    """Match two images with SIFT and report counts (and accuracy when ``homography`` is given).

    Pipeline: ``sift.detect_and_compute`` on both images, ``match`` (mutual nearest neighbours
    with the ratio test), RANSAC homography (``find_homography``), optional evaluation
    against the ground truth and an optional PNG of the matches.

    Parameters
    ----------
    image1, image2 : ndarray or str or Path
        Images (any input accepted by ``SIFT``) or paths read as grayscale.
    homography : array_like (3, 3) or str or Path, optional
        Ground truth mapping image 1 to image 2 (see ``load_homography``).
    output : str or Path, optional
        Write a PNG of the matches (green: RANSAC inliers, or correct matches when the
        ground truth is given; red otherwise) under a header with the counts and a legend.
    sift : SIFT, optional
        Detector/descriptor to use (default ``SIFT()``).
    ratio : float, default 0.8
        Ratio-test threshold of ``match``.
    threshold : float, default 3.0
        Pixel threshold for RANSAC inliers and for correct matches / repeatability.
    max_lines : int or None, default 100
        Draw at most this many matches in ``output``, evenly spaced; None draws them all.

    Returns
    -------
    dict
        ``keypoints1``, ``keypoints2``, ``matches``, ``inliers`` (ints), ``homography``
        (estimated 3x3 as nested lists, or None), ``seconds`` (float), ``ratio`` and
        ``threshold`` (the settings used); with a ground truth also ``repeatability``,
        ``correct``, ``precision``, ``matching_score``, ``median_error`` (of correct matches,
        px) and ``mma`` (the share of matches within 1, 2, ..., 10 px). :func:`format_report`
        writes it for people.

    Examples
    --------
    >>> import cv2
    >>> import numpy as np
    >>> from vision import match_images, synthetic_warp
    >>> rng = np.random.default_rng(0)
    >>> img = cv2.GaussianBlur((rng.random((96, 96)) * 255).astype(np.uint8), (0, 0), 2)
    >>> warped, H = synthetic_warp(img, 20.0, 0.9)
    >>> r = match_images(img, warped, homography=H)
    >>> r["matches"] > 0 and r["precision"] > 0.5
    True
    """
    if output is not None:
        check_image_path(output)  # before the work, not after it
    img1 = load_image(image1, "image1")
    img2 = load_image(image2, "image2")
    H_true = None if homography is None else load_homography(homography)
    if sift is None:
        sift = SIFT()
    elif not isinstance(sift, SIFT):
        raise TypeError(f"sift must be a vision.SIFT or None, got {type(sift).__name__}")
    start = time.perf_counter()
    kp1, d1 = sift.detect_and_compute(img1)
    kp2, d2 = sift.detect_and_compute(img2)
    matches = match(d1, d2, ratio=ratio, mutual=True)
    xy1, xy2 = kp1.xy[matches[:, 0]], kp2.xy[matches[:, 1]]
    H_est, inliers = find_homography(xy1, xy2, threshold=threshold)
    seconds = time.perf_counter() - start
    result = {
        "keypoints1": len(kp1),
        "keypoints2": len(kp2),
        "matches": len(matches),
        "inliers": int(inliers.sum()),
        "homography": None if H_est is None else H_est.tolist(),
        "seconds": seconds,
        "ratio": ratio,
        "threshold": threshold,
    }
    colour = inliers
    if H_true is not None:
        err = evaluate.match_errors(kp1, kp2, matches, H_true)
        ok = err <= threshold
        colour = ok
        result.update(
            repeatability=evaluate.repeatability(kp1, kp2, H_true, img1.shape, img2.shape,
                                                 threshold),
            correct=int(ok.sum()),
            precision=float(ok.mean()) if len(ok) else 0.0,
            matching_score=evaluate.matching_score(kp1, kp2, matches, H_true, img1.shape,
                                                   img2.shape, threshold),
            median_error=float(np.median(err[ok])) if ok.any() else None,
            mma=evaluate.mean_matching_accuracy(kp1, kp2, matches, H_true).tolist(),
        )
    if output is not None:
        if H_true is not None:
            legend = (f"correct: within {threshold:g} px of the ground truth", "wrong")
        else:
            legend = (f"RANSAC inlier ({threshold:g} px)", "outlier")
        evaluate.draw_matches(
            img1, img2, kp1, kp2, matches, output, correct=colour, max_lines=max_lines,
            title=_picture_title(image1, image2, result), legend=legend,
        )
    return result


def _picture_title(image1, image2, result: dict) -> str:
    """``graf1.png -> graf3.png: 923 matches, 638 correct (precision 0.691), 702 inliers``."""
    names = ""
    if isinstance(image1, (str, Path)) and isinstance(image2, (str, Path)):
        names = f"{Path(image1).name} -> {Path(image2).name}: "
    counts = f"{result['matches']} matches"
    if "correct" in result:
        counts += f", {result['correct']} correct (precision {result['precision']:.3f})"
    return f"{names}{counts}, {result['inliers']} RANSAC inliers"


def format_report(result: dict) -> str:
    """The result of :func:`match_images` as labelled, rounded lines for people.

    Examples
    --------
    >>> print(format_report({"keypoints1": 10, "keypoints2": 12, "matches": 5, "inliers": 4,
    ...                      "seconds": 0.25, "ratio": 0.8, "threshold": 3.0}))
    keypoints        10 in image 1, 12 in image 2
    matches          5 (mutual nearest neighbours, ratio test 0.8)
    RANSAC inliers   4 (homography, 3 px)
    time             250 ms (detect, describe, match, RANSAC)
    """
    px = f"{result['threshold']:g} px"
    lines = [
        f"keypoints        {result['keypoints1']} in image 1, {result['keypoints2']} in image 2",
        f"matches          {result['matches']} (mutual nearest neighbours, ratio test "
        f"{result['ratio']:g})",
        f"RANSAC inliers   {result['inliers']} (homography, {px})",
    ]
    if "precision" in result:
        error = result["median_error"]
        mma = result["mma"]
        lines += [
            f"correct          {result['correct']} within {px} of the ground truth "
            f"(precision {result['precision']:.3f})",
            f"repeatability    {result['repeatability']:.3f} (keypoints found again, {px})",
            f"matching score   {result['matching_score']:.3f} (correct matches per keypoint)",
            f"median error     {'-' if error is None else f'{error:.2f} px'} (correct matches)",
            "share correct    "
            + ", ".join(f"{t} px: {mma[t - 1]:.2f}" for t in (1, 2, 3, 5, 10) if t <= len(mma)),
        ]
    took = result["seconds"]
    took = f"{1e3 * took:.0f} ms" if took < 1 else f"{took:.1f} s"
    lines.append(f"time             {took} (detect, describe, match, RANSAC)")
    return "\n".join(lines)
