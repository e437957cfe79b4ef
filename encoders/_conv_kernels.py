"""Compiled kernel of :class:`encoders.ConvolutionEncoder` (numba).

One pass per image fuses the three steps: random filters slid over the image (valid positions),
the maximum response of every filter in every pooling cell, and the comparison of that maximum
with the filter's threshold, written straight into packed words. No response map and no
byte-per-bit array is ever stored.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(images at least one patch wide and high, output words for every filter-cell bit).

The kernel is serial; :class:`encoders.ConvolutionEncoder` runs it over chunks of images on the
load-tolerant workers of :mod:`hdc._parallel` (images are independent: the same bits however
they are split).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def filter_responses(image, filters, patch, out):
    """out[y * ow + x, f] = response of filter f at valid position (y, x) of one image.

    image (H, W) float32; filters (patch * patch, F) float32, row ``dy * patch + dx``;
    out (oh * ow, F) float32 with ``oh = H - patch + 1``, ``ow = W - patch + 1``.
    """
    height, width = image.shape
    n_filters = filters.shape[1]
    oh = height - patch + 1
    ow = width - patch + 1
    for y in range(oh):
        for x in range(ow):
            row = out[y * ow + x]
            for f in range(n_filters):
                row[f] = 0.0
            for dy in range(patch):
                for dx in range(patch):
                    v = image[y + dy, x + dx]
                    if v != 0.0:  # blank background costs nothing (exact: adds zeros)
                        weights = filters[dy * patch + dx]
                        for f in range(n_filters):
                            row[f] += v * weights[f]


@njit(cache=True, nogil=True)
def encode_images(images, filters, thresholds, patch, pool, out):
    """Pack ``max over pooling cell of filter response > threshold`` bits of every image.

    images (n, H, W) float32; filters (patch * patch, F); thresholds (F,); out (n, n_words)
    uint64. Responses at the ``oh x ow`` valid positions are max-pooled over ``pool x pool``
    cells (``ceil(oh / pool) x ceil(ow / pool)`` cells, the last row / column of cells may be
    narrower). Bit ``j = f * n_cells + cell`` (filter-major); bits ``j >= F * n_cells`` are 0.
    """
    n, height, width = images.shape
    n_filters = filters.shape[1]
    n_words = out.shape[1]
    oh = height - patch + 1
    ow = width - patch + 1
    ch = (oh + pool - 1) // pool
    cw = (ow + pool - 1) // pool
    n_cells = ch * cw
    n_bits = n_filters * n_cells
    responses = np.empty((oh * ow, n_filters), dtype=np.float32)
    best = np.empty((n_cells, n_filters), dtype=np.float32)
    for i in range(n):
        filter_responses(images[i], filters, patch, responses)
        best[:] = -np.inf
        for y in range(oh):
            cy = (y // pool) * cw
            for x in range(ow):
                cell = best[cy + x // pool]
                row = responses[y * ow + x]
                for f in range(n_filters):
                    if row[f] > cell[f]:
                        cell[f] = row[f]
        for w in range(n_words):
            word = np.uint64(0)
            for b in range(64):
                j = 64 * w + b
                if j < n_bits:
                    f = j // n_cells
                    if best[j - f * n_cells, f] > thresholds[f]:
                        word |= np.uint64(1) << np.uint64(b)
            out[i, w] = word
