"""Factorization of bound products: a resonator network, and exhaustive search to compare.

Given ``s = bind(x_1, ..., x_F)`` with each ``x_f`` drawn from a known codebook ``X_f``, find
the factors. Exhaustive search tries all ``M_1 * ... * M_F`` combinations; a resonator network
(Frady, Kent, Olshausen & Sommer 2020, "Resonator networks, 1: An efficient solution for
factoring high-dimensional, distributed representations of data structures", Neural
Computation 32(12)) searches them in superposition: each factor's estimate is updated by
unbinding the other estimates from ``s`` and cleaning the result up in its codebook,

    x_f <- sign( X_f X_f^T (s * prod_{g != f} x_g) ),

with bipolar vectors (bit 0 = +1, bit 1 = -1; XOR is the product). The cleanup is the
similarity-weighted superposition of the codebook followed by the sign, i.e. a weighted majority;
here it is exact (of the similarities rounded to ``weight_bits`` significant bits, or of the
similarities themselves with ``weight_bits=None``), computed on packed words (bit-sliced
counters fed by carry-save adder trees, one row per nonzero digit of its weight in non-adjacent
form), with a shortcut when one codevector's weight exceeds all the others together (then the
result is that codevector).
Factors update in turn, each using the newest estimates of the others; the decoded factors are
tested against ``s`` after every factor's similarities, so a solved problem stops before its
next cleanup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hdc import _resonator_kernels
from hdc._parameters import Integer, check_value
from hdc._validation import WORD_BITS, as_hypervectors, check_count, check_random_state
from hdc.bundling import bundle
from hdc.similarity import hamming

__all__ = ["Factorization", "Resonator", "exhaustive_factorize"]

# Rows of partial products held at a time by the exhaustive search.
_EXHAUSTIVE_CHUNK_WORDS = 1 << 22


def _check_codebooks(codebooks: Any) -> list[np.ndarray]:
    if isinstance(codebooks, np.ndarray) or not isinstance(codebooks, Sequence):
        raise TypeError(
            "codebooks must be a list of packed arrays, one (M_f, W) codebook per factor, "
            f"got {type(codebooks).__name__}"
        )
    if len(codebooks) < 2:
        raise ValueError(
            f"codebooks must hold at least 2 codebooks (factors), got {len(codebooks)}"
        )
    books = [as_hypervectors(c, f"codebooks[{f}]", ndim=(2,)) for f, c in enumerate(codebooks)]
    for f, book in enumerate(books):
        if book.shape[0] == 0:
            raise ValueError(f"codebooks[{f}] is empty: every factor needs at least one codevector")
        if book.shape[1] != books[0].shape[1]:
            raise ValueError(
                f"codebooks[{f}] has {book.shape[1]} words per vector but codebooks[0] has "
                f"{books[0].shape[1]}: all codebooks must have the same dim"
            )
    return books


def _check_products(products: Any, n_words: int) -> np.ndarray:
    s = as_hypervectors(products, "products")
    if s.shape[-1] != n_words:
        raise ValueError(
            f"products have {s.shape[-1]} words per vector (dim {s.shape[-1] * WORD_BITS}) but "
            f"the codebooks have {n_words} (dim {n_words * WORD_BITS})"
        )
    return s


@dataclass(frozen=True)
class Factorization:
    """The result of :meth:`Resonator.factorize` for a batch of products.

    Attributes
    ----------
    indices : numpy.ndarray of int64, shape ``(n, F)``
        Index of the decoded codevector of each factor.
    iterations : numpy.ndarray of int64, shape ``(n,)``
        Sweeps over all factors until the network stopped (at most ``max_iter``).
    converged : numpy.ndarray of bool, shape ``(n,)``
        Whether the network stopped at a solution (the decoded factors bind to the product
        exactly) or at a fixed point of its dynamics, rather than at ``max_iter``.
    restarts : numpy.ndarray of int64, shape ``(n,)``
        Limit cycles detected and escaped by a random restart.
    """

    indices: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    restarts: np.ndarray


class Resonator:
    """A resonator network that factorizes XOR-bound products over given codebooks.

    Parameters
    ----------
    codebooks : list of numpy.ndarray of uint64, each ``(M_f, W)``
        One codebook per factor (2 or more factors; products of 2 to 4 are the tested range).
    max_iter : int
        Maximum number of sweeps (each sweep updates every factor once).
    history : int
        Number of past states remembered to detect a limit cycle. The bipolar resonator with
        outer-product cleanup need not converge (Kent, Frady, Sommer & Olshausen 2020,
        "Resonator networks, 2", Neural Computation 32(12)): it can wander or fall into a cycle.
        A state seen within the last ``history`` sweeps that is not a fixed point is a cycle; the
        network then restarts from random estimates (counted in ``restarts``); 0 turns the
        detection off. Exact ties of the weighted sum are broken by fresh random bits at every
        update.
    random_state : int, numpy Generator or None
        Seeds the tie bits of the initial estimates and the random streams of the problems
        (one stream per product, so results do not depend on the number of threads).
    weight_bits : int or None
        The similarities of each cleanup are rounded to ``weight_bits`` (1 to 32) significant
        bits of the largest one before the weighted majority, which is otherwise exact: a
        slightly different network, whose majorities add each codevector at most about
        ``weight_bits / 2`` times instead of once per nonzero digit of a 13-bit weight. The
        default, 2, was chosen on the whole resonator benchmark (accuracy and speed against
        exact weights: docs/symbolic.md, "Quantised cleanup weights"). None weights every
        codevector by its exact similarity (the network of Frady et al.).

    Attributes
    ----------
    codebooks : list of numpy.ndarray
    initial : numpy.ndarray of uint64, shape ``(F, W)``
        The initial estimates: the majority of each codebook (all candidates in superposition).

    Notes
    -----
    Cost per sweep: for each factor one Hamming pass over its codebook and one weighted majority
    of it (bit-sliced, skipped when one codevector dominates), all in one compiled kernel; a
    batch of products runs in parallel, one product per thread. A weighted majority adds each
    row once per nonzero digit of its weight: with exact weights (13 bits at dim 8,192) it costs
    several Hamming passes and is most of the time with 32-row codebooks; with the default
    2-bit weights each row is added at most twice, and (up to 32, 16 and 8 rows at the three
    digit levels) all are added and compared in one pass over the words. Passes and majorities
    bound the speed-up over exhaustive search (``M**F`` distances) near
    ``M**(F - 1) / (passes + c * majorities)`` (see docs/symbolic.md).

    Thread safety: ``factorize`` draws the seeds of its products from the instance's generator;
    calls from several threads at once are safe in CPython but the seeds they draw then depend
    on their order. Use one instance per thread for reproducible results.

    Examples
    --------
    >>> import numpy as np, hdc
    >>> books = [hdc.item_memory(32, 8192, random_state=f) for f in range(3)]
    >>> truth = np.array([[3, 14, 15], [9, 26, 5]])
    >>> products = books[0][truth[:, 0]] ^ books[1][truth[:, 1]] ^ books[2][truth[:, 2]]
    >>> result = hdc.Resonator(books, random_state=0).factorize(products)
    >>> result.indices.tolist(), result.converged.tolist()
    ([[3, 14, 15], [9, 26, 5]], [True, True])
    """

    #: what a saved resonator whose file has no ``weight_bits`` loads with: exact weights, the
    #: only kind such a file can hold
    weight_bits: int | None = None

    def __init__(
        self,
        codebooks: Sequence[np.ndarray],
        max_iter: int = 100,
        history: int = 32,
        random_state: Any = None,
        weight_bits: int | None = 2,
    ) -> None:
        self.codebooks = _check_codebooks(codebooks)
        self.max_iter = check_count(max_iter, "max_iter", minimum=1)
        self.history = check_count(history, "history", minimum=0)
        self.weight_bits = None if weight_bits is None else int(
            check_value(weight_bits, "weight_bits", Integer(1, 32)))
        self._rng = check_random_state(random_state)
        self.initial = np.stack([bundle(book, random_state=self._rng) for book in self.codebooks])
        self._stacked = np.ascontiguousarray(np.concatenate(self.codebooks))
        sizes = [book.shape[0] for book in self.codebooks]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # rows, complements and a zero row of every codebook, for the weighted majorities
        self._pools = np.ascontiguousarray(
            np.concatenate([_resonator_kernels.signed_pool(book) for book in self.codebooks])
        )
        self._pool_offsets = np.concatenate([[0], np.cumsum([2 * m + 1 for m in sizes])]).astype(
            np.int64
        )

    def __repr__(self) -> str:
        sizes = "x".join(str(b.shape[0]) for b in self.codebooks)
        dim = self.codebooks[0].shape[1] * WORD_BITS
        bits = "" if self.weight_bits is None else f", weight_bits={self.weight_bits}"
        return f"Resonator(codebooks={sizes}, dim={dim}, max_iter={self.max_iter}{bits})"

    def factorize(self, products: np.ndarray) -> Factorization:
        """Factorize each product into one codevector per codebook.

        Parameters
        ----------
        products : numpy.ndarray of uint64, shape ``(W,)`` or ``(n, W)``

        Returns
        -------
        Factorization
            For one product, ``indices`` has shape ``(F,)`` and the other fields are scalars.
        """
        s = _check_products(products, self._stacked.shape[1])
        batch = s.reshape(-1, s.shape[-1])
        n, n_factors = batch.shape[0], len(self.codebooks)
        indices = np.zeros((n, n_factors), dtype=np.int64)
        iterations = np.zeros(n, dtype=np.int64)
        converged = np.zeros(n, dtype=bool)
        restarts = np.zeros(n, dtype=np.int64)
        seeds = self._rng.integers(0, 2**64, size=n, dtype=np.uint64)
        if n:
            _resonator_kernels.resonate(
                batch,
                self._stacked,
                self._offsets,
                self._pools,
                self._pool_offsets,
                self.initial,
                self.max_iter,
                self.history,
                0 if self.weight_bits is None else self.weight_bits,
                seeds,
                indices,
                iterations,
                converged,
                restarts,
            )
        if s.ndim == 1:
            return Factorization(indices[0], iterations[0], converged[0], restarts[0])
        return Factorization(indices, iterations, converged, restarts)


def exhaustive_factorize(
    products: np.ndarray, codebooks: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Exact factorization by trying every combination of codevectors.

    For each product ``s``, all partial products ``s ^ x_1 ^ ... ^ x_{F-1}`` (over the first
    ``F - 1`` codebooks, in chunks) are compared with the last codebook in one Hamming kernel
    call per chunk; the combination at the smallest Hamming distance wins (first found on ties).
    Cost: ``M_1 * ... * M_F`` popcounts of ``W`` words per product.

    Parameters
    ----------
    products : numpy.ndarray of uint64, shape ``(W,)`` or ``(n, W)``
    codebooks : list of numpy.ndarray of uint64, each ``(M_f, W)``

    Returns
    -------
    indices : numpy.ndarray of int64, shape ``(n, F)`` (``(F,)`` for one product)
    distances : numpy.ndarray of int64, shape ``(n,)`` (scalar for one product)
        Hamming distance between the product and the binding of the found factors.

    Examples
    --------
    >>> import hdc
    >>> books = [hdc.item_memory(8, 1024, random_state=f) for f in range(3)]
    >>> s = books[0][1] ^ books[1][2] ^ books[2][3]
    >>> indices, distance = hdc.resonator.exhaustive_factorize(s, books)
    >>> indices.tolist(), int(distance)
    ([1, 2, 3], 0)
    """
    books = _check_codebooks(codebooks)
    s = _check_products(products, books[0].shape[1])
    batch = s.reshape(-1, s.shape[-1])
    sizes = [b.shape[0] for b in books]
    n_words = batch.shape[1]
    # all combinations of the first F - 1 codebooks, XORed together once for every product
    partial = books[0]
    for book in books[1:-1]:
        partial = (partial[:, None, :] ^ book[None, :, :]).reshape(-1, n_words)
    n_partial = partial.shape[0]
    chunk = max(1, _EXHAUSTIVE_CHUNK_WORDS // n_words)
    indices = np.zeros((batch.shape[0], len(books)), dtype=np.int64)
    distances = np.zeros(batch.shape[0], dtype=np.int64)
    for i, product in enumerate(batch):
        best, best_at = np.iinfo(np.int64).max, 0
        for start in range(0, n_partial, chunk):
            d = hamming(partial[start : start + chunk] ^ product, books[-1])
            at = int(np.argmin(d))
            if d.flat[at] < best:
                best, best_at = int(d.flat[at]), start * sizes[-1] + at
        indices[i] = np.unravel_index(best_at, sizes)
        distances[i] = best
    if s.ndim == 1:
        return indices[0], distances[0]
    return indices, distances
