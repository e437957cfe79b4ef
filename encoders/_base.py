"""Shared machinery of hdkit's encoders: dim rounding, batch sizes, chunked transforms, progress.

Every encoder is a scikit-learn transformer whose ``transform`` returns packed ``uint64``
hypervectors of shape ``(n, dim_ // 64)``. :class:`BaseEncoder` gives them

- :meth:`BaseEncoder._resolve_dim`: any positive ``dim`` is accepted and rounded up to a multiple
  of 64 (the value used is stored in ``dim_``);
- :meth:`BaseEncoder._check_params`: the parameters checked against the encoder's
  ``_parameter_rules`` (:mod:`hdc._parameters`), which start from :data:`SHARED_RULES`;
  :meth:`BaseEncoder._check_batch_size`, :meth:`BaseEncoder._check_verbose` return the
  ``batch_size`` and ``verbose`` values to use;
- :meth:`BaseEncoder._transform_in_batches`: the output array is allocated once (packed, ``n x dim
  / 8`` bytes) and filled ``batch_size`` rows at a time by an encoder-specific function, so the
  temporaries of an encoder never grow with ``n``; ``verbose`` shows a tqdm progress bar;
- :func:`check_packed_output`: the contract every encoder's output must meet;
- Dask: every subclass's ``transform`` also accepts a Dask array (or DataFrame / Series) and
  then returns a lazy Dask array of packed hypervectors, encoded block by block with
  ``map_blocks`` (see :func:`is_dask_collection`).

Subclasses implement ``_encode_batch(X_batch, out_batch)`` and call the helpers from ``fit`` and
``transform``.

Fitting from mergeable statistics
---------------------------------
An encoder whose ``fit`` needs only statistics that merge exactly over partitions of the rows
(a minimum, a maximum, a count, a set of categories, the rows of a sample fixed in advance) can
be fitted on data that never sits whole in one place: :meth:`hdc.HDClassifier.fit` on a Dask
collection (:mod:`hdc.distributed`) uses it. Such an encoder implements

- ``_fits_from_statistics() -> bool``: True when the current parameters allow it (the base
  class says False);
- ``_statistics_plan(n_rows, n_columns) -> plan``: what is fixed before the data is read
  (e.g. which rows are sampled), a function of the table's shape and the encoder's random
  state only;
- ``_partition_statistics(X, first_row, plan)``: the statistics of one partition ``X`` whose
  first row is row ``first_row`` of the whole (it may have no rows), a function of ``X``,
  ``first_row``, the plan and the parameters only;
- ``_merge_statistics(a, b)``: the statistics of two consecutive partitions together, ``a``
  the earlier rows; exact, whatever the grouping;
- ``_fit_from_statistics(statistics, plan) -> self``: fit as ``fit(X)`` would on all the rows.

The table encoders (:class:`encoders.RecordEncoder`, :class:`encoders.TableRFFEncoder`,
:class:`encoders.TableEncoder`) implement it in :mod:`encoders._table_fit`, where ``fit`` is
the one-partition case of the protocol.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from hdc._parameters import Integer, Verbose, check_params, check_value
from hdc._progress import progress
from hdc._validation import WORD_BITS, check_memory, check_verbose, is_dask_collection

__all__ = [
    "SHARED_RULES",
    "BaseEncoder",
    "check_packed_output",
    "is_dask_collection",
    "round_dim",
]

#: rules of the parameters every encoder has (each encoder's ``_parameter_rules`` add theirs)
SHARED_RULES = {"dim": Integer(1), "batch_size": Integer(1), "verbose": Verbose()}


def _transform_dask(encoder: Any, X: Any, transform: Callable) -> Any:
    """Lazily encode a Dask collection block by block; rows keep their chunks."""
    if hasattr(X, "to_dask_array"):
        X = X.to_dask_array(lengths=True)
    if not hasattr(encoder, "dim_"):
        raise ValueError(f"{type(encoder).__name__} must be fitted before transform")
    chunks = (X.chunks[0], (encoder.dim_ // WORD_BITS,))
    if X.ndim == 1:  # texts or feature sets: one hypervector per item
        return X.map_blocks(
            lambda block: transform(encoder, list(block)), new_axis=1, chunks=chunks,
            dtype=np.uint64,
        )
    if X.ndim != 2:
        raise ValueError(f"X must be 1-D (items) or 2-D (samples x features), got {X.shape}")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X.map_blocks(lambda block: transform(encoder, block), chunks=chunks, dtype=np.uint64)


def _dask_aware(transform: Callable) -> Callable:
    @functools.wraps(transform)
    def wrapper(self, X, *args, **kwargs):
        if is_dask_collection(X):
            return _transform_dask(self, X, transform)
        return transform(self, X, *args, **kwargs)

    return wrapper


def round_dim(dim: Any, name: str = "dim") -> int:
    """Return ``dim`` rounded up to a multiple of 64 after checking it is a positive integer.

    Examples
    --------
    >>> round_dim(10000)
    10048
    """
    dim = int(check_value(dim, name, Integer(1)))
    return -(-dim // WORD_BITS) * WORD_BITS


def check_batch_size(batch_size: Any, name: str = "batch_size") -> int:
    """Return ``batch_size`` as an int >= 1 (rows processed at a time)."""
    return int(check_value(batch_size, name, Integer(1)))


def check_packed_output(out: np.ndarray, n: int, dim: int) -> np.ndarray:
    """Check an encoder's output: C-contiguous ``uint64`` of shape ``(n, dim // 64)``."""
    if not isinstance(out, np.ndarray) or out.dtype != np.uint64:
        raise AssertionError(f"encoder output must be a uint64 array, got {type(out).__name__}")
    if out.shape != (n, dim // WORD_BITS) or not out.flags.c_contiguous:
        raise AssertionError(
            f"encoder output must be C-contiguous of shape {(n, dim // WORD_BITS)}, got {out.shape}"
        )
    return out


class BaseEncoder(TransformerMixin, BaseEstimator):
    """Base class of the encoders: chunked transform into packed hypervectors.

    Subclasses define ``_encode_batch(X_batch, out_batch)`` writing ``len(X_batch)`` packed
    hypervectors into ``out_batch`` (a view of the final output) and set ``dim_`` in ``fit``.
    Parameters ``batch_size`` and ``verbose`` are read from the subclass.
    """

    #: rows per batch when the subclass has no ``batch_size`` parameter
    _default_batch_size = 1024
    #: what each parameter accepts, checked by :meth:`_check_params`
    _parameter_rules: dict = SHARED_RULES

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "transform" in cls.__dict__:
            cls.transform = _dask_aware(cls.__dict__["transform"])

    def _fits_from_statistics(self) -> bool:
        """Whether this encoder can be fitted from mergeable statistics (see the module doc)."""
        return False

    def _check_params(self) -> None:
        check_params(self, self._parameter_rules)

    def _resolve_dim(self) -> int:
        return round_dim(self.dim)

    def _check_batch_size(self) -> int:
        return check_batch_size(getattr(self, "batch_size", self._default_batch_size))

    def _check_verbose(self) -> bool:
        return check_verbose(getattr(self, "verbose", False))

    def _encode_batch(self, X: Any, out: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_in_batches(
        self,
        X: Sequence | np.ndarray,
        encode: Callable[[Any, np.ndarray], None] | None = None,
        desc: str | None = None,
    ) -> np.ndarray:
        """Encode ``X`` (anything sliceable with ``len``) ``batch_size`` rows at a time."""
        encode = self._encode_batch if encode is None else encode
        n = len(X)
        batch = self._check_batch_size()
        verbose = self._check_verbose()
        check_memory(
            {"packed output": n * self.dim_ / 8, "float block": min(n, batch) * self.dim_ * 4.0},
            f"{type(self).__name__}(dim={self.dim_}).transform of {n} samples",
            "use a smaller dim, or transform fewer samples at a time",
        )
        out = np.empty((n, self.dim_ // WORD_BITS), dtype=np.uint64)
        starts = range(0, n, batch)
        bar = progress(
            starts,
            total=len(starts),
            desc=desc or type(self).__name__,
            enabled=verbose,
        )
        for start in bar:
            stop = min(n, start + batch)
            encode(X[start:stop], out[start:stop])
        return check_packed_output(out, n, self.dim_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # the output is packed uint64 words, whatever the input dtype
        tags.transformer_tags.preserves_dtype = []
        return tags
