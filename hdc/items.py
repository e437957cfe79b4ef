"""Item memories: sets of random (ID) or correlated (level) hypervectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from hdc._validation import WORD_BITS, check_count, check_dim, check_random_state
from hdc.ops import random

__all__ = ["item_memory", "level"]


def item_memory(n: int, dim: int, random_state: Any = None) -> np.ndarray:
    """``n`` independent random hypervectors, used as symbols or feature IDs.

    Any two are nearly orthogonal: their similarity is 0.5 within a few ``1/sqrt(dim)``.

    Examples
    --------
    >>> import hdc
    >>> ids = hdc.item_memory(26, 1024, random_state=0)
    >>> ids.shape
    (26, 16)
    """
    n = check_count(n, "n", minimum=1)
    return random(n, dim, random_state)


def level(n_levels: int, dim: int, random_state: Any = None) -> np.ndarray:
    """``n_levels`` correlated hypervectors for an ordered quantity (e.g. a quantised value).

    Level 0 is random; level ``k`` differs from it in the first ``round(k * (dim / 2) /
    (n_levels - 1))`` positions of a random order of the bits, so the distance between levels
    ``i`` and ``j`` grows linearly with ``|i - j|``: neighbours are close and the two ends are
    ``dim / 2`` bits apart (orthogonal).

    Examples
    --------
    >>> import hdc
    >>> lv = hdc.level(5, 1024, random_state=0)
    >>> hdc.hamming(lv[0], lv).tolist()
    [0, 128, 256, 384, 512]
    """
    n_levels = check_count(n_levels, "n_levels", minimum=1)
    dim = check_dim(dim)
    rng = check_random_state(random_state)
    base = random(None, dim, rng)
    out = np.empty((n_levels, dim // WORD_BITS), dtype=np.uint64)
    out[0] = base
    if n_levels == 1:
        return out
    order = rng.permutation(dim)[: dim // 2]
    mask = np.zeros(dim // WORD_BITS, dtype=np.uint64)
    done = 0
    for k in range(1, n_levels):
        upto = int(round(k * (dim // 2) / (n_levels - 1)))
        pos = order[done:upto]
        np.bitwise_or.at(mask, pos >> 6, np.left_shift(np.uint64(1), (pos & 63).astype(np.uint64)))
        done = upto
        out[k] = base ^ mask
    return out
