"""Creating, converting and combining packed hypervectors.

A hypervector of ``dim`` bits is a numpy ``uint64`` array of ``dim // 64`` words; bit ``i`` is
bit ``i % 64`` of word ``i // 64``. A batch of ``n`` hypervectors has shape ``(n, dim // 64)``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hdc import _kernels
from hdc._validation import (
    WORD_BITS,
    as_hypervectors,
    check_count,
    check_dim,
    check_memory,
    check_random_state,
    check_same_width,
    is_packed_dtype,
    readonly,
)

__all__ = ["random", "pack", "unpack", "bind", "unbind", "permute", "flip"]

# Rows generated or processed at a time by functions that would otherwise hold large temporaries.
_CHUNK_WORDS = 1 << 20


def random(n: int | None, dim: int, random_state: Any = None) -> np.ndarray:
    """Draw independent, uniformly random hypervectors.

    Parameters
    ----------
    n : int or None
        Number of hypervectors. ``None`` returns a single vector of shape ``(dim // 64,)``.
    dim : int
        Number of bits, a positive multiple of 64.
    random_state : int, numpy Generator, RandomState or None
        Seed or generator; the same seed gives bit-identical vectors.

    Returns
    -------
    numpy.ndarray of uint64, shape ``(n, dim // 64)`` or ``(dim // 64,)``

    Examples
    --------
    >>> import hdc
    >>> hvs = hdc.random(3, 1024, random_state=0)
    >>> hvs.shape, hvs.dtype
    ((3, 16), dtype('uint64'))
    """
    dim = check_dim(dim)
    rng = check_random_state(random_state)
    if n is None:
        return rng.integers(0, 2**64, size=dim // WORD_BITS, dtype=np.uint64, endpoint=False)
    n = check_count(n, "n")
    check_memory({"hypervectors": n * dim / 8}, f"random(n={n}, dim={dim})",
                 "draw fewer hypervectors at a time")
    return rng.integers(0, 2**64, size=(n, dim // WORD_BITS), dtype=np.uint64, endpoint=False)


def pack(bits: Any) -> np.ndarray:
    """Pack an array of 0/1 (or bool) values along its last axis into ``uint64`` words.

    Meant for input/output and tests; the core never works on unpacked bits.

    Parameters
    ----------
    bits : array-like of bool or integers in {0, 1}, shape ``(..., dim)``
        ``dim`` must be a positive multiple of 64.

    Returns
    -------
    numpy.ndarray of uint64, shape ``(..., dim // 64)``

    Examples
    --------
    >>> import numpy as np, hdc
    >>> hv = hdc.pack(np.r_[1, np.zeros(63, dtype=int)])
    >>> int(hv[0])
    1
    """
    arr = np.asarray(bits)
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"bits must be a bool or integer array of 0/1, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(
                f"bits must contain only 0 and 1, got values in [{arr.min()}, {arr.max()}]"
            )
    if arr.ndim == 0:
        raise ValueError("bits must have at least one axis of length dim, got a scalar")
    check_dim(arr.shape[-1], "bits.shape[-1] (dim)")
    packed = np.packbits(arr.astype(bool, copy=False), axis=-1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False)


def unpack(hv: np.ndarray, dim: int | None = None) -> np.ndarray:
    """Unpack hypervectors into a ``uint8`` array of 0/1 values, shape ``(..., dim)``.

    Parameters
    ----------
    hv : numpy.ndarray of uint64, shape ``(..., W)``
    dim : int, optional
        Number of bits; must equal ``64 * W`` when given (a check against mix-ups).

    Examples
    --------
    >>> import hdc
    >>> hv = hdc.random(None, 128, random_state=1)
    >>> bool((hdc.pack(hdc.unpack(hv)) == hv).all())
    True
    """
    if not isinstance(hv, np.ndarray) or not is_packed_dtype(hv.dtype):
        got = hv.dtype if isinstance(hv, np.ndarray) else type(hv).__name__
        raise TypeError(f"hv must be a numpy uint64 array of packed hypervectors, got {got}")
    if hv.ndim == 0 or hv.shape[-1] == 0:
        raise ValueError(f"hv must have shape (..., words) with words >= 1, got {hv.shape}")
    full = hv.shape[-1] * WORD_BITS
    if dim is not None:
        dim = check_dim(dim)
        if dim != full:
            raise ValueError(f"dim={dim} does not match hv, which holds {full} bits per vector")
    little = np.ascontiguousarray(hv).astype("<u8", copy=False)
    return np.unpackbits(little.view(np.uint8), axis=-1, bitorder="little")


def bind(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bind two hypervectors (or batches) by bitwise XOR.

    Binding is commutative, associative and its own inverse; the result is dissimilar to both
    inputs. Shapes broadcast like numpy: a vector binds with every row of a batch.

    Examples
    --------
    >>> import hdc
    >>> a, b = hdc.random(2, 256, random_state=0)
    >>> bool((hdc.unbind(hdc.bind(a, b), b) == a).all())
    True
    """
    return _xor(a, b, "a", "b")


def _xor(a: Any, b: Any, name_a: str, name_b: str) -> np.ndarray:
    """XOR of two packed operands, errors naming them as the caller's arguments."""
    a = as_hypervectors(a, name_a, ndim=(1, 2, 3))
    b = as_hypervectors(b, name_b, ndim=(1, 2, 3))
    check_same_width(a, b, name_a, name_b)
    try:
        return np.bitwise_xor(a, b)
    except ValueError as exc:
        raise ValueError(
            f"{name_a} and {name_b} cannot be broadcast together: {a.shape} and {b.shape}"
        ) from exc


def unbind(bound: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Recover ``a`` from ``bind(a, key)``: the inverse of :func:`bind` (also XOR).

    Examples
    --------
    >>> import hdc
    >>> a, key = hdc.random(2, 128, random_state=3)
    >>> bool((hdc.unbind(hdc.bind(a, key), key) == a).all())
    True
    """
    return _xor(bound, key, "bound", "key")


def permute(hv: np.ndarray, shift: int | ArrayLike = 1) -> np.ndarray:
    """Cyclically rotate all ``dim`` bits of each hypervector: bit ``i`` moves to ``i + shift``.

    Any integer shift is allowed; negative shifts rotate the other way (``permute(x, -s)``
    inverts ``permute(x, s)``) and shifts are taken modulo ``dim``. Rotation preserves Hamming
    distances and makes a vector nearly orthogonal to itself, which encodes order.

    Parameters
    ----------
    hv : numpy.ndarray of uint64, shape ``(W,)`` or ``(n, W)``
    shift : int or array-like of int, shape ``(n,)``
        One shift for every vector, or one per vector: a 1-D array of ``k`` shifts with a single
        vector ``hv`` gives the ``k`` rotations of it, shape ``(k, W)``; with a batch of ``n``
        vectors it must hold ``n`` shifts (row ``r`` rotates by ``shift[r]``).

    Examples
    --------
    >>> import hdc
    >>> x = hdc.random(4, 640, random_state=0)
    >>> bool((hdc.permute(hdc.permute(x, 70), -70) == x).all())
    True
    >>> hdc.permute(x[0], [0, 1, 2]).shape
    (3, 10)
    """
    x = as_hypervectors(hv, "hv")
    dim = x.shape[-1] * WORD_BITS
    if np.ndim(shift) == 0:
        if isinstance(shift, (bool, np.bool_)) or not isinstance(shift, numbers.Integral):
            raise TypeError(f"shift must be an integer or a 1-D array of integers, got {shift!r}")
        batch = x.reshape(-1, x.shape[-1])
        out = np.empty_like(batch)
        # on the calling thread: rotation is bound by memory bandwidth, which a second thread
        # does not add, and a thread on a taken core would only delay the call
        _kernels.rotate_bits(readonly(batch), int(shift) % dim, out)
        return out.reshape(x.shape)
    shifts = np.asarray(shift)
    if shifts.dtype == bool or not np.issubdtype(shifts.dtype, np.integer):
        raise TypeError(f"shift must be an integer or a 1-D array of integers, got {shifts.dtype}")
    if shifts.ndim != 1:
        raise ValueError(f"shift must be an integer or a 1-D array of shifts, got shape "
                         f"{shifts.shape}")
    if x.ndim == 1:
        rows = np.broadcast_to(x, (shifts.shape[0], x.shape[0]))
    elif x.shape[0] == shifts.shape[0]:
        rows = x
    else:
        raise ValueError(
            f"shift holds {shifts.shape[0]} shifts but hv holds {x.shape[0]} vectors: give one "
            "shift per vector (or a single vector)"
        )
    out = np.empty((shifts.shape[0], x.shape[-1]), dtype=np.uint64)
    # reduced in the shifts' own type: a uint64 shift above 2**63 must not wrap to negative
    if shifts.dtype.kind == "u":
        reduced = (shifts % np.uint64(dim)).astype(np.int64)
    else:
        reduced = shifts.astype(np.int64) % dim  # non-negative for a positive divisor
    # calling thread, as above; the input read-only (one compiled signature)
    _kernels.rotate_rows(readonly(np.ascontiguousarray(rows)), readonly(reduced), out)
    return out


def flip(hv: np.ndarray, p: float, random_state: Any = None) -> np.ndarray:
    """Flip each bit independently with probability ``p`` (noise).

    The flip mask is built word-wise from 32 random words per output word, so ``p`` is exact to
    2**-32; no per-bit array is ever made. The expected Hamming distance to the input is
    ``p * dim``.

    Examples
    --------
    >>> import hdc
    >>> x = hdc.random(None, 10240, random_state=0)
    >>> y = hdc.flip(x, 0.1, random_state=1)
    >>> 0.08 < hdc.hamming(x, y) / 10240 < 0.12
    True
    """
    x = as_hypervectors(hv, "hv")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    rng = check_random_state(random_state)
    fixed = int(round(float(p) * 2**32))
    if fixed >= 2**32:
        return ~x
    batch = x.reshape(-1, x.shape[-1])
    out = np.empty_like(batch)
    rows_per_chunk = max(1, _CHUNK_WORDS // (32 * batch.shape[1]))
    for start in range(0, batch.shape[0], rows_per_chunk):
        stop = min(batch.shape[0], start + rows_per_chunk)
        mask = np.zeros((stop - start, batch.shape[1]), dtype=np.uint64)
        # Least significant bit of p first: P(mask bit) becomes (bit + P) / 2 at each step.
        for k in range(32):
            r = rng.integers(0, 2**64, size=mask.shape, dtype=np.uint64)
            if (fixed >> k) & 1:
                mask |= r
            else:
                mask &= r
        np.bitwise_xor(batch[start:stop], mask, out=out[start:stop])
    return out.reshape(x.shape)
