"""Hamming distance and similarity between packed hypervectors (popcount of XOR)."""

from __future__ import annotations

import numpy as np

from hdc import _kernels
from hdc._parallel import CHUNK_WORDS, run_columns, run_rows
from hdc._validation import WORD_BITS, as_hypervectors, check_same_width

__all__ = ["hamming", "similarity"]


#: Fewest rows of a chunk of the distance matrix (below: the tiles' blocks are reused little).
MIN_CHUNK_ROWS = 32


def query_chunk_rows(n_rows: int, words_per_row: int) -> int:
    """Rows of a chunk of about ``4 * CHUNK_WORDS`` word comparisons (the tiled kernel compares
    several words per nanosecond: a chunk of a fraction of a millisecond), a multiple of 4 and
    at least ``MIN_CHUNK_ROWS``, so that the tiled kernel has whole tiles and reuses its cache
    blocks."""
    rows = max(MIN_CHUNK_ROWS, 4 * CHUNK_WORDS // max(1, words_per_row))
    return min(n_rows, rows - rows % 4)


def hamming_rows(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out (nA, nB) = Hamming distances of the validated C-contiguous batches a and b.

    Chunks of rows of the longer batch (:func:`query_chunk_rows`; of the stored rows, as
    blocks of columns, when there are fewer queries) are claimed by the workers of
    :func:`hdc._parallel.run_chunks`; each chunk runs the single-threaded kernel of
    :func:`hdc._kernels.hamming_matrix` (tiled for enough rows and words).
    """
    n_a, n_b, n_words = a.shape[0], b.shape[0], a.shape[1]
    if n_a >= n_b or n_a >= 4 * MIN_CHUNK_ROWS:
        rows = query_chunk_rows(n_a, n_b * n_words)
        run_rows(lambda s, e, dest: _kernels.hamming_matrix(a[s:e], b, dest), out, rows)
        return
    # more stored rows than queries: chunks of stored rows, as blocks of columns of out
    run_columns(lambda s, e, dest: _kernels.hamming_matrix(a, b[s:e], dest), out,
                query_chunk_rows(n_b, n_a * n_words))


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray | np.int64:
    """Number of differing bits between every vector of ``a`` and every vector of ``b``.

    Parameters
    ----------
    a : numpy.ndarray of uint64, shape ``(nA, W)`` or ``(W,)``
    b : numpy.ndarray of uint64, shape ``(nB, W)`` or ``(W,)``

    Returns
    -------
    numpy.ndarray of int64, shape ``a.shape[:-1] + b.shape[:-1]``
        A distance matrix ``(nA, nB)`` for two batches, a row ``(nB,)`` for a vector against a
        batch, a scalar for two vectors.

    Examples
    --------
    >>> import hdc
    >>> a = hdc.random(3, 512, random_state=0)
    >>> hdc.hamming(a, a).diagonal().tolist()
    [0, 0, 0]
    """
    x = as_hypervectors(a, "a")
    y = as_hypervectors(b, "b")
    check_same_width(x, y, "a", "b")
    xa = x.reshape(-1, x.shape[-1])
    yb = y.reshape(-1, y.shape[-1])
    out = np.empty((xa.shape[0], yb.shape[0]), dtype=np.int64)
    if out.size:
        hamming_rows(xa, yb, out)
    out = out.reshape(x.shape[:-1] + y.shape[:-1])
    return out[()] if out.ndim == 0 else out


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray | np.float64:
    """Normalised Hamming similarity ``1 - hamming(a, b) / dim``, in ``[0, 1]``.

    Unrelated random vectors have similarity close to 0.5; identical vectors 1.

    Examples
    --------
    >>> import hdc
    >>> x = hdc.random(None, 1024, random_state=0)
    >>> float(hdc.similarity(x, x))
    1.0
    """
    d = hamming(a, b)
    dim = np.shape(a)[-1] * WORD_BITS
    return 1.0 - np.asarray(d, dtype=np.float64) / dim if np.ndim(d) else 1.0 - float(d) / dim
