"""Gaussian / difference-of-Gaussian scale space and its refined extrema (Lowe 2004, sec. 3-4)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from . import _kernels
from ._validation import as_gray_float, as_mask, check_positive

BORDER = 5  # pixels ignored at each octave's edge (as OpenCV's SIFT_IMG_BORDER)
MAX_INTERP_STEPS = 5


@dataclass
class Pyramid:
    """Gaussian pyramid of one image.

    ``gauss[o]`` is a float32 stack ``(n_layers + 3, h_o, w_o)``; its difference of Gaussians
    ``gauss[o][l + 1] - gauss[o][l]`` is evaluated on the fly by the kernels. Entry ``o`` is
    octave ``o + first_octave`` of the image (``first_octave`` is -1 when the base is
    up-sampled): its pixel ``(row, col)`` is at input coordinates
    ``(col, row) * 2 ** (o + first_octave) + offset``.
    """

    gauss: list
    first_octave: int
    sigma: float
    n_layers: int
    offset: float = 0.0


def _upsample(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """2x linear up-sampling with centred pixel grids, and the coordinate offset it implies.

    ``cv2.resize`` aligns pixel areas: up-sampled pixel ``u`` sits at input coordinate
    ``(u + 1/2) / 2 - 1/2 = u / 2 - 1/4``. OpenCV's SIFT reports ``u / 2``, shifting every
    keypoint by +0.25 px; we return the offset -0.25 and apply it, so coordinates are exact.
    """
    h, w = gray.shape
    return cv2.resize(gray, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR), -0.25


def _n_octaves(h: int, w: int, requested: int | None) -> int:
    """Octaves whose smaller side still leaves room for 3x3 extrema inside the border."""
    n = 0
    while min(h, w) >= 2 * BORDER + 3 and (requested is None or n < requested):
        n += 1
        h, w = (h + 1) // 2, (w + 1) // 2
    return n


def build_pyramid(
    gray: np.ndarray,
    *,
    sigma: float = 1.6,
    n_layers: int = 3,
    n_octaves: int | None = None,
    upsample: bool = True,
    assumed_blur: float = 0.5,
) -> Pyramid:
    """Build the Gaussian pyramid of a float32 grayscale image in [0, 1] (DoG: on the fly).

    The base is the image (or its 2x linear up-sampling, see ``_upsample``, which doubles
    ``assumed_blur``) blurred to ``sigma``; each octave has ``n_layers + 3`` levels
    of blur ``sigma * 2 ** (i / n_layers)``, computed incrementally with separable Gaussian
    filters (OpenCV's ``GaussianBlur``); the next octave starts from level ``n_layers``
    decimated by two.
    """
    base, offset = _upsample(gray) if upsample else (np.ascontiguousarray(gray, np.float32), 0.0)
    blur = 2.0 * assumed_blur if upsample else assumed_blur
    first_sigma = math.sqrt(max(sigma * sigma - blur * blur, 0.01))
    n_levels = n_layers + 3
    k = 2.0 ** (1.0 / n_layers)
    increments = [0.0]
    for i in range(1, n_levels):
        prev = sigma * k ** (i - 1)
        increments.append(math.sqrt((prev * k) ** 2 - prev**2))
    gauss = []
    current = base
    for o in range(_n_octaves(*base.shape, n_octaves)):
        h, w = current.shape
        stack = np.empty((n_levels, h, w), np.float32)
        if o == 0:
            cv2.GaussianBlur(current, (0, 0), first_sigma, dst=stack[0], sigmaY=first_sigma,
                             borderType=cv2.BORDER_REFLECT_101)
        else:
            stack[0] = current
        for i in range(1, n_levels):
            s = increments[i]
            cv2.GaussianBlur(stack[i - 1], (0, 0), s, dst=stack[i], sigmaY=s,
                             borderType=cv2.BORDER_REFLECT_101)
        gauss.append(stack)
        current = np.ascontiguousarray(stack[n_layers, ::2, ::2])
    return Pyramid(gauss, -1 if upsample else 0, float(sigma), int(n_layers), offset)


@dataclass
class Extrema:
    """Refined DoG extrema, one entry per blob, as parallel arrays.

    ``octave`` is the image octave (``-1`` = up-sampled base), ``index`` the position in
    ``Pyramid.gauss``; ``level``/``row``/``col`` the integer DoG sample; ``x``, ``y``,
    ``sigma_octave`` the refined position and blur in octave pixels; ``xy``, ``sigma`` the
    same in input pixels; ``contrast`` the interpolated (signed) DoG value.
    """

    index: np.ndarray
    octave: np.ndarray
    level: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sigma_octave: np.ndarray
    xy: np.ndarray
    sigma: np.ndarray
    contrast: np.ndarray

    def select(self, keep) -> Extrema:
        return Extrema(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


def detect_extrema(
    pyr: Pyramid,
    *,
    contrast_threshold: float = 0.04,
    edge_threshold: float = 10.0,
    mask: np.ndarray | None = None,
) -> Extrema:
    """Find, refine and filter the 3x3x3 extrema of every DoG octave of ``pyr``."""
    s = pyr.n_layers
    prefilter = 0.5 * contrast_threshold / s
    parts = []
    for o, stack in enumerate(pyr.gauss):
        cands = _kernels.find_extrema(stack, prefilter, BORDER)
        ints, floats = _kernels.refine_extrema(
            stack, cands, s, contrast_threshold, edge_threshold, BORDER, MAX_INTERP_STEPS
        )
        if len(ints) == 0:
            continue
        # plateaus can make several candidates converge to one sample: keep the first
        _, first = np.unique(ints, axis=0, return_index=True)
        first.sort()
        ints, floats = ints[first], floats[first]
        octave = o + pyr.first_octave
        scale = 2.0**octave
        x = ints[:, 2] + floats[:, 0]
        y = ints[:, 1] + floats[:, 1]
        sigma_oct = pyr.sigma * 2.0 ** ((ints[:, 0] + floats[:, 2]) / s)
        parts.append((
            np.full(len(ints), o, np.int32), np.full(len(ints), octave, np.int32),
            ints[:, 0].astype(np.int32), x, y, sigma_oct,
            np.stack([x * scale + pyr.offset, y * scale + pyr.offset], axis=1),
            sigma_oct * scale, floats[:, 3],
        ))
    if not parts:
        empty_i = np.empty(0, np.int32)
        empty_f = np.empty(0, np.float64)
        ext = Extrema(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f,
                      np.empty((0, 2)), empty_f, empty_f)
    else:
        ext = Extrema(*(np.concatenate(col) for col in zip(*parts, strict=True)))
    if mask is not None and len(ext.xy):
        h, w = mask.shape
        cols = np.clip(np.rint(ext.xy[:, 0]).astype(np.int64), 0, w - 1)
        rows = np.clip(np.rint(ext.xy[:, 1]).astype(np.int64), 0, h - 1)
        ext = ext.select(mask[rows, cols])
    return ext


def check_scale_space_params(sigma, n_octave_layers, contrast_threshold, edge_threshold,
                             n_octaves=None, assumed_blur=0.5) -> None:
    """Validate the parameters shared by ``scale_space_blobs`` and ``SIFT``."""
    check_positive(sigma, "sigma")
    check_positive(n_octave_layers, "n_octave_layers", integer=True)
    check_positive(contrast_threshold, "contrast_threshold", allow_zero=True)
    check_positive(edge_threshold, "edge_threshold")
    check_positive(assumed_blur, "assumed_blur", allow_zero=True)
    if n_octaves is not None:
        check_positive(n_octaves, "n_octaves", integer=True)


def scale_space_blobs(
    image: np.ndarray,
    *,
    sigma: float = 1.6,
    n_octave_layers: int = 3,
    contrast_threshold: float = 0.04,
    edge_threshold: float = 10.0,
    upsample: bool = True,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Detect blobs as refined extrema of the difference-of-Gaussian scale space.

    This is the detector half of SIFT (Lowe 2004, sec. 3-4) without orientations or
    descriptors: 3x3x3 extrema across space and scale, quadratic sub-pixel / sub-scale
    refinement, contrast threshold and edge rejection.

    Parameters
    ----------
    image : ndarray
        Grayscale ``(H, W)`` or BGR ``(H, W, 3)`` image, uint8/uint16 or float in [0, 1],
        at least 16x16.
    sigma : float, default 1.6
        Blur of the first level of each octave (Lowe's sigma_0, sec. 3.3).
    n_octave_layers : int, default 3
        Scales sampled per octave, ``s`` in Lowe sec. 3.2 (``s + 3`` Gaussian levels).
    contrast_threshold : float, default 0.04
        Minimum ``|D(x^)| * n_octave_layers`` at the interpolated extremum (sec. 4, with
        OpenCV's scaling by the number of layers); intensities are in [0, 1].
    edge_threshold : float, default 10
        Maximum ratio ``r`` of principal curvatures (sec. 4.1).
    upsample : bool, default True
        Double the image first (sec. 3.3), which quadruples the number of blobs found.
    mask : ndarray, optional
        Keep only blobs whose rounded position falls on a non-zero mask pixel.

    Returns
    -------
    blobs : ndarray, shape (n, 4), float32
        Columns ``x, y, sigma, response``: position in input pixels (pixel centres at
        integers); blob scale in input pixels, the geometric mean of the two blurs of the
        DoG level (``sigma_0 2^((level + 1/2) / s)``, about the standard deviation of a
        Gaussian blob, radius ~ ``sigma * sqrt(2)``); and the signed interpolated DoG value
        (negative for bright blobs on a dark background).
        A constant image gives an empty array.

    Examples
    --------
    >>> import numpy as np
    >>> from vision import scale_space_blobs
    >>> yy, xx = np.mgrid[:64, :64]
    >>> img = np.exp(-((xx - 30) ** 2 + (yy - 20) ** 2) / (2 * 4.0**2))
    >>> blobs = scale_space_blobs(img)
    >>> x, y, s, r = blobs[np.argmax(np.abs(blobs[:, 3]))]
    >>> round(float(x)), round(float(y)), bool(r < 0)
    (30, 20, True)
    """
    check_scale_space_params(sigma, n_octave_layers, contrast_threshold, edge_threshold)
    gray = as_gray_float(image)
    mask = as_mask(mask, gray.shape)
    pyr = build_pyramid(gray, sigma=sigma, n_layers=n_octave_layers, upsample=bool(upsample))
    ext = detect_extrema(pyr, contrast_threshold=contrast_threshold,
                         edge_threshold=edge_threshold, mask=mask)
    out = np.empty((len(ext.sigma), 4), np.float32)
    out[:, :2] = ext.xy
    # the DoG between blurs sigma and k * sigma peaks for a blob between the two: report the
    # geometric mean, which matches the standard deviation of a Gaussian blob to about 1%
    out[:, 2] = ext.sigma * 2.0 ** (0.5 / n_octave_layers)
    out[:, 3] = ext.contrast
    return out
