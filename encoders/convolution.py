"""Convolution encoding: images as bits of thresholded, max-pooled random filter responses."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from encoders import _conv_kernels
from encoders._base import SHARED_RULES, BaseEncoder
from hdc._parallel import rows_per_chunk, run_rows
from hdc._parameters import Integer, Real
from hdc._validation import (
    check_random_state,
    readonly,
    validate_data,  # errors naming X / y
)

__all__ = ["ConvolutionEncoder"]

# ``fit`` sets the filter thresholds from the responses of a sample of images: at most this many
# positions per filter, and at most this many float32 responses in all (64 MB)
_THRESHOLD_POSITIONS = 200_000
_THRESHOLD_VALUES = 2**24


def _as_2d(X: Any) -> tuple[Any, tuple[int, int] | None]:
    """Flatten a stack of 2-D images ``(n, height, width)`` to rows; other input unchanged."""
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 3):
        array = np.asarray(X)
        if array.ndim == 3:
            return (array.reshape(array.shape[0], array.shape[1] * array.shape[2]),
                    (array.shape[1], array.shape[2]))
    return X, None


class ConvolutionEncoder(BaseEncoder):
    """Encode grayscale images by thresholded, max-pooled random convolution filters.

    ``n_filters_`` random zero-mean ``patch_size x patch_size`` filters slide over every valid
    position of the image; the largest response of each filter in each ``pool_size x pool_size``
    cell of positions is compared with that filter's threshold, and the comparison is one bit:
    "filter ``f`` fires somewhere in cell ``c``". Bit ``f * n_cells_ + c`` of the hypervector
    holds it (filter-major order), for as many filters as ``dim`` bits need (the last filter may
    be cut short).

    Each bit is a local, slightly shift-tolerant, non-linear feature, which is what a linear
    associative memory on top needs to separate image classes that random projections of whole
    images do not (Fashion-MNIST with :class:`hdc.HDClassifier`, both ways: docs/learning.md).
    Zero-mean filters ignore the local brightness offset; a filter's threshold is the
    ``quantile`` of its responses over the patches of randomly chosen training images (up to
    200,000 patches, and 2**24 responses over all filters), so about ``1 - quantile`` of the raw
    responses exceed it, and more of the pooled maxima do. The quantile is taken over all
    positions, background included: on images whose flat background is blank (Fashion-MNIST,
    scanned digits) background responses are zero and 0.75 works; where the background carries
    noise, choose a ``quantile`` above the share of background positions, or noise fires the bits
    (docs/learning.md shows the effect).

    The work is one compiled pass per image (responses, pooling and thresholds fused, bits
    packed directly); the only temporaries are per image.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (``dim_``).
    image_shape : (int, int) or None, default=None
        ``(height, width)`` of the images when ``X`` holds them as flattened rows. None: taken
        from a 3-D ``X`` ``(n, height, width)``, else square images (``n_features`` must then
        be a perfect square).
    patch_size : int, default=3
        Filter side, at least 2 and at most the image's smaller side.
    pool_size : int, default=2
        Side of the pooling cells (1: no pooling); the last cells of a row or column may be
        narrower when it does not divide the ``height - patch_size + 1`` positions.
    quantile : float, default=0.75
        Each filter's threshold is this quantile of its responses in ``fit``, in ``(0, 1)``.
    batch_size : int, default=1024
        Images encoded at a time.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches (needs ``tqdm``).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the filters and of the images sampled for the thresholds.

    Attributes
    ----------
    dim_ : int
    n_features_in_ : int
        Pixels per image (``height * width``).
    image_shape_ : (int, int)
    grid_shape_ : (int, int)
        Pooling cells per column and per row.
    n_cells_ : int
        ``grid_shape_[0] * grid_shape_[1]``.
    n_filters_ : int
        ``ceil(dim_ / n_cells_)``.
    filters_ : numpy.ndarray of float32, shape ``(n_filters_, patch_size, patch_size)``
    thresholds_ : numpy.ndarray of float32, shape ``(n_filters_,)``

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import ConvolutionEncoder
    >>> images = np.random.default_rng(0).random((4, 8, 8))
    >>> enc = ConvolutionEncoder(dim=200, random_state=0).fit(images)
    >>> enc.transform(images).shape, enc.grid_shape_, enc.n_filters_
    ((4, 4), (3, 3), 29)
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        image_shape: tuple[int, int] | None = None,
        patch_size: int = 3,
        pool_size: int = 2,
        quantile: float = 0.75,
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.image_shape = image_shape
        self.patch_size = patch_size
        self.pool_size = pool_size
        self.quantile = quantile
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    _parameter_rules = {
        "patch_size": Integer(2),
        "pool_size": Integer(1),
        "quantile": Real(0, 1, low_open=True, high_open=True, type_error=False),
        **SHARED_RULES,
    }

    def _resolve_image_shape(self, n_features: int, shape: tuple[int, int] | None):
        if self.image_shape is not None:
            given = self.image_shape
            if (
                not isinstance(given, (tuple, list))
                or len(given) != 2
                or not all(isinstance(s, numbers.Integral) and s > 0 for s in given)
            ):
                raise ValueError(
                    f"image_shape must be (height, width), two positive integers, got {given!r}"
                )
            given = (int(given[0]), int(given[1]))
            if shape is not None and shape != given:
                raise ValueError(f"X holds {shape} images but image_shape is {given}")
            if given[0] * given[1] != n_features:
                raise ValueError(
                    f"image_shape {given} has {given[0] * given[1]} pixels but X has "
                    f"{n_features} features per row"
                )
            return given
        if shape is not None:
            return shape
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(
                f"X has {n_features} features per row, not a square image: give "
                "image_shape=(height, width) or X of shape (n_samples, height, width)"
            )
        return side, side

    def fit(self, X: Any, y: Any = None) -> ConvolutionEncoder:
        """Draw the filters and set their thresholds from the responses on ``X``.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, height * width)`` or ``(n_samples, height,
            width)``
            Finite pixel values (any scale: the thresholds follow it).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X, shape = _as_2d(X)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True)
        self.image_shape_ = self._resolve_image_shape(X.shape[1], shape)
        height, width = self.image_shape_
        patch, pool = int(self.patch_size), int(self.pool_size)
        if patch > min(height, width):
            raise ValueError(
                f"patch_size={patch} does not fit in the {height}x{width} images of X"
            )
        self.dim_ = self._resolve_dim()
        oh, ow = height - patch + 1, width - patch + 1
        self.grid_shape_ = (-(-oh // pool), -(-ow // pool))
        self.n_cells_ = self.grid_shape_[0] * self.grid_shape_[1]
        self.n_filters_ = -(-self.dim_ // self.n_cells_)
        rng = check_random_state(self.random_state)
        weights = rng.standard_normal((patch * patch, self.n_filters_), dtype=np.float32)
        weights -= weights.mean(axis=0, dtype=np.float64).astype(np.float32)
        self._weights = weights  # (patch * patch, n_filters_): the kernel's layout
        self.filters_ = np.ascontiguousarray(weights.T.reshape(self.n_filters_, patch, patch))
        positions = oh * ow
        n_sample = max(
            1,
            min(
                X.shape[0],
                _THRESHOLD_POSITIONS // positions,
                _THRESHOLD_VALUES // (positions * self.n_filters_),
            ),
        )
        picked = np.sort(rng.choice(X.shape[0], size=n_sample, replace=False))
        images = self._images(X[picked])
        responses = np.empty((n_sample, positions, self.n_filters_), dtype=np.float32)
        images, weights = readonly(images), readonly(weights)  # as in transform: one signature
        for i in range(n_sample):
            _conv_kernels.filter_responses(images[i], weights, patch, responses[i])
        flat = responses.reshape(-1, self.n_filters_)
        self.thresholds_ = np.quantile(flat, float(self.quantile), axis=0).astype(np.float32)
        return self

    def _images(self, X: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(X.reshape(-1, *self.image_shape_), dtype=np.float32)

    def _encode_batch(self, X: np.ndarray, out: np.ndarray) -> None:
        images = self._images(X)
        patch, pool = int(self.patch_size), int(self.pool_size)
        positions = (images.shape[1] - patch + 1) * (images.shape[2] - patch + 1)
        # inputs read-only (also those of a loaded encoder): one compiled signature
        images, weights, thresholds = (readonly(a) for a in (images, self._weights,
                                                             self.thresholds_))
        run_rows(lambda s, e, dest: _conv_kernels.encode_images(
            images[s:e], weights, thresholds, patch, pool, dest),
            out, rows_per_chunk(positions * patch * patch * self.n_filters_ / 16))

    def transform(self, X: Any) -> np.ndarray:
        """Encode images into packed hypervectors.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, height * width)`` or ``(n_samples, height,
            width)``

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n_samples, dim_ // 64)``
        """
        check_is_fitted(self)
        X, shape = _as_2d(X)
        if shape is not None and shape != self.image_shape_:
            raise ValueError(f"X holds {shape} images, fitted on {self.image_shape_} images")
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True, reset=False)
        return self._transform_in_batches(X)
