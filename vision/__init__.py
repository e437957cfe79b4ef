"""vision: SIFT-style scale-space keypoints, descriptors, matching and evaluation.

Stands alone: nothing here imports from ``hdc`` or ``encoders``. Importing ``vision`` is cheap:
each public name loads its submodule (with OpenCV, scipy and numba) when it is first used
(PEP 562 module ``__getattr__``).
"""

import importlib
from typing import TYPE_CHECKING

# Public name -> the submodule that defines it (``evaluate`` is the submodule itself).
_SUBMODULE_OF = {
    "SIFT": "sift",
    "Keypoints": "keypoints",
    "scale_space_blobs": "scale_space",
    "match": "matching",
    "find_homography": "matching",
    "evaluate": "evaluate",
    "draw_matches": "evaluate",
    "match_images": "pipeline",
    "load_homography": "pipeline",
    "synthetic_warp": "synthetic",
}


def __getattr__(name: str) -> object:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{submodule}")
    value = module if name == submodule else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULE_OF))


if TYPE_CHECKING:  # what static analysers and IDEs read; at run time the names load lazily
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
