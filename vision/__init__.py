"""vision: SIFT-style scale-space keypoints, descriptors, matching and evaluation.

Stands alone: nothing here imports from ``hdc`` or ``encoders``.
"""

from . import evaluate
from .evaluate import draw_matches
from .keypoints import Keypoints
from .matching import find_homography, match
from .pipeline import load_homography, match_images
from .scale_space import scale_space_blobs
from .sift import SIFT
from .synthetic import synthetic_warp

__all__ = [
    "SIFT",
    "Keypoints",
    "scale_space_blobs",
    "match",
    "find_homography",
    "evaluate",
    "draw_matches",
    "match_images",
    "load_homography",
    "synthetic_warp",
]
