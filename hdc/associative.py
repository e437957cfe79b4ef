"""An associative (item) memory: labelled hypervectors searched by Hamming distance."""

from __future__ import annotations

from typing import Any

import numpy as np

from hdc import _kernels
from hdc._parallel import CHUNK_WORDS, run_chunks
from hdc._validation import (
    WORD_BITS,
    as_hypervectors,
    check_count,
    check_dim,
)

__all__ = ["AssociativeMemory"]

_QUERY_CHUNK = 4096


class AssociativeMemory:
    """Store labelled hypervectors and retrieve the nearest ones by Hamming distance.

    Parameters
    ----------
    dim : int
        Number of bits of the stored hypervectors, a positive multiple of 64.

    Attributes
    ----------
    vectors : numpy.ndarray of uint64, shape ``(n_stored, dim // 64)``
        The stored hypervectors, in insertion order.
    labels : numpy.ndarray, shape ``(n_stored,)``
        The label of each stored hypervector.

    Examples
    --------
    >>> import hdc
    >>> items = hdc.random(3, 1024, random_state=0)
    >>> memory = hdc.AssociativeMemory(1024)
    >>> memory.add(items, ["a", "b", "c"])
    >>> noisy = hdc.flip(items[1], 0.2, random_state=1)
    >>> labels, sims = memory.query(noisy)
    >>> labels[0]
    'b'
    """

    def __init__(self, dim: int) -> None:
        self.dim = check_dim(dim)
        self._vectors = np.empty((0, self.dim // WORD_BITS), dtype=np.uint64)
        self._labels: np.ndarray = np.empty(0, dtype=object)

    def __len__(self) -> int:
        return self._vectors.shape[0]

    def __repr__(self) -> str:
        return f"AssociativeMemory(dim={self.dim}, n_stored={len(self)})"

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    def _check_queries(self, hvs: Any, name: str) -> np.ndarray:
        x = as_hypervectors(hvs, name)
        if x.shape[-1] != self.dim // WORD_BITS:
            raise ValueError(
                f"{name} has {x.shape[-1]} words per vector (dim {x.shape[-1] * WORD_BITS}), "
                f"but this memory stores dim {self.dim} ({self.dim // WORD_BITS} words)"
            )
        return x

    def add(self, hvs: np.ndarray, labels: Any) -> None:
        """Store hypervectors ``(n, W)`` (or one ``(W,)``) with their labels (n labels)."""
        x = self._check_queries(hvs, "hvs")
        batch = x.reshape(-1, x.shape[-1])
        if x.ndim == 1:
            labels = [labels] if np.ndim(labels) == 0 else labels
        lab = np.empty(len(labels), dtype=object) if hasattr(labels, "__len__") else None
        if lab is None:
            raise TypeError(f"labels must be a sequence of {batch.shape[0]} labels, got {labels!r}")
        lab[:] = list(labels)
        if lab.shape[0] != batch.shape[0]:
            raise ValueError(
                f"labels has {lab.shape[0]} entries but hvs holds {batch.shape[0]} hypervectors"
            )
        self._vectors = np.concatenate([self._vectors, batch])
        self._labels = np.concatenate([self._labels, lab])

    def _nearest(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self) == 0:
            raise ValueError("the memory is empty: add hypervectors before querying")
        k = check_count(k, "k", minimum=1)
        if k > len(self):
            raise ValueError(f"k={k} exceeds the number of stored hypervectors ({len(self)})")
        batch = x.reshape(-1, x.shape[-1])
        index = np.empty((batch.shape[0], k), dtype=np.int64)
        dist = np.empty((batch.shape[0], k), dtype=np.int64)
        stored = self._vectors
        rows = max(1, CHUNK_WORDS // max(1, stored.shape[0] * stored.shape[1]))
        rows = min(rows, _QUERY_CHUNK)

        def compute(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
            idx = np.empty((stop - start, k), dtype=np.int64)
            dst = np.empty((stop - start, k), dtype=np.int64)
            _kernels.hamming_top_k(batch[start:stop], stored, k, idx, dst)
            return idx, dst

        def commit(start: int, stop: int, part: tuple[np.ndarray, np.ndarray]) -> None:
            index[start:stop], dist[start:stop] = part

        run_chunks(compute, commit, batch.shape[0], rows,
                   direct=lambda s, e: _kernels.hamming_top_k(batch, stored, k, index, dist))
        return index, dist

    def query(self, hvs: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Labels and similarities of the ``k`` nearest stored vectors of each query.

        Parameters
        ----------
        hvs : numpy.ndarray of uint64, shape ``(n, W)`` or ``(W,)``
        k : int
            Number of neighbours, nearest first (ties: earlier stored first).

        Returns
        -------
        labels : numpy.ndarray, shape ``(n, k)`` (``(k,)`` for one query)
        similarities : numpy.ndarray of float64, same shape, ``1 - hamming / dim``
        """
        x = self._check_queries(hvs, "hvs")
        index, dist = self._nearest(x, k)
        labels = self._labels[index]
        sims = 1.0 - dist / self.dim
        if x.ndim == 1:
            return labels[0], sims[0]
        return labels, sims

    def cleanup(self, hvs: np.ndarray) -> np.ndarray:
        """Replace each query by its nearest stored hypervector (same shape as ``hvs``)."""
        x = self._check_queries(hvs, "hvs")
        index, _ = self._nearest(x, 1)
        return self._vectors[index[:, 0]].reshape(x.shape)
