"""Item memories: sets of random (ID) or correlated (level) hypervectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from hdc._validation import WORD_BITS, check_count, check_dim, check_memory, check_random_state
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
    check_memory({"level hypervectors": n_levels * dim / 8},
                 f"level(n_levels={n_levels}, dim={dim})", "use fewer levels or a smaller dim")
    rng = check_random_state(random_state)
    base = random(None, dim, rng)
    if n_levels == 1:
        return base[None, :].copy()
    order = rng.permutation(dim)[: dim // 2]
    # bit order[i] flips at the first level k whose prefix round(k * (dim/2) / (n_levels - 1))
    # covers i; each level is the previous one XOR the bits it adds (no loop over levels)
    k = np.arange(n_levels, dtype=np.float64)
    upto = np.rint(k * (dim // 2) / (n_levels - 1)).astype(np.int64)
    flips_at = np.searchsorted(upto, np.arange(order.size), side="right")
    delta = np.zeros((n_levels, dim // WORD_BITS), dtype=np.uint64)
    delta[0] = base
    np.bitwise_or.at(delta, (flips_at, order >> 6),
                     np.left_shift(np.uint64(1), (order & 63).astype(np.uint64)))
    return np.bitwise_xor.accumulate(delta, axis=0)
