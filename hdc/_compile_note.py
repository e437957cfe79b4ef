"""A one-line note when numba is about to compile kernels that are not in its cache yet.

numba compiles a kernel on its first call and caches it on disk, so only the first call after an
install is slow. Each kernel module calls :func:`note_if_cold` on import with one of its kernels:
if that kernel has no cache index yet, the ``hdkit`` logger says once per process (at INFO; the
``hdkit`` command shows it) that kernels compile once, and progress bars add it to their label.
The check is one ``os.path.exists``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

__all__ = ["NOTE", "compiling", "note_if_cold"]

NOTE = ("compiling numba kernels on first use: this happens once, they are cached on disk "
        "(`hdkit warmup` compiles them all ahead)")

_state = {"cold": False}


def compiling() -> bool:
    """True once a kernel module of this process found its cache cold."""
    return _state["cold"]


def _index_path(kernel: Any) -> str | None:
    try:
        return kernel._cache._cache_file._index_path  # numba's FunctionCache internals
    except AttributeError:  # a numba version with other internals: stay silent
        return None


def note_if_cold(*kernels: Any) -> bool:
    """Log :data:`NOTE` once per process if one of ``kernels`` has no cache entry yet.

    Examples
    --------
    >>> note_if_cold()
    False
    """
    for kernel in kernels:
        path = _index_path(kernel)
        if path is not None and not os.path.exists(path):
            _state["cold"] = True
            logger = logging.getLogger("hdkit")
            # once per process: the flag lives on the logger, which vision's copy of this check
            # (vision does not import hdc) shares
            if not getattr(logger, "hdkit_compile_noted", False):
                logger.hdkit_compile_noted = True  # type: ignore[attr-defined]
                logger.info(NOTE)
            return True
    return False
