"""Symbolic data structures composed from bind, bundle and permute on packed hypervectors.

Each structure is one bundle (or, for :class:`DistinctSequence`, one binding) of packed binary
hypervectors: sets (:class:`Multiset`), key-value records (:class:`HashTable`), sequences
(:class:`Sequence` by permutation, :class:`DistinctSequence` by binding) and graphs
(:class:`Graph`), plus :func:`analogy` and :func:`ngrams`. Bundles keep per-bit integer
counters (one byte per bit up to 127 terms, widened to ``int16`` or ``int32`` before a count
could overflow), so items can be added and removed exactly; the binary hypervector is the
majority of the counters, computed on demand (ties decided by fixed tie bits drawn from
``random_state``). ``freeze()`` drops the counters of a structure that is done being edited and
keeps only the packed value (``dim // 8`` bytes); its queries are unchanged.

Queries are batched: many keys, items, positions or nodes go through one bind or permute call and
one Hamming kernel call against the candidates. How reliable a query is at a given size is given
by :func:`hdc.capacity` (retrieval among candidates) and :func:`hdc.membership_error`
(membership by a similarity threshold).
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hdc import _structure_kernels
from hdc._parallel import rows_per_chunk, run_chunks, run_columns, run_rows
from hdc._validation import (
    WORD_BITS,
    as_hypervectors,
    check_dim,
    check_random_state,
    readonly,
)
from hdc.associative import AssociativeMemory
from hdc.bundling import counts as bit_counts
from hdc.bundling import threshold as majority_of_counts
from hdc.capacity import member_similarity, membership_error
from hdc.ops import bind, permute
from hdc.similarity import hamming

__all__ = [
    "Multiset",
    "HashTable",
    "Sequence",
    "DistinctSequence",
    "Graph",
    "analogy",
    "ngrams",
]

_INT32_MAX = np.iinfo(np.int32).max


# ------------------------------------------------------------------------------------ helpers
def _check_vectors(x: Any, name: str, dim: int) -> np.ndarray:
    """Packed vector(s) of ``dim`` bits, as given: shape ``(W,)`` or ``(n, W)``."""
    hv = as_hypervectors(x, name)
    if hv.shape[-1] != dim // WORD_BITS:
        raise ValueError(
            f"{name} holds {hv.shape[-1] * WORD_BITS}-bit hypervectors ({hv.shape[-1]} words), "
            f"but this structure has dim {dim} ({dim // WORD_BITS} words)"
        )
    return hv


def _check_memory(memory: Any, dim: int, name: str = "memory") -> AssociativeMemory | None:
    if memory is None:
        return None
    if not isinstance(memory, AssociativeMemory):
        raise TypeError(f"{name} must be an hdc.AssociativeMemory or None, got {memory!r}")
    if memory.dim != dim:
        raise ValueError(f"{name} stores dim {memory.dim}, but this structure has dim {dim}")
    return memory


def _check_threshold(threshold: Any) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a real number in (0, 1] or None, got {threshold!r}")
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1] (a similarity), got {threshold!r}")
    return float(threshold)


def _check_multiplicity(count: Any, n: int, name: str = "count") -> np.ndarray:
    """Integer multiplicities, one per item (a scalar applies to all), as int64 of shape (n,)."""
    c = np.asarray(count)
    if c.dtype == bool or not np.issubdtype(c.dtype, np.integer):
        raise TypeError(f"{name} must be an integer or one integer per item, got {count!r}")
    if c.ndim == 0:
        c = np.full(n, int(c), dtype=np.int64)
    if c.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {c.shape}")
    if c.size and c.min() < 0:
        raise ValueError(f"{name} must be >= 0 (how many times), got {c.min()}")
    return c.astype(np.int64)


def _similarity(queries: np.ndarray, candidates: np.ndarray, dim: int) -> np.ndarray:
    """(k, n) similarities of k queries to n candidates: one Hamming kernel call."""
    return 1.0 - hamming(queries, candidates) / dim


# Cells of the full adjacency matrix an undirected neighbours query may build (bytes).
_SYMMETRIC_CELLS = 1 << 26


def _max_distance(threshold: float, dim: int) -> int:
    """The largest distance d with ``1 - d / dim >= threshold`` in floating point (-1 if none)."""
    d = int(np.floor((1.0 - threshold) * dim))
    while d + 1 <= dim and 1.0 - (d + 1) / dim >= threshold:
        d += 1
    while d >= 0 and 1.0 - d / dim < threshold:
        d -= 1
    return d


def _chunk_rows(words_per_row: float) -> int:
    """Rows per chunk of a batched query: about :data:`hdc._parallel.CHUNK_WORDS` words of
    popcounts, in whole groups of four rows (the kernels' tiles), at least 16 rows (a chunk
    costs a scratch block and a commit in Python)."""
    rows = rows_per_chunk(words_per_row)
    return max(16, rows - rows % 4)


def _within(queries: np.ndarray, candidates: np.ndarray, threshold: float, dim: int) -> np.ndarray:
    """(k, n) booleans ``similarity >= threshold``, compared as integer distances inside the
    kernel (no distance or float matrix), in chunks over threads: of queries, or of candidates
    when the queries are too few to make several chunks."""
    limit = _max_distance(threshold, dim)
    n_queries, n_candidates = queries.shape[0], candidates.shape[0]
    out = np.empty((n_queries, n_candidates), dtype=bool)
    if out.size == 0:
        return out
    n_words = queries.shape[1]
    queries, candidates = readonly(queries), readonly(candidates)  # one compiled signature
    block = _structure_kernels.block_rows(n_words)
    rows = _chunk_rows(n_candidates * n_words)
    if n_queries >= 4 * rows:
        run_rows(
            lambda start, stop, dest: _structure_kernels.within(
                queries[start:stop], candidates, limit, block, dest),
            out,
            rows,
        )
    else:
        run_columns(
            lambda start, stop, dest: _structure_kernels.within(
                queries, candidates[start:stop], limit, block, dest),
            out,
            max(64, rows_per_chunk(n_queries * n_words)),
        )
    return out


def _within_symmetric(probes: np.ndarray, nodes: np.ndarray, limit: int) -> np.ndarray:
    """(n, n) booleans ``hamming(probes[i], nodes[j]) <= limit`` of a symmetric relation
    (:func:`hdc._structure_kernels.within_symmetric`), in chunks of rows over threads: a chunk
    computes its rows from its own first row on, and the same cells transposed for the rows
    after it."""
    n, n_words = nodes.shape
    out = np.empty((n, n), dtype=bool)
    probes, nodes = readonly(probes), readonly(nodes)  # one compiled signature
    block = _structure_kernels.block_rows(n_words)

    def compute(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        part = np.empty((stop - start, n - start), dtype=bool)
        mirror = np.empty((n - stop, stop - start), dtype=bool)
        _structure_kernels.within_symmetric(probes, nodes, start, stop, limit, block, part,
                                            mirror)
        return part, mirror

    def commit(start: int, stop: int, parts: tuple[np.ndarray, np.ndarray]) -> None:
        out[start:stop, start:], out[stop:, start:stop] = parts

    run_chunks(
        compute,
        commit,
        n,
        _chunk_rows(n * n_words / 2),  # on average a row meets half the nodes
        direct=lambda start, stop: _structure_kernels.within_symmetric(
            probes, nodes, 0, n, limit, block, out, out[n:]),
    )
    return out


def _nearest(
    memory: AssociativeMemory, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The memory's stored vectors and labels, and the index and Hamming distance of the
    nearest stored vector of each item (first on ties), in chunks of queries over threads."""
    vectors = memory.vectors
    labels = memory.labels  # read after the vectors: the memory only appends, so it covers them
    if vectors.shape[0] == 0:
        raise ValueError("the memory is empty: add hypervectors before querying")
    batch = readonly(np.ascontiguousarray(items.reshape(-1, items.shape[-1])))
    vectors = readonly(vectors)  # inputs read-only: one compiled signature
    n_words = batch.shape[1]
    index = np.empty(batch.shape[0], dtype=np.int64)
    dist = np.empty(batch.shape[0], dtype=np.int64)
    block = _structure_kernels.block_rows(n_words)
    rows = _chunk_rows(vectors.shape[0] * n_words)

    def compute(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.empty(stop - start, dtype=np.int64)
        dst = np.empty(stop - start, dtype=np.int64)
        _structure_kernels.nearest(batch[start:stop], vectors, block, idx, dst)
        return idx, dst

    def commit(start: int, stop: int, part: tuple[np.ndarray, np.ndarray]) -> None:
        index[start:stop], dist[start:stop] = part

    run_chunks(
        compute,
        commit,
        batch.shape[0],
        rows,
        direct=lambda s, e: _structure_kernels.nearest(batch, vectors, block, index, dist),
    )
    return vectors, labels, index, dist


_COUNTER_TYPES = (np.int8, np.int16, np.int32)


def _counter_type(bound: int) -> type:
    """The narrowest counter type holding every value in ``[-bound, bound]``."""
    for kind in _COUNTER_TYPES:
        if bound <= np.iinfo(kind).max:
            return kind
    raise ValueError("too many items for int32 counters (more than 2**31 - 1 in total)")


class _Bundle:
    """Per-bit counters of a bundle, their total weight, and the cached majority.

    The counters take the narrowest of ``int8``, ``int16`` and ``int32`` that holds them, and
    widen before an addition could overflow (a bound from the current extremes and the
    weight added): one byte per bit for up to 127 items, with identical results.
    :meth:`freeze` drops the counters and keeps only the majority (``counts`` is then
    ``None``): queries are unchanged, edits are refused.
    """

    def __init__(self, dim: int, random_state: Any) -> None:
        self.dim = dim
        self.counts = np.zeros(dim, dtype=_COUNTER_TYPES[0])
        self.total = 0
        self.tie_seed = int(check_random_state(random_state).integers(0, 2**63))
        self._value: np.ndarray | None = None

    @property
    def frozen(self) -> bool:
        return self.counts is None

    def freeze(self) -> None:
        """Keep the majority, drop the counters (no edit is possible afterwards)."""
        _ = self.value
        self.counts = None

    def _check_editable(self) -> None:
        if self.counts is None:
            raise ValueError(
                "the structure is frozen: freeze() dropped its counters, so it can be queried "
                "but no longer edited (build it again to edit it)"
            )

    def _largest(self) -> int:
        if self.counts.size == 0:
            return 0
        return max(int(self.counts.max()), -int(self.counts.min()))

    def _reserve(self, reach: int) -> None:
        """Widen the counters so that adding terms of total absolute weight ``reach`` fits."""
        self._check_editable()
        if abs(self.total) + reach > _INT32_MAX:
            raise ValueError("too many items for int32 counters (more than 2**31 - 1 in total)")
        kind = _counter_type(self._largest() + reach)
        if np.iinfo(kind).max > np.iinfo(self.counts.dtype).max:
            self.counts = self.counts.astype(kind)

    def add(self, hvs: np.ndarray, weights: np.ndarray | None = None) -> None:
        self._check_editable()
        batch = hvs.reshape(-1, hvs.shape[-1])
        if batch.shape[0] == 0:
            return
        added = int(batch.shape[0] if weights is None else weights.sum())
        reach = int(batch.shape[0] if weights is None else np.abs(weights).sum())
        self._reserve(reach)
        self.counts += bit_counts(batch, weights).astype(self.counts.dtype)
        self.total += added
        self._value = None

    def roll_in(self, other: _Bundle, shift: int) -> None:
        """Add another bundle's counters rotated by ``shift`` bits (as :func:`hdc.permute`)."""
        other._check_editable()
        self._reserve(other._largest())
        self.counts += np.roll(other.counts, shift).astype(self.counts.dtype)
        self.total += other.total
        self._value = None

    @property
    def value(self) -> np.ndarray:
        if self._value is None:
            value = majority_of_counts(
                self.counts, self.total, tie="random", random_state=self.tie_seed
            )
            value.setflags(write=False)
            self._value = value
        return self._value

    def nbytes(self) -> int:
        counters = 0 if self.counts is None else self.counts.nbytes
        return counters + self.dim // 8


class _Bundled:
    """Shared read access of the bundle-based structures."""

    _bundle: _Bundle

    @property
    def value(self) -> np.ndarray:
        """The binary hypervector: the majority of the counters (read-only, cached)."""
        return self._bundle.value

    @property
    def counts(self) -> np.ndarray:
        """Per-bit counters of ones over the bundled terms, as ``int32`` (a read-only copy: the
        structure stores them in the narrowest integer type that holds them). Not available
        once the structure is frozen (ValueError)."""
        self._bundle._check_editable()
        out = self._bundle.counts.astype(np.int32)
        out.setflags(write=False)
        return out

    @property
    def nbytes(self) -> int:
        """Bytes held by the bundle: counters and binary value (not any cleanup memory); the
        binary value alone (``dim // 8``) once frozen."""
        return self._bundle.nbytes()

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` dropped the counters (the structure is read-only)."""
        return self._bundle.frozen

    def freeze(self) -> _Bundled:
        """Drop the per-bit counters and keep only the packed binary value: read-only.

        For a structure that is done being edited. Every query returns exactly what it returned
        before (queries read only the value); adding, removing, replacing, extending or
        concatenating raise ValueError, and :attr:`counts` is no longer available. The
        structure then holds ``dim // 8`` bytes (:attr:`nbytes`) instead of ``dim // 8`` plus
        one to four bytes per bit of counters. Freezing twice is allowed.

        Returns
        -------
        The structure itself (frozen in place).

        Examples
        --------
        >>> import hdc
        >>> items = hdc.item_memory(5, 4096, random_state=0)
        >>> s = hdc.Multiset(4096, random_state=0)
        >>> s.add(items[:3])
        >>> s.nbytes, s.freeze().nbytes, s.contains(items[[0, 4]]).tolist()
        (4608, 512, [True, False])
        """
        self._bundle.freeze()
        return self


class _Decoded(_Bundled, ABC):
    """A bundle read back by unbinding a query and cleaning it up against a memory."""

    def __init__(
        self, dim: int, memory: AssociativeMemory | None = None, random_state: Any = None
    ) -> None:
        self.dim = check_dim(dim)
        given = _check_memory(memory, self.dim)
        self._own_memory = given is None
        self.memory = AssociativeMemory(self.dim) if given is None else given
        self._bundle = _Bundle(self.dim, random_state)

    @abstractmethod
    def unbind(self, queries: Any) -> np.ndarray:
        """The noisy item(s) of the queries, before cleanup."""

    def get(self, queries: Any) -> np.ndarray:
        """The cleaned-up item of each query (keys or positions): its nearest candidate.

        One unbind (or permute) call and one nearest-neighbour kernel call for the whole batch
        (the first stored candidate on ties, as :meth:`hdc.AssociativeMemory.cleanup`).

        Returns
        -------
        numpy.ndarray of uint64, shape ``(W,)`` for one query, ``(n, W)`` for ``n``
        """
        items = self.unbind(queries)
        vectors, _, index, _ = _nearest(self.memory, items)
        return vectors[index].reshape(items.shape)

    def query(self, queries: Any, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Labels and similarities of the ``k`` nearest candidates of each query's item.

        Returns what :meth:`hdc.AssociativeMemory.query` returns for the unbound items; the
        nearest candidate alone (``k=1``) comes from a kernel that compares four items with
        four candidates at a time.

        Returns
        -------
        labels : numpy.ndarray, shape ``(n, k)`` (``(k,)`` for one query)
        similarities : numpy.ndarray of float64, same shape, best first
        """
        items = self.unbind(queries)
        if not (isinstance(k, numbers.Integral) and not isinstance(k, bool) and k == 1):
            return self.memory.query(items, k=k)
        _, labels, index, dist = _nearest(self.memory, items)
        found, sims = labels[index][:, None], (1.0 - dist / self.dim)[:, None]
        if items.ndim == 1:
            return found[0], sims[0]
        return found, sims


def _default_threshold(n_items: int, dim: int) -> float:
    """Halfway between a member's expected similarity and a non-member's (0.5)."""
    return membership_error(max(n_items, 1), dim)[0]


def _single_or_batch(result: np.ndarray, given: np.ndarray) -> Any:
    if given.ndim == 1:
        value = result[0]
        return value.item() if isinstance(value, np.generic) else value
    return result


# ------------------------------------------------------------------------------------ Multiset
class Multiset(_Bundled):
    """A multiset of hypervectors: the majority bundle of its members.

    Members are added and removed exactly: the per-bit integer counters are kept, and the
    binary hypervector (:attr:`value`) is their majority, computed on demand. Membership is a
    similarity test: a member's similarity to the bundle is about
    :func:`hdc.member_similarity` ``(len(self))``, a non-member's about 0.5; the default
    threshold lies halfway, with the error rates given by :func:`hdc.membership_error`.

    Parameters
    ----------
    dim : int
        Number of bits, a positive multiple of 64.
    random_state : int, numpy Generator or None
        Seeds the tie bits of the majority (bits where exactly half the votes are ones).

    Attributes
    ----------
    value : numpy.ndarray of uint64, shape ``(dim // 64,)``
        The binary hypervector of the multiset (read-only).
    counts : numpy.ndarray of int32, shape ``(dim,)``
        Per-bit number of ones over the members (with multiplicity); a read-only copy. The
        multiset stores them as ``int8`` up to 127 members, widening to ``int16`` and ``int32``.

    Notes
    -----
    Thread safety: not safe for concurrent mutation (``add``, ``remove``); queries only read and
    may run concurrently from several threads once no thread mutates (the cached ``value`` is
    recomputed identically if two threads race to fill it).

    Examples
    --------
    >>> import hdc
    >>> fruit = hdc.item_memory(10, 4096, random_state=0)
    >>> basket = hdc.Multiset(4096, random_state=0)
    >>> basket.add(fruit[:3])
    >>> basket.contains(fruit[[0, 1, 2, 7]]).tolist()
    [True, True, True, False]
    >>> basket.remove(fruit[1])
    >>> len(basket), basket.contains(fruit[1])
    (2, False)
    """

    def __init__(self, dim: int, random_state: Any = None) -> None:
        self.dim = check_dim(dim)
        self._bundle = _Bundle(self.dim, random_state)

    def __len__(self) -> int:
        return self._bundle.total

    def __repr__(self) -> str:
        return f"Multiset(dim={self.dim}, size={len(self)})"

    def add(self, items: np.ndarray, count: int | ArrayLike = 1) -> None:
        """Add item(s) ``(W,)`` or ``(n, W)``, each ``count`` times (an int or one per item)."""
        x = _check_vectors(items, "items", self.dim).reshape(-1, self.dim // WORD_BITS)
        c = _check_multiplicity(count, x.shape[0])
        self._bundle.add(x, None if np.all(c == 1) else c)

    def remove(self, items: np.ndarray, count: int | ArrayLike = 1) -> None:
        """Remove item(s) ``count`` times; the exact inverse of :meth:`add` (counts may go
        negative if an item is removed more often than it was added)."""
        x = _check_vectors(items, "items", self.dim).reshape(-1, self.dim // WORD_BITS)
        self._bundle.add(x, -_check_multiplicity(count, x.shape[0]))

    def similarity(self, items: np.ndarray) -> float | np.ndarray:
        """Similarity ``1 - hamming / dim`` of each item to the multiset (one kernel call)."""
        x = _check_vectors(items, "items", self.dim)
        sims = _similarity(x.reshape(-1, x.shape[-1]), self.value[None], self.dim)[:, 0]
        return _single_or_batch(sims, x)

    def contains(self, items: np.ndarray, threshold: float | None = None) -> bool | np.ndarray:
        """Whether each item is a member: ``similarity >= threshold``.

        Parameters
        ----------
        items : numpy.ndarray of uint64, shape ``(W,)`` or ``(n, W)``
        threshold : float in (0, 1], optional
            Default: halfway between 0.5 and :func:`hdc.member_similarity` ``(len(self))``
            (see :func:`hdc.membership_error` for its error rates). An empty multiset contains
            nothing.
        """
        x = _check_vectors(items, "items", self.dim)
        t = (
            _default_threshold(len(self), self.dim)
            if threshold is None
            else _check_threshold(threshold)
        )
        batch = x.reshape(-1, x.shape[-1])
        if len(self) <= 0:
            return _single_or_batch(np.zeros(batch.shape[0], dtype=bool), x)
        return _single_or_batch(_within(batch, self.value[None], t, self.dim)[:, 0], x)

    def estimate_size(self, members: np.ndarray) -> int:
        """Estimate the number of bundled items from the binary :attr:`value` alone.

        Uses the mean similarity of the given known ``members`` to the binary value and inverts
        :func:`hdc.member_similarity` (the number of items whose expected member similarity is
        nearest; odd, since an even ``n`` behaves like ``n + 1``). This is the estimate to use
        when only a binarised bundle is at hand; ``len(self)`` is the exact count kept by the
        counters.
        """
        x = _check_vectors(members, "members", self.dim).reshape(-1, self.dim // WORD_BITS)
        if x.shape[0] == 0:
            raise ValueError("members is empty: give at least one known member")
        mean = float(np.mean(_similarity(x, self.value[None], self.dim)))
        return _invert_member_similarity(mean)


def _invert_member_similarity(similarity: float) -> int:
    """The odd n whose member similarity is nearest ``similarity`` (0 if it is <= 0.5)."""
    if similarity >= 1.0:
        return 1
    if similarity <= 0.5:
        return 0
    guess = 1.0 / (2 * np.pi * (similarity - 0.5) ** 2)
    odd = np.arange(1, int(4 * guess) + 8, 2)
    return int(odd[np.argmin(np.abs(member_similarity(odd) - similarity))])


# ------------------------------------------------------------------------------------ HashTable
class HashTable(_Decoded):
    """A key-value record: the majority bundle of ``bind(key, value)`` pairs.

    ``get(key)`` unbinds the key (XOR), which leaves the value plus noise from the other pairs,
    and cleans it up against an item memory of candidate values. With ``n`` pairs and ``m``
    candidates, a get returns the stored value with probability :func:`hdc.capacity` ``(n, dim,
    m)`` (independent random keys and values); e.g. at ``dim=10240`` with 1,000 candidates it
    is above 0.9999 up to 100 pairs and about 0.99 at 200.

    Parameters
    ----------
    dim : int
        Number of bits, a positive multiple of 64.
    memory : hdc.AssociativeMemory, optional
        The candidate values for cleanup (with their labels). Default: the table's own memory of
        the values it has been given, labelled by their insertion index.
    random_state : int, numpy Generator or None
        Seeds the tie bits of the majority.

    Attributes
    ----------
    value : numpy.ndarray of uint64, shape ``(dim // 64,)``
        The record hypervector (read-only).
    memory : hdc.AssociativeMemory
        The cleanup memory.

    Notes
    -----
    Thread safety: not safe for concurrent mutation (``put``, ``remove``); ``get`` and ``query``
    only read and may run concurrently once no thread mutates.

    Examples
    --------
    >>> import hdc
    >>> roles = hdc.item_memory(3, 10240, random_state=0)       # name, capital, currency
    >>> fillers = hdc.AssociativeMemory(10240)
    >>> fillers.add(hdc.item_memory(3, 10240, random_state=1), ["USA", "Washington", "dollar"])
    >>> usa = hdc.HashTable(10240, memory=fillers, random_state=0)
    >>> usa.put(roles, fillers.vectors)
    >>> labels, sims = usa.query(roles)
    >>> labels[:, 0].tolist()
    ['USA', 'Washington', 'dollar']
    """

    @classmethod
    def from_pairs(
        cls,
        keys: np.ndarray,
        values: np.ndarray,
        memory: AssociativeMemory | None = None,
        random_state: Any = None,
    ) -> HashTable:
        """A table holding the pairs ``(keys[i], values[i])``."""
        keys_ = as_hypervectors(keys, "keys")
        table = cls(keys_.shape[-1] * WORD_BITS, memory=memory, random_state=random_state)
        table.put(keys_, values)
        return table

    def __len__(self) -> int:
        return self._bundle.total

    def __repr__(self) -> str:
        return f"HashTable(dim={self.dim}, n_pairs={len(self)}, n_candidates={len(self.memory)})"

    def _pairs(self, keys: Any, values: Any) -> tuple[np.ndarray, np.ndarray]:
        k = _check_vectors(keys, "keys", self.dim).reshape(-1, self.dim // WORD_BITS)
        v = _check_vectors(values, "values", self.dim).reshape(-1, self.dim // WORD_BITS)
        if k.shape[0] != v.shape[0]:
            raise ValueError(
                f"keys and values must pair up: got {k.shape[0]} keys and {v.shape[0]} values"
            )
        return k, v

    def put(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add the pairs ``(keys[i], values[i])`` (one pair for single vectors).

        With the table's own memory, the values also become cleanup candidates.
        """
        k, v = self._pairs(keys, values)
        self._bundle.add(bind(k, v))
        if self._own_memory and v.shape[0]:
            self.memory.add(v, np.arange(len(self.memory), len(self.memory) + v.shape[0]))

    def remove(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Remove the pairs ``(keys[i], values[i])``: the exact inverse of :meth:`put` on the
        record (the values stay in the cleanup memory)."""
        k, v = self._pairs(keys, values)
        self._bundle.add(bind(k, v), -np.ones(k.shape[0], dtype=np.int64))

    def unbind(self, keys: np.ndarray) -> np.ndarray:
        """The noisy value(s) ``bind(value, key)`` before cleanup, shape as ``keys``."""
        k = _check_vectors(keys, "keys", self.dim)
        return bind(self.value, k)


# ------------------------------------------------------------------------------------ Sequence
class Sequence(_Decoded):
    """An ordered sequence by permutation: the bundle of ``permute(item_i, i)``.

    Position ``i`` is encoded by rotating the item by ``i`` bits, so the same item at two
    positions gives nearly orthogonal terms. ``get(i)`` rotates the bundle back by ``i`` and
    cleans the result up against an item memory; its reliability is :func:`hdc.capacity`
    ``(len(self), dim, m)`` for ``m`` candidates. Sequences concatenate exactly (the counters of
    the second are rotated by the length of the first).

    Parameters
    ----------
    dim : int
        Number of bits, a positive multiple of 64.
    memory : hdc.AssociativeMemory, optional
        Candidate items for cleanup. Default: the sequence's own memory of the items appended,
        labelled by their position.
    random_state : int, numpy Generator or None
        Seeds the tie bits of the majority.

    Notes
    -----
    Thread safety: not safe for concurrent mutation (``append``, ``extend``, ``replace``);
    ``get`` and ``query`` only read and may run concurrently once no thread mutates.

    Examples
    --------
    >>> import hdc
    >>> letters = hdc.AssociativeMemory(4096)
    >>> letters.add(hdc.item_memory(26, 4096, random_state=0), list("abcdefghijklmnopqrstuvwxyz"))
    >>> word = hdc.Sequence(4096, memory=letters, random_state=0)
    >>> word.append(letters.vectors[[7, 4, 11, 11, 14]])              # "hello"
    >>> "".join(word.query([0, 1, 2, 3, 4])[0][:, 0])
    'hello'
    """

    def __init__(
        self, dim: int, memory: AssociativeMemory | None = None, random_state: Any = None
    ) -> None:
        super().__init__(dim, memory, random_state)
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"Sequence(dim={self.dim}, length={len(self)})"

    def _positions(self, positions: Any, name: str = "positions") -> np.ndarray:
        pos = np.asarray(positions)
        if pos.dtype == bool or not np.issubdtype(pos.dtype, np.integer):
            raise TypeError(f"{name} must be an integer or an array of integers, got {positions!r}")
        if pos.size and (pos.min() < 0 or pos.max() >= len(self)):
            raise ValueError(
                f"{name} must lie in [0, {len(self)}) for a sequence of length {len(self)}, "
                f"got values in [{pos.min()}, {pos.max()}]"
            )
        return pos.astype(np.int64)

    def append(self, items: np.ndarray) -> None:
        """Append item(s) ``(W,)`` or ``(n, W)`` at the end, in order."""
        x = _check_vectors(items, "items", self.dim).reshape(-1, self.dim // WORD_BITS)
        positions = np.arange(self._length, self._length + x.shape[0])
        self._bundle.add(permute(x, positions))
        if self._own_memory and x.shape[0]:
            self.memory.add(x, positions)
        self._length += x.shape[0]

    def extend(self, other: Sequence) -> None:
        """Append every position of ``other`` (same dim) after the last one of this sequence.

        Exact on the counters. With the sequence's own memory, the items ``other`` holds in its
        own memory join it (relabelled by their new positions); items of a sequence that cleans
        up against an external memory are not known to it and do not join.
        """
        if not isinstance(other, Sequence):
            raise TypeError(f"other must be an hdc.Sequence, got {type(other).__name__}")
        if other.dim != self.dim:
            raise ValueError(f"other has dim {other.dim}, but this sequence has dim {self.dim}")
        self._bundle._check_editable()
        other._bundle._check_editable()
        if self._own_memory and len(other.memory) and other.memory is not self.memory:
            if other._own_memory:
                self.memory.add(other.memory.vectors, other.memory.labels + self._length)
        self._bundle.roll_in(other._bundle, self._length)
        self._length += other._length

    def __add__(self, other: Sequence) -> Sequence:
        """The concatenation ``self`` then ``other`` as a new sequence."""
        out = Sequence(self.dim, memory=None if self._own_memory else self.memory)
        out._bundle.tie_seed = self._bundle.tie_seed
        out.extend(self)
        out.extend(other)
        return out

    def replace(self, position: int, old: np.ndarray, new: np.ndarray) -> None:
        """Replace the item ``old`` at ``position`` by ``new`` (exact on the counters)."""
        pos = int(self._positions(position, "position"))
        old_ = _check_vectors(old, "old", self.dim)
        new_ = _check_vectors(new, "new", self.dim)
        both = np.stack([old_, new_])
        if both.ndim != 2:
            raise ValueError("old and new must each be one hypervector of shape (W,)")
        self._bundle.add(permute(both, [pos, pos]), np.array([-1, 1]))

    def unbind(self, positions: int | ArrayLike) -> np.ndarray:
        """The noisy item(s) at ``positions`` before cleanup: ``permute(value, -i)``."""
        pos = self._positions(positions)
        if pos.ndim == 0:
            return permute(self.value, -int(pos))
        return permute(self.value, -pos.ravel())


class DistinctSequence:
    """An ordered sequence by binding: ``XOR_i permute(item_i, i)``.

    Exact and of fixed size, but not decodable by cleanup: the result is dissimilar to each of
    its items and to every other sequence that differs in any position, so it serves as a
    distinct identifier of the whole sequence (e.g. an n-gram). An item is recovered only when
    all the others are known: ``unbind`` removes known items exactly.

    Parameters
    ----------
    dim : int
        Number of bits, a positive multiple of 64.

    Notes
    -----
    Thread safety: not safe for concurrent mutation (``append``, ``pop``, ``replace``); reading
    ``value`` is safe from several threads once no thread mutates.

    Examples
    --------
    >>> import numpy as np, hdc
    >>> a, b, c = hdc.item_memory(3, 1024, random_state=0)
    >>> abc = hdc.DistinctSequence(1024)
    >>> abc.append(np.stack([a, b, c]))
    >>> acb = hdc.DistinctSequence(1024)
    >>> acb.append(np.stack([a, c, b]))
    >>> round(float(hdc.similarity(abc.value, acb.value)), 1)
    0.5
    >>> abc.pop(c)
    >>> bool((abc.value == hdc.bind(a, hdc.permute(b, 1))).all())
    True
    """

    def __init__(self, dim: int) -> None:
        self.dim = check_dim(dim)
        self._value = np.zeros(self.dim // WORD_BITS, dtype=np.uint64)
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"DistinctSequence(dim={self.dim}, length={len(self)})"

    @property
    def value(self) -> np.ndarray:
        view = self._value.view()
        view.setflags(write=False)
        return view

    def _xor_at(self, items: np.ndarray, start: int) -> None:
        if items.shape[0]:
            placed = permute(items, np.arange(start, start + items.shape[0]))
            self._value ^= np.bitwise_xor.reduce(placed, axis=0)

    def append(self, items: np.ndarray) -> None:
        """Append item(s) ``(W,)`` or ``(n, W)`` at the end, in order."""
        x = _check_vectors(items, "items", self.dim).reshape(-1, self.dim // WORD_BITS)
        self._xor_at(x, self._length)
        self._length += x.shape[0]

    def pop(self, item: np.ndarray) -> None:
        """Remove the last item, which must be given (binding is undone by binding again)."""
        if self._length == 0:
            raise ValueError("pop from an empty sequence")
        x = _check_vectors(item, "item", self.dim)
        if x.ndim != 1:
            raise ValueError(f"item must be one hypervector of shape (W,), got shape {x.shape}")
        self._length -= 1
        self._xor_at(x[None], self._length)

    def replace(self, position: int, old: np.ndarray, new: np.ndarray) -> None:
        """Replace the item ``old`` at ``position`` by ``new``."""
        if isinstance(position, bool) or not isinstance(position, numbers.Integral):
            raise TypeError(f"position must be an integer, got {position!r}")
        if not 0 <= position < self._length:
            raise ValueError(f"position must lie in [0, {self._length}), got {position}")
        x = bind(_check_vectors(old, "old", self.dim), _check_vectors(new, "new", self.dim))
        if x.ndim != 1:
            raise ValueError("old and new must each be one hypervector of shape (W,)")
        self._xor_at(x[None], int(position))

    def unbind(self, known: np.ndarray, positions: int | ArrayLike) -> np.ndarray:
        """The value with the ``known`` items at ``positions`` bound out (exactly).

        With every item but one removed, the result is that item rotated to its position;
        ``permute(result, -i)`` returns it.
        """
        x = _check_vectors(known, "known", self.dim).reshape(-1, self.dim // WORD_BITS)
        pos = np.atleast_1d(np.asarray(positions))
        if pos.dtype == bool or not np.issubdtype(pos.dtype, np.integer):
            raise TypeError(f"positions must be integers, got {positions!r}")
        if pos.shape != (x.shape[0],):
            raise ValueError(f"positions must hold one position per known item ({x.shape[0]})")
        if pos.size and (pos.min() < 0 or pos.max() >= self._length):
            raise ValueError(f"positions must lie in [0, {self._length})")
        if x.shape[0] == 0:
            return self._value.copy()
        return self._value ^ np.bitwise_xor.reduce(permute(x, pos.astype(np.int64)), axis=0)


def ngrams(items: np.ndarray, n: int) -> np.ndarray:
    """The sliding n-gram windows of a sequence of items, each bound into one hypervector.

    Window ``t`` is ``XOR_j permute(items[t + j], n - 1 - j)`` for ``j < n``: order-sensitive,
    dissimilar to its items and to other windows. Bundle the windows (e.g. in a
    :class:`Multiset`) for the classic n-gram profile of a text.

    Parameters
    ----------
    items : numpy.ndarray of uint64, shape ``(L, W)``
        The sequence, in order.
    n : int >= 1
        Window length; at most ``L``.

    Returns
    -------
    numpy.ndarray of uint64, shape ``(L - n + 1, W)``

    Examples
    --------
    >>> import hdc
    >>> letters = hdc.item_memory(5, 1024, random_state=0)
    >>> grams = hdc.ngrams(letters, 3)
    >>> grams.shape
    (3, 16)
    >>> a, b, c = letters[:3]
    >>> first = hdc.bind(hdc.bind(hdc.permute(a, 2), hdc.permute(b, 1)), c)
    >>> bool((grams[0] == first).all())
    True
    """
    x = as_hypervectors(items, "items", ndim=(2,))
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an integer >= 1, got {n!r}")
    if not 1 <= n <= x.shape[0]:
        raise ValueError(f"n must lie in [1, {x.shape[0]}] (the number of items), got {n}")
    n_windows = x.shape[0] - n + 1
    out = x[n - 1 : n - 1 + n_windows].copy()
    for j in range(n - 1):
        out ^= permute(x[j : j + n_windows], n - 1 - j)
    return out


# ------------------------------------------------------------------------------------ Graph
class Graph(_Bundled):
    """A graph over a fixed set of node hypervectors: the bundle of its edges.

    An undirected edge ``{a, b}`` is ``bind(a, b)``; a directed edge ``a -> b`` is
    ``bind(a, permute(b, 1))``, so that the direction survives. ``neighbours`` unbinds a node
    from the bundle and compares the result with every node (one Hamming call for a batch of
    nodes); ``has_edge`` compares encoded edges with the bundle. Both decide by a similarity
    threshold, by default halfway between 0.5 and :func:`hdc.member_similarity`
    ``(n_edges + 1)``, with the error rates of :func:`hdc.membership_error` ``(n_edges + 1,
    dim)``.

    Parameters
    ----------
    nodes : numpy.ndarray of uint64, shape ``(n_nodes, W)``
        One hypervector per node (e.g. from :func:`hdc.item_memory`); nodes are referred to by
        their row index.
    directed : bool
        Whether edges have a direction.
    random_state : int, numpy Generator or None
        Seeds the tie bits of the majority.

    Notes
    -----
    The bundle holds the edges and one fixed random term. Without it, a majority of an odd
    number ``n`` of terms is exactly as similar (``n % 4 == 1``) or dissimilar (``n % 4 == 3``)
    to the XOR of all ``n`` terms as to a member (the top Fourier coefficient of the majority
    function equals the first), and the XOR of all undirected edges is ``bind(u, v)`` whenever
    ``u`` and ``v`` are the only nodes of odd degree (a path from ``u`` to ``v``, for one): a
    phantom edge ``u - v`` as strong as a real one. With the extra term that XOR is random, and
    every other XOR of edges has a correlation of at most about ``1 / n`` of a member's. A
    member's expected similarity is :func:`hdc.member_similarity` ``(n_edges + 1)``.

    The error rates assume independent edge terms, as in a forest. An edge on an even cycle
    (a square: ``a-b, b-c, c-d, d-a``) is the XOR of the cycle's other edges and loses
    similarity: a square alone gives 0.625 instead of 0.6875 (docs/symbolic.md, "Cycles").

    Undirected self-loops are refused (``bind(a, a)`` is the zero vector, the same for every
    node). Thread safety: not safe for concurrent mutation (``add_edges``, ``remove_edges``);
    queries only read and may run concurrently once no thread mutates.

    Examples
    --------
    >>> import hdc
    >>> nodes = hdc.item_memory(6, 4096, random_state=0)
    >>> g = hdc.Graph.from_edges([[0, 1], [0, 2], [3, 4]], nodes, random_state=0)
    >>> g.neighbours(0).nonzero()[0].tolist()
    [1, 2]
    >>> g.has_edge([1, 2, 3], [0, 4, 5]).tolist()
    [True, False, False]
    """

    def __init__(self, nodes: np.ndarray, directed: bool = False, random_state: Any = None) -> None:
        x = as_hypervectors(nodes, "nodes", ndim=(2,))
        if x.shape[0] == 0:
            raise ValueError("nodes is empty: a graph needs at least one node")
        if not isinstance(directed, (bool, np.bool_)):
            raise TypeError(f"directed must be a bool, got {directed!r}")
        self.nodes = x
        self.dim = x.shape[1] * WORD_BITS
        self.directed = bool(directed)
        rng = check_random_state(random_state)
        self._bundle = _Bundle(self.dim, rng)
        # one fixed random term bundled with the edges: see the class notes
        self._bundle.add(rng.integers(0, 2**64, size=self.dim // WORD_BITS, dtype=np.uint64))

    @classmethod
    def from_edges(
        cls, edges: ArrayLike, nodes: np.ndarray, directed: bool = False, random_state: Any = None
    ) -> Graph:
        """A graph with the edges ``(edges[i, 0], edges[i, 1])`` (node indices)."""
        graph = cls(nodes, directed=directed, random_state=random_state)
        pairs = np.asarray(edges)
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError(f"edges must have shape (n_edges, 2), got shape {pairs.shape}")
        graph.add_edges(pairs[:, 0], pairs[:, 1])
        return graph

    def __len__(self) -> int:
        return self._bundle.total - 1

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"Graph({kind}, n_nodes={self.nodes.shape[0]}, n_edges={len(self)})"

    def _indices(self, index: Any, name: str) -> np.ndarray:
        idx = np.asarray(index)
        if idx.dtype == bool or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"{name} must be node indices (integers), got {index!r}")
        n = self.nodes.shape[0]
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(
                f"{name} must be node indices in [0, {n}), got values in [{idx.min()}, {idx.max()}]"
            )
        return idx.astype(np.int64)

    def encode_edges(self, sources: ArrayLike, targets: ArrayLike) -> np.ndarray:
        """The hypervectors ``(k, W)`` of the edges ``sources[i] -> targets[i]``."""
        src = np.atleast_1d(self._indices(sources, "sources"))
        dst = np.atleast_1d(self._indices(targets, "targets"))
        if src.shape != dst.shape or src.ndim != 1:
            raise ValueError(
                f"sources and targets must be 1-D and of equal length, got {src.shape} and "
                f"{dst.shape}"
            )
        if not self.directed and np.any(src == dst):
            raise ValueError(
                "undirected self-loops cannot be encoded (bind(a, a) is the zero vector); "
                f"sources and targets are equal at positions {np.flatnonzero(src == dst)[:5]}"
            )
        second = self.nodes[dst] if not self.directed else permute(self.nodes[dst], 1)
        return bind(self.nodes[src], second)

    def add_edges(self, sources: ArrayLike, targets: ArrayLike) -> None:
        """Add the edges ``sources[i] -> targets[i]`` (node indices; ints or 1-D arrays)."""
        self._bundle.add(self.encode_edges(sources, targets))

    def remove_edges(self, sources: ArrayLike, targets: ArrayLike) -> None:
        """Remove the edges ``sources[i] -> targets[i]``: the exact inverse of add_edges."""
        edges = self.encode_edges(sources, targets)
        self._bundle.add(edges, -np.ones(edges.shape[0], dtype=np.int64))

    def _threshold(self, threshold: Any) -> float:
        if threshold is None:
            return _default_threshold(len(self) + 1, self.dim)
        return _check_threshold(threshold)

    def edge_similarity(self, sources: ArrayLike, targets: ArrayLike) -> np.ndarray:
        """Similarity of each encoded edge to the graph (one Hamming kernel call)."""
        return _similarity(self.encode_edges(sources, targets), self.value[None], self.dim)[:, 0]

    def has_edge(
        self, sources: ArrayLike, targets: ArrayLike, threshold: float | None = None
    ) -> bool | np.ndarray:
        """Whether each edge ``sources[i] -> targets[i]`` is in the graph (similarity test)."""
        t = self._threshold(threshold)
        edges = self.encode_edges(sources, targets)
        present = _within(edges, self.value[None], t, self.dim)[:, 0] & (len(self) > 0)
        return bool(present[0]) if np.ndim(sources) == 0 else present

    def _neighbourhoods(self, nodes: ArrayLike, direction: str) -> np.ndarray:
        """The unbound neighbourhood ``(k, W)`` of each node, to compare with every node."""
        if direction not in ("out", "in"):
            raise ValueError(f"direction must be 'out' or 'in', got {direction!r}")
        idx = np.atleast_1d(self._indices(nodes, "nodes")).ravel()
        query = self.nodes[idx]
        if self.directed and direction == "out":
            return permute(bind(self.value, query), -1)
        if self.directed:
            return bind(self.value, permute(query, 1))
        return bind(self.value, query)

    def neighbour_similarity(self, nodes: ArrayLike, direction: str = "out") -> np.ndarray:
        """Similarity ``(k, n_nodes)`` of every node to the neighbourhood of each given node.

        ``direction`` (directed graphs): ``"out"`` for the targets of edges leaving the node,
        ``"in"`` for the sources of edges entering it; ignored for undirected graphs.
        """
        return _similarity(self._neighbourhoods(nodes, direction), self.nodes, self.dim)

    def neighbours(
        self, nodes: ArrayLike, direction: str = "out", threshold: float | None = None
    ) -> np.ndarray:
        """Boolean adjacency rows: ``(k, n_nodes)`` for k node indices, ``(n_nodes,)`` for one.

        Node ``j`` is a neighbour of node ``i`` when its similarity to ``i``'s unbound
        neighbourhood reaches ``threshold`` (see :meth:`neighbour_similarity`).
        """
        if direction not in ("out", "in"):
            raise ValueError(f"direction must be 'out' or 'in', got {direction!r}")
        t = self._threshold(threshold)
        n = self.nodes.shape[0]
        idx = np.atleast_1d(self._indices(nodes, "nodes")).ravel()
        if not self.directed and n * n <= _SYMMETRIC_CELLS and 2 * np.unique(idx).size >= n:
            # popcount(value ^ node_i ^ node_j) is symmetric: every pair once, for all nodes
            if len(self) > 0:
                full = _within_symmetric(bind(self.value, self.nodes), self.nodes,
                                         _max_distance(t, self.dim))
            else:
                full = np.zeros((n, n), dtype=bool)
            rows = full if np.array_equal(idx, np.arange(n)) else full[idx]
        else:
            probes = self._neighbourhoods(idx, direction)
            rows = _within(probes, self.nodes, t, self.dim) & (len(self) > 0)
        return rows[0] if np.ndim(nodes) == 0 else rows


# ------------------------------------------------------------------------------------ analogy
def _as_value(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (HashTable, Multiset, Sequence, Graph, DistinctSequence)):
        return x.value
    return as_hypervectors(x, name)


def analogy(
    source: Any, target: Any, query: np.ndarray, memory: AssociativeMemory, k: int = 1
) -> tuple[Any, Any]:
    """Answer "``query`` is to ``source`` as what is to ``target``?" by binding and cleanup.

    The mapping ``bind(source, target)`` turns the fillers of ``source`` into the fillers of
    ``target`` that play the same role (Kanerva 2010, "What we mean when we say 'What's the
    dollar of Mexico?'"); binding ``query`` with it and cleaning up against ``memory`` gives the
    answer. Needs records of a few pairs each: the answer carries the noise of both records.

    Parameters
    ----------
    source, target : numpy.ndarray of uint64, shape ``(W,)``, or a structure (its ``value``)
        E.g. the records of two countries (:class:`HashTable`).
    query : numpy.ndarray of uint64, shape ``(W,)`` or ``(n, W)``
        Filler(s) of ``source`` to map.
    memory : hdc.AssociativeMemory
        Candidate answers with their labels.
    k : int
        Number of candidates returned per query, best first.

    Returns
    -------
    labels, similarities : as :meth:`hdc.AssociativeMemory.query`

    Examples
    --------
    >>> import hdc
    >>> dim = 10240
    >>> name, capital, currency = hdc.item_memory(3, dim, random_state=0)
    >>> words = ["USA", "Washington", "dollar", "Mexico", "Mexico City", "peso"]
    >>> fillers = hdc.AssociativeMemory(dim)
    >>> fillers.add(hdc.item_memory(6, dim, random_state=1), words)
    >>> v = dict(zip(words, fillers.vectors))
    >>> usa = hdc.HashTable.from_pairs(hdc.item_memory(3, dim, random_state=0),
    ...                                fillers.vectors[:3], memory=fillers)
    >>> mexico = hdc.HashTable.from_pairs(hdc.item_memory(3, dim, random_state=0),
    ...                                   fillers.vectors[3:], memory=fillers)
    >>> labels, sims = hdc.analogy(usa, mexico, v["dollar"], fillers)
    >>> labels[0]
    'peso'
    """
    if not isinstance(memory, AssociativeMemory):
        raise TypeError(f"memory must be an hdc.AssociativeMemory, got {type(memory).__name__}")
    a = _as_value(source, "source")
    b = _as_value(target, "target")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("source and target must each be one hypervector of shape (W,)")
    q = _check_vectors(query, "query", a.shape[0] * WORD_BITS)
    mapping = bind(a, b)
    return memory.query(bind(mapping, q), k=k)
