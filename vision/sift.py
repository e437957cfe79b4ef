"""SIFT keypoints and descriptors (Lowe 2004) on numba kernels."""

from __future__ import annotations

import numpy as np

from . import _compile, _kernels
from ._validation import as_gray_float, as_mask, check_positive
from .keypoints import Keypoints
from .scale_space import Pyramid, build_pyramid, check_scale_space_params, detect_extrema

# Upper bound of the window factors (in sigmas): with sigmas below an image's size, window
# radii stay far below int64's range in the kernels.
_MAX_WINDOW_FACTOR = 1e6


def gradient_polar(
    image: np.ndarray, out: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient magnitude and angle of one Gaussian level.

    Central differences ``(I[r, c+1] - I[r, c-1], I[r+1, c] - I[r-1, c])`` (each zero on the
    one-pixel frame) in polar form, as ``cv2.cartToPolar`` computes it (to 1 ulp) but in one
    compiled pass; angles in radians in [0, 2 pi], measured from +x towards +y (y down).
    Returns float32 ``(mag, ang)`` shaped like ``image``, written into ``out`` when given
    (two C-contiguous float32 arrays of that shape).
    """
    image = np.ascontiguousarray(image, dtype=np.float32)
    if out is None:
        out = (np.empty_like(image), np.empty_like(image))
    _kernels.gradient_polar(image, out[0], out[1])
    return out


class _GradientBuffers:
    """One pair of float32 maps, sized for the largest level, reused level after level.

    Fresh 8 MB maps for every level of an up-sampled 800x640 image cost page faults (about a
    tenth of the gradient time); views into one buffer pair do not.
    """

    def __init__(self, pyr: Pyramid):
        h, w = pyr.gauss[0].shape[1:] if pyr.gauss else (0, 0)
        self._mag = np.empty(h * w, np.float32)
        self._ang = np.empty(h * w, np.float32)

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = image.shape
        out = (self._mag[: h * w].reshape(h, w), self._ang[: h * w].reshape(h, w))
        return gradient_polar(image, out)


def _by_level(index: np.ndarray, level: np.ndarray):
    """Yield ``(octave index, level, positions)`` for every pair present, in sorted order."""
    if len(index) == 0:
        return
    key = index.astype(np.int64) * 1024 + level.astype(np.int64)
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    stops = np.append(starts[1:], len(order))
    for k, start, stop in zip(keys.tolist(), starts.tolist(), stops.tolist(), strict=True):
        yield k // 1024, k % 1024, order[start:stop]


class SIFT:
    """Scale-invariant feature transform: DoG keypoints with oriented gradient descriptors.

    The parameters are stored untouched and checked when an image is processed. All
    references are to D. G. Lowe, "Distinctive image features from scale-invariant
    keypoints", IJCV 60(2), 2004.

    Parameters
    ----------
    upsample : bool, default True
        Double the input with linear interpolation before building the scale space (sec. 3.3).
        Up-sampled pixel ``u`` is mapped back to input coordinate ``u / 2 - 1/4`` (the centre
        of its area), so keypoints carry no 0.25 px bias (OpenCV maps it to ``u / 2``).
    n_octaves : int or None, default None
        Number of octaves; None uses every octave whose smaller side exceeds 12 pixels.
    n_octave_layers : int, default 3
        Scales sampled per octave, ``s`` (sec. 3.2); each octave has ``s + 3`` Gaussian levels.
    sigma : float, default 1.6
        Blur of the first level of each octave, ``sigma_0`` (sec. 3.3).
    assumed_blur : float, default 0.5
        Blur already present in the input (sec. 3.3), doubled by up-sampling.
    contrast_threshold : float, default 0.04
        Minimum ``|D(x^)| * n_octave_layers`` at the interpolated extremum (sec. 4, with
        OpenCV's scaling by the number of layers); intensities in [0, 1]. Candidates are
        pre-filtered at half this value.
    edge_threshold : float, default 16
        Maximum ratio ``r`` of the principal curvatures of the DoG (sec. 4.1). Lowe and
        OpenCV use 10; 16 keeps more slightly elongated blobs (its effect on repeatability and
        matches: docs/vision.md).
    n_bins : int, default 36
        Bins of the orientation histogram (sec. 5).
    orientation_sigma : float, default 1.5
        Sigma of the orientation window, in units of the keypoint scale (sec. 5).
    orientation_radius : float, default 3.0
        Radius of the orientation window, in units of its sigma.
    peak_ratio : float, default 0.8
        Every histogram peak at least this fraction of the maximum gives a keypoint (sec. 5);
        peaks are refined by a parabola through three bins.
    n_hist : int, default 4
        The descriptor is an ``n_hist x n_hist`` grid of histograms (sec. 6.1).
    n_ori : int, default 8
        Orientation bins of each descriptor histogram (sec. 6.1).
    descriptor_scale : float, default 3.0
        Width of one descriptor cell in units of the keypoint scale (OpenCV's 3 sigma).
    magnitude_clamp : float, default 0.2
        Entries of the unit-length descriptor are clamped at this value, then the vector is
        renormalised (sec. 6.1).
    root_sift : bool, default True
        Return RootSIFT descriptors (L1-normalise, then square root; Arandjelovic and
        Zisserman 2012): Euclidean distances between them compare SIFT histograms with the
        Hellinger kernel, which matches more accurately at no cost. False gives Lowe's
        unit-length descriptors.
    max_features : int or None, default None
        Keep only the strongest keypoints by response (None keeps all).

    Thread-safety: ``detect``, ``compute`` and ``detect_and_compute`` only read the parameters
    and may run in any number of threads at once (on the same or different images).

    Examples
    --------
    >>> import numpy as np
    >>> from vision import SIFT
    >>> rng = np.random.default_rng(0)
    >>> img = (rng.random((64, 64)) * 255).astype(np.uint8)
    >>> kp, desc = SIFT().detect_and_compute(img)
    >>> desc.shape == (len(kp), 128), desc.dtype
    (True, dtype('float32'))
    """

    def __init__(
        self,
        *,
        upsample: bool = True,
        n_octaves: int | None = None,
        n_octave_layers: int = 3,
        sigma: float = 1.6,
        assumed_blur: float = 0.5,
        contrast_threshold: float = 0.04,
        edge_threshold: float = 16.0,
        n_bins: int = 36,
        orientation_sigma: float = 1.5,
        orientation_radius: float = 3.0,
        peak_ratio: float = 0.8,
        n_hist: int = 4,
        n_ori: int = 8,
        descriptor_scale: float = 3.0,
        magnitude_clamp: float = 0.2,
        root_sift: bool = True,
        max_features: int | None = None,
    ):
        self.upsample = upsample
        self.n_octaves = n_octaves
        self.n_octave_layers = n_octave_layers
        self.sigma = sigma
        self.assumed_blur = assumed_blur
        self.contrast_threshold = contrast_threshold
        self.edge_threshold = edge_threshold
        self.n_bins = n_bins
        self.orientation_sigma = orientation_sigma
        self.orientation_radius = orientation_radius
        self.peak_ratio = peak_ratio
        self.n_hist = n_hist
        self.n_ori = n_ori
        self.descriptor_scale = descriptor_scale
        self.magnitude_clamp = magnitude_clamp
        self.root_sift = root_sift
        self.max_features = max_features

    def __repr__(self) -> str:
        return f"SIFT(n_octave_layers={self.n_octave_layers}, sigma={self.sigma}, ...)"

    @property
    def descriptor_size(self) -> int:
        """Length of a descriptor, ``n_hist * n_hist * n_ori`` (128 by default)."""
        return int(self.n_hist) ** 2 * int(self.n_ori)

    # -- validation and shared steps -------------------------------------------------------
    def _check_params(self) -> None:
        check_scale_space_params(self.sigma, self.n_octave_layers, self.contrast_threshold,
                                 self.edge_threshold, self.n_octaves, self.assumed_blur)
        check_positive(self.n_bins, "n_bins", integer=True)
        check_positive(self.orientation_sigma, "orientation_sigma")
        check_positive(self.orientation_radius, "orientation_radius")
        check_positive(self.peak_ratio, "peak_ratio")
        if self.peak_ratio > 1:
            raise ValueError(f"peak_ratio must be in (0, 1], got {self.peak_ratio!r}")
        check_positive(self.n_hist, "n_hist", integer=True)
        check_positive(self.n_ori, "n_ori", integer=True)
        check_positive(self.descriptor_scale, "descriptor_scale")
        for name in ("orientation_sigma", "orientation_radius", "descriptor_scale"):
            # window radii are rounded to int64 pixels in the kernels: keep them finite there
            if getattr(self, name) > _MAX_WINDOW_FACTOR:
                raise ValueError(
                    f"{name} must be at most {_MAX_WINDOW_FACTOR:g} (a window that wide holds "
                    f"any image whole), got {getattr(self, name)!r}"
                )
        check_positive(self.magnitude_clamp, "magnitude_clamp")
        if self.max_features is not None:
            check_positive(self.max_features, "max_features", integer=True)

    def _pyramid(self, image) -> tuple[np.ndarray, Pyramid]:
        self._check_params()
        gray = as_gray_float(image)
        pyr = build_pyramid(
            gray, sigma=float(self.sigma), n_layers=int(self.n_octave_layers),
            n_octaves=self.n_octaves, upsample=bool(self.upsample),
            assumed_blur=float(self.assumed_blur),
        )
        return gray, pyr

    def _detect(self, pyr: Pyramid, mask, describe: bool):
        """Oriented keypoints, and their descriptors when ``describe``.

        Works one Gaussian level at a time: its gradient maps are computed once, used for the
        orientations and the descriptors of the keypoints found on it, then dropped (kept
        until the end only when ``max_features`` must first select keypoints globally).
        Returns ``(keypoints, descriptors or None)``.
        """
        # on a cold numba cache, a helper process compiles the description kernels meanwhile
        _compile.start_describe_stage()
        try:
            ext = detect_extrema(pyr, contrast_threshold=float(self.contrast_threshold),
                                 edge_threshold=float(self.edge_threshold), mask=mask)
        finally:
            _compile.wait_describe_stage()
        select_first = self.max_features is not None
        src, theta, blocks, maps = [], [], [], {}
        # the maps of a level are dropped before the next level's, unless kept for later
        gradients = gradient_polar if describe and select_first else _GradientBuffers(pyr)
        for o, lev, sel in _by_level(ext.index, ext.level):
            mag, ang = gradients(pyr.gauss[o][lev])
            hist = _kernels.orientation_histograms(
                mag, ang, ext.x[sel], ext.y[sel], ext.sigma_octave[sel],
                int(self.n_bins), float(self.orientation_sigma), float(self.orientation_radius),
            )
            idx, ang_k = _kernels.orientation_peaks(hist, float(self.peak_ratio))
            k = sel[idx]
            src.append(k)
            theta.append(ang_k)
            if describe and not select_first:
                blocks.append(self._descriptors(
                    mag, ang, ext.x[k], ext.y[k], ext.sigma_octave[k], ang_k))
            elif describe:
                maps[(o, lev)] = (mag, ang)
        src = np.concatenate(src) if src else np.empty(0, np.int64)
        theta = np.concatenate(theta) if theta else np.empty(0)
        response = np.abs(ext.contrast[src])
        keep = slice(None)
        if select_first and len(src) > self.max_features:
            keep = np.sort(np.argsort(-response, kind="stable")[: int(self.max_features)])
        src, theta, response = src[keep], theta[keep], response[keep]
        keypoints = Keypoints(
            ext.xy[src], 2.0 * ext.sigma[src], np.degrees(theta) % 360.0, response,
            ext.octave[src],
        )
        if not describe:
            return keypoints, None
        if select_first:
            frame = {"index": ext.index[src], "level": ext.level[src], "x": ext.x[src],
                     "y": ext.y[src], "sigma": ext.sigma_octave[src], "theta": theta}
            return keypoints, self._describe(pyr, frame, maps)
        empty = np.empty((0, self.descriptor_size), np.float32)
        return keypoints, self._finish(np.concatenate(blocks) if blocks else empty)

    def _descriptors(self, mag, ang, x, y, sigma, theta) -> np.ndarray:
        out = np.empty((len(x), self.descriptor_size), np.float32)
        # Bounds for the kernel, which rounds positions to int64 pixel indices unchecked: a
        # window's radius is at most the level's diagonal, so a centre more than a diagonal
        # (plus two pixels) outside the map holds no pixel, and clipping it there gives the
        # same (zero) descriptor with indices that cannot overflow.
        h, w = mag.shape
        reach = float(np.hypot(h, w)) + 2.0
        x = np.clip(np.asarray(x, np.float64), -reach, w + reach)
        y = np.clip(np.asarray(y, np.float64), -reach, h + reach)
        _kernels.sift_descriptors(
            mag, ang, x, y, sigma, theta, int(self.n_hist), int(self.n_ori),
            float(self.descriptor_scale), float(self.magnitude_clamp), out,
        )
        return out

    def _finish(self, desc: np.ndarray) -> np.ndarray:
        """Apply the RootSIFT mapping in place when requested."""
        if self.root_sift and len(desc):
            desc /= np.maximum(desc.sum(axis=1, keepdims=True), np.float32(1e-12))
            np.sqrt(desc, out=desc)
        return desc

    def _frame_of(self, keypoints: Keypoints, pyr: Pyramid) -> dict:
        """Octave-frame geometry of arbitrary keypoints, from their octave, xy, size, angle."""
        n_oct = len(pyr.gauss)
        s = pyr.n_layers
        sigma_img = keypoints.size.astype(np.float64) / 2.0
        octave = keypoints.octave.astype(np.int64)
        lo, hi = pyr.first_octave, pyr.first_octave + n_oct - 1
        bad = (octave < lo) | (octave > hi)
        if np.any(bad):  # octave unknown to this pyramid: choose it from the scale
            t = np.log2(np.maximum(sigma_img[bad], 1e-6) / pyr.sigma) * s
            octave[bad] = np.clip(np.floor((t - 0.5) / s), lo, hi).astype(np.int64)
        scale = 2.0 ** octave.astype(np.float64)
        h, w = pyr.gauss[0].shape[1:]
        sigma_oct = np.minimum(sigma_img / scale, float(max(h, w)))  # bounded window
        level = np.rint(np.log2(np.maximum(sigma_oct, 1e-6) / pyr.sigma) * s)
        level = np.clip(level, 0, s + 2).astype(np.int32)
        angle = keypoints.angle.astype(np.float64)
        theta = np.radians(np.where(angle < 0, 0.0, angle)) % (2.0 * np.pi)
        return {
            "index": (octave - pyr.first_octave).astype(np.int32), "level": level,
            "x": (keypoints.xy[:, 0] - pyr.offset) / scale,
            "y": (keypoints.xy[:, 1] - pyr.offset) / scale,
            "sigma": sigma_oct, "theta": theta,
        }

    def _describe(self, pyr: Pyramid, frame: dict, maps: dict | None = None) -> np.ndarray:
        """Descriptors of keypoints given in octave frames, one Gaussian level at a time."""
        out = np.zeros((len(frame["x"]), self.descriptor_size), np.float32)
        maps = {} if maps is None else maps
        gradients = _GradientBuffers(pyr)
        for o, lev, sel in _by_level(frame["index"], frame["level"]):
            mag, ang = maps.pop((o, lev), None) or gradients(pyr.gauss[o][lev])
            out[sel] = self._descriptors(mag, ang, frame["x"][sel], frame["y"][sel],
                                         frame["sigma"][sel], frame["theta"][sel])
        return self._finish(out)

    # -- public API ------------------------------------------------------------------------
    def detect(self, image: np.ndarray, mask: np.ndarray | None = None) -> Keypoints:
        """Detect oriented keypoints.

        Parameters
        ----------
        image : ndarray
            Grayscale ``(H, W)`` or BGR ``(H, W, 3)``, uint8/uint16 or float in [0, 1],
            at least 16x16.
        mask : ndarray, optional
            Same shape as the image; keypoints are kept where it is non-zero.

        Returns
        -------
        Keypoints
            One entry per (position, orientation); empty for a constant image.

        Examples
        --------
        >>> import numpy as np
        >>> from vision import SIFT
        >>> len(SIFT().detect(np.zeros((32, 32), np.uint8)))
        0
        """
        gray, pyr = self._pyramid(image)
        return self._detect(pyr, as_mask(mask, gray.shape), describe=False)[0]

    def compute(self, image: np.ndarray, keypoints: Keypoints) -> np.ndarray:
        """Describe given keypoints (e.g. from ``detect`` or ``Keypoints.from_cv2``).

        The scale-space level is chosen from each keypoint's ``octave`` and ``size`` (or from
        ``size`` alone when the octave is outside this image's pyramid); a negative ``angle``
        means an upright (0 degree) descriptor. A keypoint whose window holds no pixel
        (outside the image, or smaller than a pixel) gets a zero descriptor.

        Parameters
        ----------
        image : ndarray
            The image the keypoints belong to (same rules as ``detect``).
        keypoints : Keypoints
            Keypoints to describe.

        Returns
        -------
        descriptors : ndarray, shape (len(keypoints), n_hist**2 * n_ori), float32
            Unit-length rows, in the order of ``keypoints``.

        Examples
        --------
        >>> import numpy as np
        >>> from vision import SIFT, Keypoints
        >>> rng = np.random.default_rng(1)
        >>> img = (rng.random((48, 48)) * 255).astype(np.uint8)
        >>> SIFT().compute(img, Keypoints([[24.0, 24.0]], size=[8.0])).shape
        (1, 128)
        """
        if not isinstance(keypoints, Keypoints):
            raise TypeError(
                f"keypoints must be a vision.Keypoints (use Keypoints.from_cv2 for OpenCV "
                f"keypoints), got {type(keypoints).__name__}"
            )
        if len(keypoints) and not np.all(np.isfinite(keypoints.xy)):
            raise ValueError("keypoints.xy contains NaN or infinite coordinates")
        if len(keypoints) and not np.all(keypoints.size > 0):
            raise ValueError("keypoints.size must be > 0 for every keypoint")
        _, pyr = self._pyramid(image)
        return self._describe(pyr, self._frame_of(keypoints, pyr))

    def detect_and_compute(
        self, image: np.ndarray, mask: np.ndarray | None = None
    ) -> tuple[Keypoints, np.ndarray]:
        """Detect keypoints and describe them, sharing one scale space.

        Parameters
        ----------
        image : ndarray
            Grayscale ``(H, W)`` or BGR ``(H, W, 3)``, uint8/uint16 or float in [0, 1],
            at least 16x16.
        mask : ndarray, optional
            Same shape as the image; keypoints are kept where it is non-zero.

        Returns
        -------
        keypoints : Keypoints
        descriptors : ndarray, shape (len(keypoints), 128), float32

        Examples
        --------
        >>> import numpy as np
        >>> from vision import SIFT
        >>> yy, xx = np.mgrid[:64, :64]
        >>> img = np.exp(-((xx - 32) ** 2 + (yy - 32) ** 2) / 50.0)
        >>> kp, desc = SIFT().detect_and_compute(img)
        >>> len(kp) > 0, desc.shape[1]
        (True, 128)
        """
        gray, pyr = self._pyramid(image)
        return self._detect(pyr, as_mask(mask, gray.shape), describe=True)

