"""Evaluation of keypoints and matches against a ground-truth homography, and match drawing.

Points are ``(n, 2)`` arrays of ``(x, y)`` in OpenCV's pixel convention or ``Keypoints``;
``H`` maps image 1 onto image 2; ``matches`` are ``(m, 2)`` index pairs as from
``vision.match``. Measures follow Mikolajczyk et al., "A comparison of affine region
detectors" (IJCV 2005) and Mikolajczyk & Schmid (PAMI 2005), with a pure distance criterion:
a correspondence is correct when ``|H x1 - x2| <= threshold`` pixels.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from scipy.spatial import cKDTree

from ._validation import (
    check_homography,
    check_image_path,
    check_matches,
    check_points,
    check_positive,
)
from .keypoints import Keypoints

DEFAULT_THRESHOLDS = tuple(range(1, 11))


def _xy(points, name: str) -> np.ndarray:
    if isinstance(points, Keypoints):
        return points.xy.astype(np.float64)
    return check_points(points, name)


def _shape(shape, name: str) -> tuple[int, int]:
    if isinstance(shape, np.ndarray):
        shape = shape.shape
    try:
        h, w = int(shape[0]), int(shape[1])
    except (TypeError, IndexError, ValueError):
        raise ValueError(f"{name} must be an image or its (height, width), got {shape!r}") from None
    if h <= 0 or w <= 0:
        raise ValueError(f"{name} must have positive height and width, got {(h, w)}")
    return h, w


def project(xy, H) -> np.ndarray:
    """Apply homography ``H`` to points ``xy`` (n, 2); returns float64 (n, 2).

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import project
    >>> project([[1.0, 2.0]], np.diag([2.0, 2.0, 1.0])).tolist()
    [[2.0, 4.0]]
    """
    p = _xy(xy, "xy")
    H = check_homography(H)
    q = p @ H[:, :2].T + H[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        return q[:, :2] / q[:, 2:3]


def _inside(xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    return (
        np.isfinite(xy).all(axis=1)
        & (xy[:, 0] >= -0.5) & (xy[:, 0] <= w - 0.5)
        & (xy[:, 1] >= -0.5) & (xy[:, 1] <= h - 0.5)
    )


def common_region(xy1, xy2, H, shape1, shape2) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the points of each image that are visible in the other image.

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import common_region
    >>> m1, m2 = common_region([[5, 5], [90, 5]], [[1, 1]], np.eye(3), (50, 50), (50, 50))
    >>> m1.tolist(), m2.tolist()
    ([True, False], [True])
    """
    p1, p2 = _xy(xy1, "xy1"), _xy(xy2, "xy2")
    H = check_homography(H)
    s1, s2 = _shape(shape1, "shape1"), _shape(shape2, "shape2")
    in1 = _inside(p1, s1) & _inside(project(p1, H), s2)
    in2 = _inside(p2, s2) & _inside(project(p2, np.linalg.inv(H)), s1)
    return in1, in2


def repeatability(xy1, xy2, H, shape1, shape2, threshold: float = 3.0) -> float:
    """Fraction of keypoint locations re-detected in the other image, in the common region.

    Locations are the distinct ``(x, y)`` positions (a location with several orientations
    counts once), restricted to the region seen in both images. With ``n12`` the number of
    locations of image 1 whose projection has a location of image 2 within ``threshold``
    pixels and ``n21`` the same in the other direction, the repeatability is
    ``min(n12, n21) / min(n1, n2)``. Returns 0.0 when the common region holds no keypoint.

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import repeatability
    >>> xy = np.array([[10.0, 10.0], [20.0, 30.0], [40.0, 5.0]])
    >>> repeatability(xy, xy[:2] + 1.0, np.eye(3), (50, 50), (50, 50))
    1.0
    """
    check_positive(threshold, "threshold")
    p1 = np.unique(_xy(xy1, "xy1"), axis=0)
    p2 = np.unique(_xy(xy2, "xy2"), axis=0)
    in1, in2 = common_region(p1, p2, H, shape1, shape2)
    q1, q2 = project(p1[in1], H), p2[in2]
    denom = min(len(q1), len(q2))
    if denom == 0:
        return 0.0
    d12, _ = cKDTree(q2).query(q1, k=1)
    d21, _ = cKDTree(q1).query(q2, k=1)
    repeated = min(np.count_nonzero(d12 <= threshold), np.count_nonzero(d21 <= threshold))
    return float(repeated / denom)


def match_errors(xy1, xy2, matches, H) -> np.ndarray:
    """Reprojection error ``|H x1 - x2|`` in pixels of every match; float64 (m,).

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import match_errors
    >>> match_errors([[0.0, 0.0]], [[3.0, 4.0]], [[0, 0]], np.eye(3)).tolist()
    [5.0]
    """
    p1, p2 = _xy(xy1, "xy1"), _xy(xy2, "xy2")
    m = check_matches(matches, len(p1), len(p2))
    if len(m) == 0:
        return np.empty(0)
    return np.linalg.norm(project(p1[m[:, 0]], H) - p2[m[:, 1]], axis=1)


def correct_matches(xy1, xy2, matches, H, threshold: float = 3.0) -> np.ndarray:
    """Boolean mask of the matches whose reprojection error is at most ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import correct_matches
    >>> correct_matches([[0, 0], [5, 5]], [[1, 0], [9, 9]], [[0, 0], [1, 1]], np.eye(3)).tolist()
    [True, False]
    """
    check_positive(threshold, "threshold")
    return match_errors(xy1, xy2, matches, H) <= threshold


def matching_precision(xy1, xy2, matches, H, threshold: float = 3.0) -> float:
    """Fraction of matches that are correct (0.0 without matches).

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import matching_precision
    >>> matching_precision([[0, 0], [5, 5]], [[1, 0], [9, 9]], [[0, 0], [1, 1]], np.eye(3))
    0.5
    """
    ok = correct_matches(xy1, xy2, matches, H, threshold)
    return float(ok.mean()) if len(ok) else 0.0


def matching_score(xy1, xy2, matches, H, shape1, shape2, threshold: float = 3.0) -> float:
    """Correct matches divided by the smaller number of keypoints in the common region.

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import matching_score
    >>> xy = [[10.0, 10.0], [20.0, 20.0], [30.0, 30.0], [40.0, 40.0]]
    >>> matching_score(xy, xy, [[0, 0], [1, 1]], np.eye(3), (50, 50), (50, 50))
    0.5
    """
    p1, p2 = _xy(xy1, "xy1"), _xy(xy2, "xy2")
    in1, in2 = common_region(p1, p2, H, shape1, shape2)
    denom = min(int(in1.sum()), int(in2.sum()))
    if denom == 0:
        return 0.0
    return float(np.count_nonzero(correct_matches(p1, p2, matches, H, threshold)) / denom)


def mean_matching_accuracy(xy1, xy2, matches, H, thresholds=DEFAULT_THRESHOLDS) -> np.ndarray:
    """Matching precision at each pixel threshold (the MMA curve of D2-Net / HPatches).

    For one image pair this is the precision at thresholds 1..10 px by default; averaging the
    curves of several pairs gives the mean matching accuracy.

    Returns
    -------
    ndarray, float64, one value per threshold (zeros without matches).

    Examples
    --------
    >>> import numpy as np
    >>> from vision.evaluate import mean_matching_accuracy
    >>> xy1 = np.zeros((4, 2))
    >>> xy2 = np.array([[0.5, 0], [1.5, 0], [2.5, 0], [20, 0]])
    >>> mean_matching_accuracy(xy1, xy2, [[i, i] for i in range(4)], np.eye(3), [1, 2, 3]).tolist()
    [0.25, 0.5, 0.75]
    """
    t = np.asarray(list(thresholds), dtype=np.float64)
    if t.ndim != 1 or len(t) == 0 or not np.all(t > 0):
        raise ValueError(f"thresholds must be a non-empty sequence of positive numbers, got {t}")
    err = match_errors(xy1, xy2, matches, H)
    if len(err) == 0:
        return np.zeros(len(t))
    return (err[:, None] <= t[None, :]).mean(axis=0)


def _to_bgr_uint8(image: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        raise ValueError(f"{name} must be a 2-D or 3-D image array, got {type(image).__name__}")
    img = image
    if img.dtype != np.uint8:
        if not np.issubdtype(img.dtype, np.floating):
            raise TypeError(f"{name} must be uint8 or float in [0, 1], got {img.dtype}")
        img = np.clip(np.nan_to_num(img) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(img[:, :, :3])


GREEN = (0, 200, 0)
RED = (0, 0, 255)
YELLOW = (0, 255, 255)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_matches(
    image1: np.ndarray,
    image2: np.ndarray,
    xy1,
    xy2,
    matches,
    output: str | Path | None = None,
    *,
    correct: np.ndarray | None = None,
    max_lines: int | None = 100,
    title: str | None = None,
    legend: tuple[str, str] | None = None,
) -> np.ndarray:
    """Draw matches side by side, with a header of text, and optionally write a PNG.

    Parameters
    ----------
    image1, image2 : ndarray
        Grayscale or BGR images (uint8, or float in [0, 1]).
    xy1, xy2 : ndarray (n, 2) or Keypoints
        Keypoint positions of each image.
    matches : ndarray (m, 2)
        Index pairs into ``xy1`` and ``xy2``.
    output : str or Path, optional
        Where to write the PNG (parent folders are created).
    correct : ndarray (m,) of bool, optional
        Colour of each line: green when True (e.g. RANSAC inlier or ground-truth correct),
        red when False; yellow for all when omitted.
    max_lines : int or None, default 100
        Draw at most this many matches, evenly spaced over the list of matches (deterministic);
        None draws every match. The header says how many of how many are drawn.
    title : str, optional
        First line of the header, e.g. the counts of matches and correct matches.
    legend : (str, str), optional
        What green and what red mean; default ``("correct", "wrong")`` when ``correct`` is
        given.

    Returns
    -------
    canvas : ndarray (header + max(h1, h2), w1 + w2, 3), uint8 BGR
        The header band (title, legend, how many matches are drawn) is left out when it would
        be empty: no title, no ``correct`` and every match drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from vision import draw_matches
    >>> img = np.zeros((20, 30), np.uint8)
    >>> draw_matches(img, img, [[1, 2]], [[3, 4]], [[0, 0]]).shape
    (20, 60, 3)
    """
    a = _to_bgr_uint8(image1, "image1")
    b = _to_bgr_uint8(image2, "image2")
    p1, p2 = _xy(xy1, "xy1"), _xy(xy2, "xy2")
    m = check_matches(matches, len(p1), len(p2))
    if max_lines is not None:
        check_positive(max_lines, "max_lines", integer=True)
    if correct is not None:
        correct = np.asarray(correct, bool).ravel()
        if correct.shape[0] != len(m):
            raise ValueError(
                f"correct must have one entry per match ({len(m)}), got {correct.shape[0]}"
            )
        if legend is None:
            legend = ("correct", "wrong")
    if legend is not None and (len(legend) != 2 or not all(isinstance(t, str) for t in legend)):
        raise ValueError(f"legend must be two strings (green, red), got {legend!r}")
    h = max(a.shape[0], b.shape[0])
    canvas = np.zeros((h, a.shape[1] + b.shape[1], 3), np.uint8)
    canvas[: a.shape[0], : a.shape[1]] = a
    canvas[: b.shape[0], a.shape[1] :] = b
    order = np.arange(len(m))
    if max_lines is not None and len(m) > max_lines:
        order = np.linspace(0, len(m) - 1, max_lines).round().astype(np.int64)
    shift = np.array([a.shape[1], 0.0])
    thickness = 2 if canvas.shape[1] >= 1000 else 1
    if min(a.shape[1], b.shape[1]) > 8 * thickness:  # the border between the two images
        cv2.line(canvas, (a.shape[1], 0), (a.shape[1], h - 1), (255, 255, 255), thickness)
    for k in order:
        if correct is None:
            color = YELLOW
        else:
            color = GREEN if correct[k] else RED
        q1 = tuple(int(v) for v in np.rint(p1[m[k, 0]]))
        q2 = tuple(int(v) for v in np.rint(p2[m[k, 1]] + shift))
        cv2.line(canvas, q1, q2, color, thickness, cv2.LINE_AA)
        cv2.circle(canvas, q1, 2 + thickness, color, thickness, cv2.LINE_AA)
        cv2.circle(canvas, q2, 2 + thickness, color, thickness, cv2.LINE_AA)
    notes = []
    if len(order) < len(m):
        notes.append(f"{len(order)} of {len(m)} matches drawn, evenly spaced")
    if title is not None or legend is not None or notes:
        canvas = _with_header(canvas, title, legend, notes)
    if output is not None:
        path = check_image_path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            written = cv2.imwrite(str(path), canvas)
        except cv2.error as exc:  # OpenCV 5 raises where OpenCV 4 returned False
            raise ValueError(f"output: could not write an image to {str(path)!r}: {exc}") from None
        if not written:
            raise ValueError(f"output: could not write an image to {str(path)!r}")
    return canvas


def _with_header(
    canvas: np.ndarray, title: str | None, legend: tuple[str, str] | None, notes: list[str]
) -> np.ndarray:
    """``canvas`` below a dark band holding the title, then the legend and notes on one line."""
    width = canvas.shape[1]
    scale = float(np.clip(width / 1600, 0.35, 1.0))
    line_height = int(round(34 * scale))
    pad = int(round(12 * scale))
    rows: list[list[tuple[str, tuple[int, int, int] | None]]] = []
    if title:
        rows.append([(title, None)])
    second: list[tuple[str, tuple[int, int, int] | None]] = []
    if legend is not None:
        second += [(legend[0], GREEN), (legend[1], RED)]
    second += [(note, None) for note in notes]
    if second:
        rows.append(second)
    header = np.full((pad + line_height * len(rows), width, 3), 32, np.uint8)
    for r, items in enumerate(rows):
        baseline = pad + line_height * r + int(round(24 * scale))
        text_scale = _fitting_scale(items, scale, width - 2 * pad)
        x = pad
        for text, colour in items:
            if colour is not None:  # a short line of the colour, as drawn between matches
                sample = int(round(40 * text_scale))
                y = baseline - int(round(8 * text_scale))
                cv2.line(header, (x, y), (x + sample, y), colour, 3, cv2.LINE_AA)
                x += sample + int(round(10 * text_scale))
            cv2.putText(header, text, (x, baseline), _FONT, text_scale, (255, 255, 255),
                        1 if text_scale < 0.6 else 2, cv2.LINE_AA)
            x += cv2.getTextSize(text, _FONT, text_scale, 2)[0][0] + int(round(36 * text_scale))
    return np.vstack([header, canvas])


def _fitting_scale(items: list[tuple[str, object]], scale: float, room: int) -> float:
    """The font scale (at most ``scale``) at which a row of header items fits in ``room`` px."""
    def row_width(s: float) -> int:
        text = sum(cv2.getTextSize(t, _FONT, s, 2)[0][0] for t, _ in items)
        samples = sum(50 for _, colour in items if colour is not None)
        return int(text + s * (samples + 36 * (len(items) - 1)))

    while scale > 0.3 and row_width(scale) > room:
        scale *= 0.9
    return scale
