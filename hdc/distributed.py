"""Fitting and predicting on Dask collections: HDC training as map-reduce.

HDC training is a sum of integer per-class counters, which merges exactly: every partition is
encoded where it lives, turned into per-class bipolar sums, and the sums are tree-reduced. Each
retraining epoch is one more map-reduce pass (see :mod:`hdc._batch_retraining`): partitions compute
their integer updates against the prototypes of the epoch, which are broadcast to them. The
result equals ``HDClassifier(retraining="batch").fit`` on the same data in memory, bit for bit.

Needs the ``dask`` extra: ``pip install 'hdkit[dask]'``. Any Dask scheduler works: the default
local threads, a ``distributed.LocalCluster`` or a multi-machine cluster reached through a
``distributed.Client`` (see the README).

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

import operator
from typing import Any

import numpy as np

from hdc._batch_retraining import batch_updates, class_sums, cosine_gaps, margin_from_gaps
from hdc._rbf_width import gamma_sample_rows
from hdc._validation import check_random_state, is_dask_collection

__all__ = ["fit_dask", "predict_dask", "transform_dask"]


def _require_dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("hdc.distributed needs Dask: pip install 'hdkit[dask]'") from exc
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
    """Lazily encode a Dask collection with a fitted hdkit encoder (``map_blocks``).

    The same as ``encoder.transform(X)``: every hdkit encoder's ``transform`` returns a lazy
    Dask array of packed ``uint64`` hypervectors ``(n, dim // 64)`` for a Dask input, with the
    row chunks of ``X``.
    """
    if not is_dask_collection(X):
        raise TypeError(f"X must be a Dask array, DataFrame or Series, got {type(X).__name__}")
    return encoder.transform(X)


def _tree_sum(parts: list):
    """Sum delayed partition results pairwise (a tree reduction)."""
    dask, _ = _require_dask()
    while len(parts) > 1:
        parts = [
            dask.delayed(operator.add)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def _class_index(y, classes: np.ndarray) -> np.ndarray:
    """Class index of every label of a partition (``classes`` sorted, as ``classes_``)."""
    return np.searchsorted(classes, np.asarray(y)).astype(np.int64)


def _partition_sums(H, y, classes):
    sums, sizes = class_sums(np.ascontiguousarray(H), _class_index(y, classes), len(classes))
    return np.append(sums.ravel(), sizes)


def _partition_gaps(H, y, estimator):
    return cosine_gaps(np.ascontiguousarray(H), estimator._y_index(np.asarray(y)), estimator.counters_)


def _partition_updates(H, y, classes, counters, prototypes, margin):
    U, n = batch_updates(
        np.ascontiguousarray(H), _class_index(y, classes), counters, prototypes, margin
    )
    return np.append(U.ravel(), n)


def _record_encoder(encoder: Any) -> bool:
    from encoders.record import RecordEncoder

    return isinstance(encoder, RecordEncoder) and encoder.quantization == "uniform"


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
        (binarised random Fourier features, from feature sums and up to 1,000 sampled rows
        for the kernel width, gathered in the statistics pass), a
        :class:`encoders.RecordEncoder` with ``quantization="uniform"`` (from min and max), or
        none for packed ``uint64`` ``X``. For another encoder: fit it on a sample, encode the
        collection with :func:`transform_dask` and fit on the packed result.
    X : dask.array.Array ``(n, n_features)`` or packed ``(n, dim // 64)``, or a dask DataFrame
    y : dask.array.Array ``(n,)`` or a dask Series
    client : distributed.Client, optional
        Where to compute; by default Dask's current scheduler (the active client, if any).

    Returns
    -------
    estimator
        Fitted in place. It equals ``estimator.fit(X.compute(), y.compute())`` bit for bit
        when the statistics sum exactly: packed input, RecordEncoder ranges, and the ``"auto"``
        encoder on integer-valued features (pixels, counts). For other real-valued features the
        feature sums of the ``"auto"`` encoder may differ from numpy's in the last bit, as any
        change of summation order does.
    """
    dask, da = _require_dask()
    from hdc.classifier import HDClassifier

    if not isinstance(estimator, HDClassifier):
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
    estimator._check_params()
    if estimator.epochs > 0 and estimator.retraining != "batch":
        raise ValueError(
            "fit_dask retrains in map-reduce passes: set retraining='batch' on the estimator "
            f"(got retraining={estimator.retraining!r}) or epochs=0"
        )
    packed = X.dtype == np.uint64
    custom = not isinstance(estimator.encoder, str)
    if custom and not _record_encoder(estimator.encoder):
        raise ValueError(
            "fit_dask fits encoder='auto', RecordEncoder(quantization='uniform') or packed "
            "uint64 input; for another encoder fit it on a sample, encode the collection with "
            "hdc.distributed.transform_dask and fit on the packed result"
        )
    if packed and custom:
        raise ValueError("packed uint64 X needs encoder='auto' (the hypervectors are used as is)")
    if not packed and not np.issubdtype(X.dtype, np.number):
        raise TypeError(f"X must be numeric or packed uint64, got dtype {X.dtype}")

    def gather(*things):
        if client is not None:
            return tuple(f.result() for f in client.compute(list(things)))
        return dask.compute(*things)

    # the same start as HDClassifier.fit: one generator seeds the encoder, then the ties
    rng = check_random_state(estimator.random_state)
    estimator._rng = rng

    # pass 1: labels and the encoder's statistics
    if packed:
        (classes,) = gather(da.unique(y))
    else:
        X = X.astype(np.float64)
        if custom:
            low, high, classes = gather(X.min(axis=0), X.max(axis=0), da.unique(y))
            stats = (low, high)
        else:
            # the seed HDClassifier._init_encoder draws first; it also picks the gamma sample
            seed = int(rng.integers(2**31 - 1))
            rows = gamma_sample_rows(X.shape[0], seed)
            sums, sample, classes = gather(X.sum(axis=0), X[rows], da.unique(y))
            stats = (sums, sample)
        if not all(np.all(np.isfinite(s)) for s in stats):
            raise ValueError("X contains NaN or infinity; HDClassifier needs finite values")
    classes = np.asarray(classes)

    estimator.n_features_in_ = X.shape[1]
    if packed:
        estimator._init_encoder(np.zeros((1, X.shape[1]), dtype=np.uint64), rng)
    elif custom:
        estimator._init_encoder(np.vstack(stats), rng)  # min and max rows: the same ranges
    else:
        estimator._init_auto_encoder(X.shape[0], stats[0], stats[1], seed)
    estimator._start(classes, rng)
    H = X if packed else estimator.encoder_.transform(X)
    n_classes, dim = len(classes), estimator.dim_
    blocks = list(zip(H.to_delayed().ravel(), y.to_delayed().ravel(), strict=True))

    # pass 2: class counters
    part = dask.delayed(_partition_sums, pure=True)
    (total,) = gather(_tree_sum([part(h, b, classes) for h, b in blocks]))
    estimator.counters_ += total[: n_classes * dim].reshape(n_classes, dim)
    estimator.class_count_ += total[n_classes * dim :]

    # pass 3 (margin="auto"): the median gap over all samples
    if estimator.epochs > 0:
        if isinstance(estimator.margin, str):
            gaps = dask.delayed(_partition_gaps, pure=True)
            parts = gather(*[gaps(h, b, estimator) for h, b in blocks])
            estimator.margin_ = margin_from_gaps(np.concatenate(parts))
        else:
            estimator.margin_ = float(estimator.margin)
    margin = getattr(estimator, "margin_", 0.0)

    # one pass per retraining epoch: integer updates against the epoch's prototypes
    def epoch_update(counters, prototypes):
        upd = dask.delayed(_partition_updates, pure=True)
        c_delayed, p_delayed = dask.delayed(counters), dask.delayed(prototypes)
        (total,) = gather(
            _tree_sum([upd(h, b, classes, c_delayed, p_delayed, margin) for h, b in blocks])
        )
        return total[:-1].reshape(n_classes, dim), int(total[-1])

    estimator._retrain_batch(epoch_update, int(estimator.epochs))
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
