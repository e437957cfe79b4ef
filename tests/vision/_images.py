"""Synthetic images shared by the vision tests (imported by the test modules)."""

from __future__ import annotations

import cv2
import numpy as np


def gaussian_blob(shape, x0, y0, sigma, amplitude=1.0, background=0.0):
    """Float image in [0, 1] with one Gaussian blob of std ``sigma`` centred at (x0, y0)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    g = np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2.0 * sigma**2))
    return background + amplitude * g


def texture(shape=(96, 96), seed=0, blur=1.5):
    """Smooth random uint8 texture with plenty of blobs at several scales."""
    rng = np.random.default_rng(seed)
    img = rng.random(shape).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    img = (img - img.min()) / (img.max() - img.min())
    return (img * 255).round().astype(np.uint8)


