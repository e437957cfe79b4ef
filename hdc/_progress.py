"""Optional tqdm progress bars, shared by the learners and the encoders (tqdm imported lazily)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def progress(
    iterable: Iterable, total: int, desc: str, enabled: Any, unit: str = "batch"
) -> Iterable:
    """Wrap ``iterable`` in a tqdm progress bar when ``enabled``, else return it unchanged.

    ``unit`` names one step of ``iterable`` on the bar (``"batch"``, ``"epoch"``...).

    Examples
    --------
    >>> list(progress(range(3), total=3, desc="steps", enabled=False))
    [0, 1, 2]
    """
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "verbose=True needs the optional dependency tqdm: pip install tqdm"
        ) from exc
    from hdc._compile_note import compiling

    if compiling():  # the first batch waits for numba: say why, and that it happens once
        desc = f"{desc} (first run: compiling kernels once)"
    return tqdm(iterable, total=total, desc=desc, unit=unit)
