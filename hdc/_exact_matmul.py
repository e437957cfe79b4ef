"""Matrix products with the same bits whatever the BLAS, its thread count or the batch.

A float32 or float64 BLAS product rounds its partial sums in an order that depends on the
library, the number of threads and the shape of the call: the same row multiplied alone, in a
batch of 7 or in a batch of 1,024 can come out a few units in the last place apart. A random
projection followed by a sign or a threshold turns those units into flipped bits, so an encoder
built on a plain ``X @ W`` gives a row a code that depends on the rows encoded with it and on
the machine's load. :func:`exact_matmul` rounds the operands to fixed point (a power-of-two
scale per row of ``A`` and per column of ``B``) so that every product and every partial sum is
an integer below 2**53: float64 adds them exactly in any order, and the result is a function of
the operands alone.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_matmul"]

# float64 holds every integer up to 2**53 exactly
_MANTISSA_BITS = 53
# power-of-two exponents kept within float64's normal range when scaling
_EXPONENT_LIMIT = 960


def _fixed_point(M: np.ndarray, bits: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``(Q, unit)``: ``Q`` integers in float64 with ``|Q| <= 2**bits`` and ``M ~= Q * unit``,
    ``unit`` a power of two per row (``axis=1``) or per column (``axis=0``) of ``M``."""
    largest = np.abs(M).max(axis=axis, keepdims=True, initial=0.0)
    exponent = np.clip(np.frexp(largest)[1], -_EXPONENT_LIMIT, _EXPONENT_LIMIT)  # largest < 2**e
    Q = np.rint(M * np.ldexp(1.0, bits - exponent))
    return Q, np.ldexp(1.0, exponent - bits)


def exact_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B`` in float64, computed exactly on ``A`` and ``B`` rounded to fixed point.

    Each row of ``A`` and each column of ``B`` keeps about ``(53 - log2(k)) / 2`` bits relative
    to its largest entry (``k = A.shape[1]``; 21 bits for 784 features), close to float32's 24.
    The result does not depend on the BLAS library, its thread count, nor on which other rows
    of ``A`` are multiplied in the same call. ``A`` and ``B`` must be finite.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.5, -1.0]])
    >>> exact_matmul(A, np.eye(2)).tolist()
    [[1.0, 2.0], [0.5, -1.0]]
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    depth = int(A.shape[1])
    # |a| <= 2**a_bits and |b| <= 2**b_bits, so a sum of ``depth`` products stays <= 2**53
    budget = _MANTISSA_BITS - max(depth, 1).bit_length()
    a_bits, b_bits = budget - budget // 2, budget // 2
    QA, unit_a = _fixed_point(A, a_bits, axis=1)
    QB, unit_b = _fixed_point(B, b_bits, axis=0)
    out = QA @ QB
    out *= unit_a
    out *= unit_b
    return out
