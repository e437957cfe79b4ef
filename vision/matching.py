"""Descriptor matching (brute force on BLAS) and robust homography estimation."""

from __future__ import annotations

import cv2
import numpy as np

from ._validation import check_points, check_positive

_METHODS = {"ransac": cv2.RANSAC, "lmeds": cv2.LMEDS, "magsac": cv2.USAC_MAGSAC}


def as_descriptors(desc, name: str = "descriptors") -> np.ndarray:
    """Check a descriptor matrix and return it as C-contiguous float32 ``(n, d)``.

    Raises TypeError for a non-array or non-numeric dtype and ValueError for a wrong shape
    or NaN / infinite values, naming ``name``. Shared with ``encoders.KeypointEncoder``.

    Examples
    --------
    >>> import numpy as np
    >>> from vision.matching import as_descriptors
    >>> as_descriptors(np.ones((2, 3), np.uint8)).dtype
    dtype('float32')
    """
    if not isinstance(desc, np.ndarray):
        raise TypeError(f"{name} must be a numpy array (n, d), got {type(desc).__name__}")
    if desc.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d), got {desc.shape}")
    if not (np.issubdtype(desc.dtype, np.floating) or np.issubdtype(desc.dtype, np.integer)):
        raise TypeError(f"{name} must have a numeric dtype, got {desc.dtype}")
    out = np.ascontiguousarray(desc, dtype=np.float32)
    if out.size and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return out



def nearest_two(desc1: np.ndarray, desc2: np.ndarray, chunk_size: int = 1024):
    """Squared-distance nearest and second-nearest neighbours in ``desc2`` of each ``desc1`` row.

    Also returns, for each row of ``desc2``, its nearest row of ``desc1``. Distances come from
    ``|a|^2 + |b|^2 - 2 a.b`` with one float32 matrix product per chunk of ``chunk_size`` rows;
    ties go to the lowest index.

    Returns ``(nn12, d1, d2, nn21)``: int64 ``(n1,)``, float32 ``(n1,)``, float32 ``(n1,)``
    (``inf`` when ``desc2`` has one row), int64 ``(n2,)``.
    """
    n1, n2 = desc1.shape[0], desc2.shape[0]
    sq2 = np.einsum("ij,ij->i", desc2, desc2)
    nn12 = np.empty(n1, np.int64)
    best = np.empty(n1, np.float32)
    second = np.full(n1, np.inf, np.float32)
    col_best = np.full(n2, np.inf, np.float32)
    nn21 = np.zeros(n2, np.int64)
    cols = np.arange(n2)
    for start in range(0, n1, chunk_size):
        a = desc1[start : start + chunk_size]
        rows = np.arange(a.shape[0])
        dist = a @ desc2.T
        dist *= -2.0
        dist += np.einsum("ij,ij->i", a, a)[:, None]
        dist += sq2[None, :]
        np.maximum(dist, 0.0, out=dist)
        cmin = dist.argmin(axis=0)
        cval = dist[cmin, cols]
        better = cval < col_best
        col_best[better] = cval[better]
        nn21[better] = cmin[better] + start
        j = dist.argmin(axis=1)
        nn12[start : start + len(a)] = j
        best[start : start + len(a)] = dist[rows, j]
        if n2 > 1:
            dist[rows, j] = np.inf
            second[start : start + len(a)] = dist.min(axis=1)
    return nn12, best, second, nn21


def match(
    desc1: np.ndarray,
    desc2: np.ndarray,
    ratio: float = 0.8,
    mutual: bool = True,
    *,
    chunk_size: int = 1024,
) -> np.ndarray:
    """Match descriptors by brute-force nearest neighbour with ratio and mutual checks.

    Row ``i`` of ``desc1`` is matched to its nearest row ``j`` of ``desc2`` (Euclidean) if
    ``dist(i, j) < ratio * dist(i, second nearest)`` (Lowe 2004, sec. 7.1) and, with
    ``mutual``, if ``i`` is also the nearest row of ``desc1`` to ``j``.

    Parameters
    ----------
    desc1, desc2 : ndarray, shape (n1, d) and (n2, d)
        Descriptors (any real dtype; computed in float32).
    ratio : float, default 0.8
        Ratio-test threshold in (0, 1]; 1 disables the test.
    mutual : bool, default True
        Keep only mutual nearest neighbours.
    chunk_size : int, default 1024
        Rows of ``desc1`` per matrix product (bounds memory to ``chunk_size * n2`` floats).

    Returns
    -------
    matches : ndarray, shape (m, 2), int64
        Pairs ``(i, j)`` sorted by ``i``.

    Examples
    --------
    >>> import numpy as np
    >>> from vision import match
    >>> a = np.eye(4, dtype=np.float32)
    >>> match(a, a[[2, 0, 3, 1]]).tolist()
    [[0, 1], [1, 3], [2, 0], [3, 2]]
    """
    d1 = as_descriptors(desc1, "desc1")
    d2 = as_descriptors(desc2, "desc2")
    if d1.shape[1] != d2.shape[1]:
        raise ValueError(
            f"desc1 and desc2 must have the same length, got {d1.shape[1]} and {d2.shape[1]}"
        )
    check_positive(ratio, "ratio")
    if ratio > 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio!r}")
    check_positive(chunk_size, "chunk_size", integer=True)
    if d1.shape[0] == 0 or d2.shape[0] == 0:
        return np.empty((0, 2), np.int64)
    nn12, best, second, nn21 = nearest_two(d1, d2, int(chunk_size))
    keep = best < np.float32(ratio * ratio) * second if ratio < 1 else np.ones(len(nn12), bool)
    if mutual:
        keep &= nn21[nn12] == np.arange(len(nn12))
    i = np.flatnonzero(keep)
    return np.stack([i, nn12[i]], axis=1).astype(np.int64)


def find_homography(
    xy1: np.ndarray,
    xy2: np.ndarray,
    *,
    method: str = "ransac",
    threshold: float = 3.0,
    max_iters: int = 2000,
    confidence: float = 0.995,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Robustly fit a homography mapping ``xy1`` onto ``xy2`` (OpenCV's estimators).

    Parameters
    ----------
    xy1, xy2 : ndarray, shape (n, 2)
        Corresponding points, e.g. ``kp1.xy[matches[:, 0]]`` and ``kp2.xy[matches[:, 1]]``.
    method : {"ransac", "lmeds", "magsac"}, default "ransac"
        Robust estimator (``cv2.RANSAC``, ``cv2.LMEDS``, ``cv2.USAC_MAGSAC``).
    threshold : float, default 3.0
        Maximum reprojection error in pixels for an inlier.
    max_iters : int, default 2000
        Maximum number of robust iterations.
    confidence : float, default 0.995
        Required confidence in (0, 1).

    Returns
    -------
    H : ndarray (3, 3) or None
        The homography (None when fewer than 4 points or no model was found).
    inliers : ndarray (n,), bool

    Examples
    --------
    >>> import numpy as np
    >>> from vision import find_homography
    >>> xy = np.random.default_rng(0).random((20, 2)) * 100
    >>> H, inl = find_homography(xy, xy + [5.0, -2.0])
    >>> np.round(H[:2, 2], 3).tolist(), int(inl.sum())
    ([5.0, -2.0], 20)
    """
    p1 = check_points(xy1, "xy1")
    p2 = check_points(xy2, "xy2")
    if len(p1) != len(p2):
        raise ValueError(f"xy1 and xy2 must have the same length, got {len(p1)} and {len(p2)}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    check_positive(threshold, "threshold")
    check_positive(max_iters, "max_iters", integer=True)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    inliers = np.zeros(len(p1), bool)
    if len(p1) < 4:
        return None, inliers
    H, mask = cv2.findHomography(
        p1, p2, _METHODS[method], ransacReprojThreshold=float(threshold),
        maxIters=int(max_iters), confidence=float(confidence),
    )
    if H is None or mask is None:
        return None, inliers
    return H, mask.ravel().astype(bool)
