"""Fitting and predicting on Dask collections: HDC training as map-reduce.

HDC training is a sum of integer per-class counters, which merges exactly: every partition is
encoded where it lives, turned into per-class bipolar sums, and the sums are tree-reduced. Each
retraining epoch is one more map-reduce pass (see :mod:`hdc._batch_retraining`): partitions
compute their integer updates against the prototypes of the epoch, which are broadcast to them.
The result equals ``HDClassifier(retraining="batch").fit`` on the same data in memory, bit for
bit.

This module knows the classifier only through its map-reduce interface (the methods listed in
``HDClassifier``'s section "fitting on partitions": the encoder's statistics of a partition and
their merge, starting a fit from the gathered statistics, the class sums of a partition, the
margin gaps, an epoch's update of a partition and applying each epoch's update), and knows no
encoder: an encoder fitted on partitions follows the mergeable-statistics protocol described in
``encoders/_base.py``.

Needs Dask: ``pip install 'dask[array]' distributed`` (the ``dask`` extra). Any Dask scheduler
works: the default local threads, a ``distributed.LocalCluster`` or a multi-machine cluster
reached through a ``distributed.Client`` (see the README).

Examples
--------
>>> import dask.array as da
>>> from sklearn.datasets import load_digits
>>> from hdc import HDClassifier
>>> from hdc.distributed import fit_dask, predict_dask
>>> X, y = load_digits(return_X_y=True)
>>> Xd, yd = da.from_array(X, chunks=400), da.from_array(y, chunks=400)
>>> clf = fit_dask(HDClassifier(dim=1024, retraining="batch", random_state=0), Xd, yd)
>>> predict_dask(clf, Xd).compute()[:5].tolist()  # doctest: +SKIP
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hdc._validation import is_dask_collection, is_packed_dtype

__all__ = ["fit_dask", "predict_dask", "transform_dask"]

# the classifier's methods that fit_dask drives (see HDClassifier, "fitting on partitions")
_PARTITIONED_FIT = (
    "_begin_partitioned_fit",
    "_partition_statistics",
    "_merge_statistics",
    "_start_from_statistics",
    "_partition_class_sums",
    "_add_class_sums",
    "_partition_gaps",
    "_set_from_gaps",
    "_partition_epoch_update",
    "_run_batch_epochs",
    "_finish",
)


def _require_dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "hdc.distributed needs Dask: pip install 'dask[array]' distributed"
        ) from exc
    return dask, da


def _as_dask_array(X: Any, name: str):
    """A dask.array (a dask DataFrame or Series becomes one with known chunk sizes)."""
    dask, da = _require_dask()
    if isinstance(X, da.Array):
        return X
    if hasattr(X, "to_dask_array"):
        return X.to_dask_array(lengths=True)
    raise TypeError(
        f"{name} must be a dask.array.Array or a dask DataFrame/Series, got {type(X).__name__}; "
        "for in-memory data call the estimator's fit directly"
    )


def transform_dask(encoder: Any, X: Any):
    """Lazily encode a Dask collection with a fitted encoder (``map_blocks``).

    The same as ``encoder.transform(X)``: every encoder of the ``encoders`` package returns a
    lazy Dask array of packed ``uint64`` hypervectors ``(n, dim // 64)`` for a Dask input, with
    the row chunks of ``X``.
    """
    if not is_dask_collection(X):
        raise TypeError(f"X must be a Dask array, DataFrame or Series, got {type(X).__name__}")
    return encoder.transform(X)


def _add_elementwise(a: tuple, b: tuple) -> tuple:
    """``(a[0] + b[0], a[1] + b[1], ...)``: the merge of sums over partitions."""
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _tree_reduce(parts: list, merge: Callable[[Any, Any], Any]):
    """Merge delayed partition results pairwise, neighbours first (a tree reduction that keeps
    the partitions in order)."""
    dask, _ = _require_dask()
    merge = dask.delayed(merge, pure=True)
    while len(parts) > 1:
        parts = [
            merge(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def fit_dask(estimator: Any, X: Any, y: Any, client: Any = None) -> Any:
    """Fit an :class:`hdc.HDClassifier` on Dask collections by map-reduce; returns it.

    Passes over the data: one for the encoder's statistics and the labels, one for the class
    counters, one for the ``"auto"`` margin when asked, and one per retraining epoch. Each
    partition is encoded where it lives; only per-class counters (``n_classes x dim``) travel.

    Parameters
    ----------
    estimator : HDClassifier
        With ``retraining="batch"`` when ``epochs > 0`` (online retraining is sequential by
        nature). The encoder must be fittable from mergeable statistics: ``encoder="auto"``
        (:class:`encoders.TableEncoder`), an encoder following the mergeable-statistics
        protocol of ``encoders/_base.py`` (:class:`encoders.RecordEncoder`,
        :class:`encoders.TableRFFEncoder`, :class:`encoders.TableEncoder`: column kinds,
        category vocabularies by set union, ranges, and the rows sampled for quantiles,
        percentiles and the kernel width, gathered in the statistics pass), or none for packed
        ``uint64`` ``X``. For another encoder: fit it on a sample, encode the collection with
        :func:`transform_dask` and fit on the packed result.
    X : dask.array.Array ``(n, n_features)`` (numeric, or object for a table with categorical
        columns and missing values) or packed ``(n, dim // 64)``, or a dask DataFrame (turned
        into an array: its column kinds are then inferred from the values, as for an object
        array; name the categorical columns with the encoder's ``categorical`` otherwise)
    y : dask.array.Array ``(n,)`` or a dask Series
    client : distributed.Client, optional
        Where to compute; by default Dask's current scheduler (the active client, if any).

    Returns
    -------
    estimator
        Fitted in place. It equals ``estimator.fit(X.compute(), y.compute())`` bit for bit:
        every statistic merges exactly, and the rows sampled for those that do not (quantiles)
        are fixed by the number of rows and the seed before the data is read.
    """
    dask, da = _require_dask()
    if not all(callable(getattr(estimator, name, None)) for name in _PARTITIONED_FIT):
        raise TypeError(f"estimator must be an hdc.HDClassifier, got {type(estimator).__name__}")
    X = _as_dask_array(X, "X")
    y = _as_dask_array(y, "y")
    if X.ndim != 2 or y.ndim != 1:
        raise ValueError(f"X must be 2-D and y 1-D, got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y have different lengths: {X.shape[0]} and {y.shape[0]}")
    if X.chunks[0] != y.chunks[0]:
        y = y.rechunk({0: X.chunks[0]})
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    packed = is_packed_dtype(X.dtype)
    if packed and X.dtype != np.uint64:
        X = X.astype(np.uint64)  # big-endian words: the same hypervectors in native order
    estimator._begin_partitioned_fit(X.shape[0], packed, X.shape[1])
    if not packed and X.dtype != object and not np.issubdtype(X.dtype, np.number):
        raise TypeError(
            f"X must be numeric, object (a table with categorical columns) or packed uint64, "
            f"got dtype {X.dtype}"
        )

    def gather(*things):
        if client is not None:
            return tuple(f.result() for f in client.compute(list(things)))
        return dask.compute(*things)

    y_parts = y.to_delayed().ravel()

    # pass 1: labels and the encoder's statistics
    first_rows = np.cumsum((0,) + X.chunks[0][:-1])
    statistics = dask.delayed(estimator._partition_statistics, pure=True)
    x_parts = X.to_delayed().ravel()
    parts = [statistics(x, int(row)) for x, row in zip(x_parts, first_rows, strict=True)]
    merged, classes = gather(_tree_reduce(parts, estimator._merge_statistics), da.unique(y))
    classes = np.asarray(classes)
    estimator._start_from_statistics(merged, classes, X.shape[1])
    H = X if estimator.encoder_ is None else estimator.encoder_.transform(X)
    blocks = list(zip(H.to_delayed().ravel(), y_parts, strict=True))

    # pass 2: class counters
    sums = dask.delayed(estimator._partition_class_sums, pure=True)
    (total,) = gather(_tree_reduce([sums(h, b, classes) for h, b in blocks], _add_elementwise))
    estimator._add_class_sums(*total)

    # pass 3 (margin or average "auto", epochs to come): the gaps of all samples, in order
    def all_gaps() -> np.ndarray:
        gaps = dask.delayed(estimator._partition_gaps, pure=True)
        counters = dask.delayed(estimator.counters_)
        return np.concatenate(gather(*[gaps(h, b, classes, counters) for h, b in blocks]))

    estimator._set_from_gaps(all_gaps)

    # one pass per retraining epoch: integer updates against the epoch's prototypes
    def epoch_update(counters, prototypes, margin):
        update = dask.delayed(estimator._partition_epoch_update, pure=True)
        shared = dask.delayed(counters), dask.delayed(prototypes)
        parts = [update(h, b, classes, *shared, margin) for h, b in blocks]
        (total,) = gather(_tree_reduce(parts, _add_elementwise))
        return total

    estimator._run_batch_epochs(epoch_update, int(estimator.epochs))
    estimator._finish()
    return estimator


def predict_dask(estimator: Any, X: Any):
    """Lazy predictions of a fitted estimator on a Dask array: a Dask array ``(n,)``."""
    _, da = _require_dask()
    X = _as_dask_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    dtype = np.asarray(estimator.classes_).dtype
    return X.map_blocks(estimator.predict, drop_axis=1, dtype=dtype)
