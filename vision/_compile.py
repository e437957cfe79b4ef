"""The first SIFT call on a cold numba cache compiles its kernels on both cores.

numba compiles a kernel on its first call and caches it on disk. SIFT's kernels fall into two
stages of about equal compile time: detection (``find_extrema``, ``refine_extrema``) and
description (``gradient_polar``, the orientation kernels, ``sift_descriptors``). When the
description kernels have no cache entry yet, :func:`start_describe_stage` starts one helper
process that compiles them into the cache (calling them on tiny arrays of exactly the types the
pipeline passes), while this process compiles the detection kernels by running them;
:func:`wait_describe_stage` then waits for the helper, and the description kernels load from
the cache instead of compiling. The cold check is one ``os.path.exists``; on a warm cache
nothing starts. ``HDKIT_BACKGROUND_COMPILE=0`` turns the helper off (this process then compiles
everything itself). The ``hdkit`` logger notes once, at INFO, that kernels compile once.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["NOTE", "compile_describe_stage", "start_describe_stage", "wait_describe_stage"]

NOTE = ("compiling numba kernels on first use: this happens once, they are cached on disk "
        "(`hdkit warmup` compiles them all ahead)")

#: Longest wait for the helper (seconds); past it this process compiles what is left itself.
WAIT_LIMIT = 300.0

_state: dict[str, Any] = {"helper": None}
_start_lock = threading.Lock()  # one helper, even when threads call SIFT at once


def is_cold(kernel: Any) -> bool:
    """True when numba's cache holds no entry for ``kernel`` yet (False if unknown)."""
    try:
        path = kernel._cache._cache_file._index_path  # numba's FunctionCache internals
    except AttributeError:  # a numba version with other internals: assume warm
        return False
    return not os.path.exists(path)


def note_if_cold(kernel: Any) -> bool:
    """Log the compile note once per process (``hdkit`` logger, INFO) if ``kernel`` is cold;
    the same note as ``hdc._compile_note``, which vision does not import."""
    cold = is_cold(kernel)
    logger = logging.getLogger("hdkit")
    # once per process: the flag lives on the logger, shared with hdc's copy of this check
    if cold and not getattr(logger, "hdkit_compile_noted", False):
        logger.hdkit_compile_noted = True  # type: ignore[attr-defined]
        logger.info(NOTE)
    return cold


def compile_describe_stage() -> None:
    """Compile the description kernels by calling them on tiny arrays of the pipeline's types.

    ``vision.SIFT`` passes C-contiguous float32 gradient maps, float64 keypoint arrays,
    Python ints and floats: exactly what is passed here (tests check that the pipeline then
    finds one signature per kernel).
    """
    import numpy as np

    from . import _kernels

    image = np.linspace(0.0, 1.0, 24 * 24, dtype=np.float32).reshape(24, 24)
    mag = np.empty_like(image)
    ang = np.empty_like(image)
    _kernels.gradient_polar(image, mag, ang)
    xs = np.array([12.0])
    hist = _kernels.orientation_histograms(mag, ang, xs, xs.copy(), np.array([1.6]), 36, 1.5,
                                           3.0)
    _kernels.orientation_peaks(hist, 0.8)
    out = np.empty((1, 128), np.float32)
    _kernels.sift_descriptors(mag, ang, xs, xs.copy(), np.array([1.6]), np.array([0.5]), 4, 8,
                              3.0, 0.2, out)


def start_describe_stage() -> subprocess.Popen | None:
    """Start the helper that compiles the description kernels, if they are cold (else None)."""
    with _start_lock:
        return _start_helper()


def _start_helper() -> subprocess.Popen | None:
    from . import _kernels

    if _state["helper"] is not None or not note_if_cold(_kernels.sift_descriptors):
        return None
    if os.environ.get("HDKIT_BACKGROUND_COMPILE", "1") == "0":
        return None
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, HDKIT_BACKGROUND_COMPILE="0")
    # the helper imports this copy of vision: numba keys the cache by the source path
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    code = "from vision._compile import compile_describe_stage; compile_describe_stage()"
    if not sys.executable:  # no interpreter to start (embedded Python): compile here
        return None
    try:
        helper = subprocess.Popen([sys.executable, "-c", code], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    _state["helper"] = helper
    return helper


def wait_describe_stage() -> None:
    """Wait (at most :data:`WAIT_LIMIT` seconds) for a helper this process started."""
    helper = _state["helper"]
    if helper is None:
        return
    deadline = time.monotonic() + WAIT_LIMIT
    while helper.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if helper.poll() is None:  # hung: stop it; this process compiles what is left
        helper.terminate()
        helper.wait()
    _state["helper"] = None
