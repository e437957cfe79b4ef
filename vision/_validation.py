"""Input checks shared by the public functions of the vision package."""

from __future__ import annotations

import numbers

import numpy as np

MIN_SIDE = 16
# Float images are expected in [0, 1]; interpolation overshoot up to this margin is tolerated.
FLOAT_MARGIN = 0.5

_BGR_WEIGHTS = np.array([0.114, 0.587, 0.299])  # ITU-R BT.601, as cv2.COLOR_BGR2GRAY


def native_order(array: np.ndarray) -> np.ndarray:
    """``array`` with the same values in native byte order (``>u2`` becomes ``uint16``)."""
    if array.dtype.isnative:
        return array
    return array.astype(array.dtype.newbyteorder("="))


def as_gray_float(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as a C-contiguous float32 grayscale array scaled to [0, 1].

    Accepts 2-D grayscale or 3-D BGR / BGRA (last axis 3 or 4) arrays of dtype uint8,
    uint16 or float; uint8 is divided by 255 and uint16 by 65535, floats must already be
    scaled to [0, 1]. Raises TypeError / ValueError naming ``name`` otherwise.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy array (grayscale HxW or BGR HxWx3), "
            f"got {type(image).__name__}"
        )
    image = native_order(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(
            f"{name} must have shape (H, W) or (H, W, 3|4) (BGR/BGRA), got shape {image.shape}"
        )
    h, w = image.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        raise ValueError(
            f"{name} must be at least {MIN_SIDE}x{MIN_SIDE} pixels, got {h}x{w}"
        )
    kind = image.dtype
    if kind == np.uint8:
        scale = 1.0 / 255.0
    elif kind == np.uint16:
        scale = 1.0 / 65535.0
    elif np.issubdtype(kind, np.floating):
        scale = None
    else:
        raise TypeError(
            f"{name} must have dtype uint8, uint16 or float, got {kind}"
        )
    if image.ndim == 3:
        channels = image[:, :, :3].astype(np.float64 if kind == np.float64 else np.float32)
        gray = channels @ _BGR_WEIGHTS.astype(channels.dtype)
    else:
        gray = image
    gray = np.ascontiguousarray(gray, dtype=np.float32)
    if scale is not None:
        gray *= np.float32(scale)
        return gray
    lo, hi = float(gray.min()), float(gray.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or infinite values; all pixels must be finite")
    if lo < -FLOAT_MARGIN or hi > 1.0 + FLOAT_MARGIN:
        raise ValueError(
            f"float {name} must be scaled to [0, 1], got values in [{lo:g}, {hi:g}]; "
            "pass uint8 or divide by the maximum (e.g. image / 255)"
        )
    return gray


def as_mask(mask, shape: tuple[int, int], name: str = "mask") -> np.ndarray | None:
    """Return ``mask`` as a boolean array of ``shape`` (None stays None)."""
    if mask is None:
        return None
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or None, got {type(mask).__name__}")
    if mask.shape != tuple(shape):
        raise ValueError(
            f"{name} must have the image's shape {tuple(shape)}, got {mask.shape}"
        )
    return mask != 0


def check_positive(value, name: str, *, integer: bool = False, allow_zero: bool = False):
    """Check that ``value`` is a (positive) real or integer number and return it."""
    kinds = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kinds):
        what = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return value


def check_homography(H, name: str = "H") -> np.ndarray:
    """Return ``H`` as a finite, invertible 3x3 float64 array."""
    try:
        arr = np.asarray(H, dtype=np.float64) if H is not None else None
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 3x3 numeric homography matrix: {exc}") from None
    if arr is None or arr.shape != (3, 3):
        shape = None if arr is None else arr.shape
        raise ValueError(f"{name} must be a 3x3 homography matrix, got shape {shape}")
    if not np.all(np.isfinite(arr)) or abs(np.linalg.det(arr)) < 1e-12:
        raise ValueError(f"{name} must be finite and invertible, got {arr.tolist()}")
    return arr


def check_points(xy, name: str) -> np.ndarray:
    """Return ``xy`` as an (n, 2) float64 array of finite coordinates."""
    try:
        arr = np.asarray(xy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an (n, 2) numeric array of points: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) of (x, y) points, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite coordinates")
    return arr


def check_matches(matches, n1: int, n2: int, name: str = "matches") -> np.ndarray:
    """Return ``matches`` as an (m, 2) int64 array of valid index pairs."""
    arr = np.asarray(matches)
    if arr.size == 0:
        return np.empty((0, 2), np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must be an (m, 2) integer array of index pairs, "
            f"got shape {arr.shape} dtype {arr.dtype}"
        )
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr[:, 0].max() >= n1 or arr[:, 1].max() >= n2:
        raise ValueError(
            f"{name} indices out of range: column 0 must be in [0, {n1}), "
            f"column 1 in [0, {n2})"
        )
    return arr




def check_image_path(output, name: str = "output"):
    """Return ``output`` as a Path after checking OpenCV can write an image of its extension."""
    from pathlib import Path

    import cv2

    if not isinstance(output, (str, Path)):
        raise TypeError(f"{name} must be a path (str or Path), got {type(output).__name__}")
    path = Path(output)
    try:
        writable = bool(cv2.haveImageWriter(str(path)))
    except cv2.error:
        writable = False
    if not writable:
        raise ValueError(
            f"{name}: OpenCV cannot write an image with the extension {path.suffix!r} "
            f"({str(path)!r}); use e.g. .png or .jpg"
        )
    return path
