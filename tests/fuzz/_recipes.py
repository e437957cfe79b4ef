"""Fuzz inputs as recipes: a clean array plus the dtype, byte order and layout to give it.

A recipe travels to the worker process (pickle keeps values and dtypes but not layouts), which
builds the fuzzed array from it and, as the oracle's reference, a clean C-contiguous copy in
native byte order with the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

LAYOUTS = ("C", "F", "strided", "reversed", "readonly")


@dataclass(frozen=True)
class Recipe:
    """``values`` (C-contiguous, native) given ``dtype`` (any byte order) and ``layout``."""

    values: Any  # numpy array, or a non-array value passed as it is
    dtype: str | None = None
    layout: str = "C"

    def describe(self) -> str:
        if not isinstance(self.values, np.ndarray):
            return f"{type(self.values).__name__} {self.values!r}"[:200]
        flat = self.values.reshape(-1)
        sample = np.array2string(flat[:6], threshold=6, max_line_width=200)
        return f"array(shape={self.values.shape}, dtype={self.dtype}, layout={self.layout}, " \
               f"values={sample}{' ...' if flat.size > 6 else ''})"


def build(recipe: Recipe) -> Any:
    """The fuzzed input: values with the recipe's dtype (byte order) and memory layout."""
    x = recipe.values
    if not isinstance(x, np.ndarray):
        return x
    if recipe.dtype is not None:
        x = x.astype(np.dtype(recipe.dtype))
    if recipe.layout == "F":
        x = np.asfortranarray(x)
    elif recipe.layout == "strided" and x.ndim and x.shape[0]:
        big = np.zeros((2 * x.shape[0],) + x.shape[1:], dtype=x.dtype)
        big[::2] = x
        x = big[::2]
    elif recipe.layout == "reversed" and x.ndim:
        x = np.ascontiguousarray(x[::-1])[::-1]
    elif recipe.layout == "readonly":
        x = x.copy()
        x.flags.writeable = False
    return x


def clean(recipe: Recipe) -> Any:
    """The reference input: the same values, C-contiguous, writeable, native byte order."""
    x = build(recipe)
    if not isinstance(x, np.ndarray):
        return x
    native = x.dtype.newbyteorder("=") if x.dtype.byteorder not in ("|", "=") else x.dtype
    return np.array(x, dtype=native, order="C", copy=True)
