"""An associative (item) memory: labelled hypervectors searched by Hamming distance."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from hdc import _kernels
from hdc._parallel import run_chunks
from hdc._validation import (
    WORD_BITS,
    as_hypervectors,
    check_count,
    check_dim,
)
from hdc.similarity import query_chunk_rows

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

    Notes
    -----
    Thread-safe: :meth:`add`, :meth:`query` and :meth:`cleanup` may be called from any number
    of threads at once. Additions are serialised by a lock; they write into spare capacity past
    the stored rows and then publish the new ``(vectors, labels)`` pair in one assignment, so a
    query works on a consistent snapshot: every vector it sees has its label, and it sees either
    all of a concurrent :meth:`add` or none of it. ``vectors`` and ``labels`` are such snapshots
    too (read-only views; do not write to them).

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
        self._lock = threading.Lock()
        # storage with spare rows; _state is the published snapshot (views of its first rows)
        self._vector_buffer = np.empty((0, self.dim // WORD_BITS), dtype=np.uint64)
        self._label_buffer: np.ndarray = np.empty(0, dtype=object)
        self._state: tuple[np.ndarray, np.ndarray] = (self._vector_buffer, self._label_buffer)

    def __len__(self) -> int:
        return self._state[0].shape[0]

    def __repr__(self) -> str:
        return f"AssociativeMemory(dim={self.dim}, n_stored={len(self)})"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_lock"]
        vectors, labels = state["_state"]
        state["_vector_buffer"], state["_label_buffer"] = vectors.copy(), labels.copy()
        state["_state"] = (state["_vector_buffer"], state["_label_buffer"])
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def vectors(self) -> np.ndarray:
        return self._state[0]

    @property
    def labels(self) -> np.ndarray:
        return self._state[1]

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
        with self._lock:
            n = len(self)
            if n + batch.shape[0] > self._vector_buffer.shape[0]:
                # grow geometrically: amortised O(1) per added row; readers keep the old buffers
                capacity = max(n + batch.shape[0], 2 * self._vector_buffer.shape[0], 16)
                vectors = np.empty((capacity, batch.shape[1]), dtype=np.uint64)
                labels_buffer = np.empty(capacity, dtype=object)
                vectors[:n] = self._vector_buffer[:n]
                labels_buffer[:n] = self._label_buffer[:n]
                self._vector_buffer, self._label_buffer = vectors, labels_buffer
            stop = n + batch.shape[0]
            # rows past n are outside every published snapshot: safe to write while queries run
            self._vector_buffer[n:stop] = batch
            self._label_buffer[n:stop] = lab
            vectors, labels_view = self._vector_buffer[:stop], self._label_buffer[:stop]
            vectors.flags.writeable = labels_view.flags.writeable = False
            self._state = (vectors, labels_view)

    def _nearest(
        self, x: np.ndarray, k: int, stored: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices and Hamming distances of the ``k`` rows of ``stored`` nearest each query."""
        if stored.shape[0] == 0:
            raise ValueError("the memory is empty: add hypervectors before querying")
        k = check_count(k, "k", minimum=1)
        if k > stored.shape[0]:
            raise ValueError(
                f"k={k} exceeds the number of stored hypervectors ({stored.shape[0]})"
            )
        batch = x.reshape(-1, x.shape[-1])
        index = np.empty((batch.shape[0], k), dtype=np.int64)
        dist = np.empty((batch.shape[0], k), dtype=np.int64)
        rows = min(query_chunk_rows(batch.shape[0], stored.shape[0] * stored.shape[1]),
                   _QUERY_CHUNK)

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
        vectors, stored_labels = self._state  # one consistent snapshot for the whole query
        index, dist = self._nearest(x, k, vectors)
        labels = stored_labels[index]
        sims = 1.0 - dist / self.dim
        if x.ndim == 1:
            return labels[0], sims[0]
        return labels, sims

    def cleanup(self, hvs: np.ndarray) -> np.ndarray:
        """Replace each query by its nearest stored hypervector (same shape as ``hvs``)."""
        x = self._check_queries(hvs, "hvs")
        vectors = self._state[0]
        index, _ = self._nearest(x, 1, vectors)
        return vectors[index[:, 0]].reshape(x.shape)
