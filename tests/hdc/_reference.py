"""Naive reference implementations on unpacked bits, for checking the fast kernels."""

import numpy as np


def unpack_bits(hv: np.ndarray) -> np.ndarray:
    """(…, W) uint64 -> (…, 64 W) uint8 with bit i = bit i % 64 of word i // 64, bit by bit."""
    words = np.asarray(hv, dtype=np.uint64)
    out = np.zeros(words.shape[:-1] + (words.shape[-1] * 64,), dtype=np.uint8)
    for w in range(words.shape[-1]):
        for b in range(64):
            out[..., 64 * w + b] = (words[..., w] >> np.uint64(b)) & np.uint64(1)
    return out


def pack_bits(bits: np.ndarray) -> np.ndarray:
    bits = np.asarray(bits, dtype=np.uint64)
    n_words = bits.shape[-1] // 64
    out = np.zeros(bits.shape[:-1] + (n_words,), dtype=np.uint64)
    for w in range(n_words):
        for b in range(64):
            out[..., w] |= bits[..., 64 * w + b] << np.uint64(b)
    return out


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ua, ub = unpack_bits(np.atleast_2d(a)), unpack_bits(np.atleast_2d(b))
    return (ua[:, None, :] != ub[None, :, :]).sum(-1)


def top_k(queries: np.ndarray, stored: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the k nearest stored rows (ties: lower index first)."""
    d = hamming(queries, stored)
    index = np.broadcast_to(np.arange(d.shape[1]), d.shape)
    order = np.lexsort((index, d), axis=1)[:, :k]
    return order, np.take_along_axis(d, order, 1)


def counts(hvs: np.ndarray, weights=None) -> np.ndarray:
    bits = unpack_bits(np.atleast_2d(hvs)).astype(np.int64)
    w = np.ones(bits.shape[0], dtype=np.int64) if weights is None else np.asarray(weights)
    return (bits * w[:, None]).sum(0)


def majority(hvs: np.ndarray, weights=None, tie_bits=None) -> np.ndarray:
    c = counts(hvs, weights)
    total = np.atleast_2d(hvs).shape[0] if weights is None else int(np.sum(weights))
    out = (2 * c > total).astype(np.uint8)
    if tie_bits is not None:
        ties = 2 * c == total
        out[ties] = unpack_bits(tie_bits)[ties]
    return pack_bits(out)


def rotate(hv: np.ndarray, shift: int) -> np.ndarray:
    return pack_bits(np.roll(unpack_bits(hv), shift, axis=-1))
