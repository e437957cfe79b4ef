"""A small container of keypoints, convertible to and from OpenCV's ``cv2.KeyPoint``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_FIELDS = ("xy", "size", "angle", "response", "octave")


def _as_column_type(value, name: str, dtype) -> np.ndarray:
    """``value`` as an array of ``dtype``; a value out of its range is a ValueError naming
    ``name`` (not a silent wrap, an inf or numpy's OverflowError)."""
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(value).__name__}: {exc}") from None
    if arr.size and arr.dtype.kind in "iuf":
        info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else np.finfo(dtype)
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        if finite.size and (finite.min() < info.min or finite.max() > info.max):
            raise ValueError(
                f"{name} must lie in [{info.min}, {info.max}] ({np.dtype(dtype).name}), got "
                f"values in [{finite.min()}, {finite.max()}]"
            )
        if np.issubdtype(dtype, np.integer) and arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise ValueError(f"{name} must hold integers, got non-integer values")
    return np.asarray(arr, dtype=dtype)


class Keypoints:
    """Keypoints as parallel arrays.

    Coordinates follow OpenCV's pixel convention: the centre of pixel ``(row, col)`` is at
    ``(x, y) = (col, row)``.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Keypoint positions ``(x, y)`` in pixels; stored as float32.
    size : array_like, shape (n,)
        Diameter of the meaningful neighbourhood, ``2 * sigma`` in input pixels
        (OpenCV's ``KeyPoint.size``).
    angle : array_like, shape (n,), optional
        Orientation in degrees in ``[0, 360)``, measured from +x towards +y (y down), as in
        OpenCV; ``-1`` when not computed. Default: all ``-1``.
    response : array_like, shape (n,), optional
        Detector strength (absolute interpolated DoG contrast). Default: zeros.
    octave : array_like, shape (n,), optional
        Pyramid octave the keypoint was found in; ``-1`` is the 2x up-sampled base.
        Default: zeros.

    Thread-safety: a plain container; concurrent reads are safe, writes to its arrays are not
    synchronised.

    Examples
    --------
    >>> import numpy as np
    >>> from vision import Keypoints
    >>> kp = Keypoints(np.array([[10.0, 20.0], [30.5, 4.0]]), size=[3.2, 6.4])
    >>> len(kp), kp[1].xy.tolist()
    (2, [[30.5, 4.0]])
    """

    __slots__ = _FIELDS

    def __init__(self, xy, size, angle=None, response=None, octave=None):
        xy = _as_column_type(xy, "xy", np.float32)
        if xy.size == 0:
            xy = xy.reshape(0, 2)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"xy must have shape (n, 2), got {xy.shape}")
        n = xy.shape[0]

        def column(value, name, dtype, default):
            if value is None:
                return np.full(n, default, dtype=dtype)
            arr = _as_column_type(value, name, dtype).reshape(-1)
            if arr.shape[0] != n:
                raise ValueError(
                    f"{name} must have {n} entries (one per keypoint in xy), got {arr.shape[0]}"
                )
            return np.ascontiguousarray(arr)

        self.xy = np.ascontiguousarray(xy)
        self.size = column(size, "size", np.float32, 0.0)
        self.angle = column(angle, "angle", np.float32, -1.0)
        self.response = column(response, "response", np.float32, 0.0)
        self.octave = column(octave, "octave", np.int32, 0)

    @classmethod
    def empty(cls) -> Keypoints:
        """Return a container with no keypoints."""
        return cls(np.empty((0, 2), np.float32), np.empty(0, np.float32))

    def __len__(self) -> int:
        return self.xy.shape[0]

    def __getitem__(self, index) -> Keypoints:
        """Select keypoints by int, slice, integer array or boolean mask; returns Keypoints."""
        if isinstance(index, (int, np.integer)):
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"keypoint index {index} out of range for {n} keypoints")
            index = slice(index, index + 1 if index != -1 else None)
        return Keypoints(
            self.xy[index], self.size[index], self.angle[index], self.response[index],
            self.octave[index],
        )

    def __repr__(self) -> str:
        return f"Keypoints(n={len(self)})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Keypoints):
            return NotImplemented
        return all(np.array_equal(getattr(self, f), getattr(other, f)) for f in _FIELDS)

    __hash__ = None

    @classmethod
    def concatenate(cls, parts: Sequence[Keypoints]) -> Keypoints:
        """Concatenate several containers in order."""
        if len(parts) == 0:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def to_cv2(self) -> tuple:
        """Return a tuple of ``cv2.KeyPoint``.

        The octave is packed into the low byte of ``KeyPoint.octave`` as OpenCV does
        (negative octaves as two's complement), so ``from_cv2`` restores it.
        """
        import cv2

        return tuple(
            cv2.KeyPoint(
                float(x), float(y), float(s), float(a), float(r), int(o) & 0xFF
            )
            for (x, y), s, a, r, o in zip(
                self.xy.tolist(), self.size.tolist(), self.angle.tolist(),
                self.response.tolist(), self.octave.tolist(), strict=True,
            )
        )

    @classmethod
    def from_cv2(cls, keypoints) -> Keypoints:
        """Build from a sequence of ``cv2.KeyPoint`` (e.g. the output of ``cv2.SIFT.detect``).

        OpenCV's packed octave field is unpacked to the plain (signed) octave index.
        """
        keypoints = list(keypoints)
        if not keypoints:
            return cls.empty()
        xy = np.array([k.pt for k in keypoints], dtype=np.float32)
        raw = np.array([k.octave for k in keypoints], dtype=np.int64) & 0xFF
        octave = np.where(raw < 128, raw, raw - 256)
        return cls(
            xy,
            [k.size for k in keypoints],
            [k.angle for k in keypoints],
            [k.response for k in keypoints],
            octave,
        )
