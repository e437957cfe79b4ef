"""Batch retraining of HDClassifier: updates decided against fixed prototypes, then summed.

In a batch epoch every training sample is compared with the prototypes as they stood at the
start of the epoch; each sample that its true class does not win by more than ``margin`` adds
its bipolar vector to the true class and subtracts it from the best rival. The epoch's update is
the integer sum of those contributions, so it can be computed on any partition of the data and
added up in any order with the same result: the property that lets :mod:`hdc.distributed` fit on
Dask and equal an in-memory fit bit for bit. The class sums that start a fit and the gaps that
set the ``"auto"`` margin are computed partition by partition in the same way.
"""

from __future__ import annotations

import numpy as np

from hdc import _learn_kernels
from hdc._counter_planes import integer_cosines
from hdc._validation import WORD_BITS
from hdc.bundling import counts as bit_counts


def class_sums(H: np.ndarray, y_idx: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Bipolar sums of the members of every class, int64 ``(C, dim)``, and class sizes."""
    dim = H.shape[1] * WORD_BITS
    sums = np.zeros((n_classes, dim), dtype=np.int64)
    sizes = np.bincount(y_idx, minlength=n_classes).astype(np.int64)
    for c in np.flatnonzero(sizes):
        members = H[y_idx == c]
        sums[c] = 2 * bit_counts(members).astype(np.int64) - members.shape[0]
    return sums, sizes


def cosine_gaps(H: np.ndarray, y_idx: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Cosine of the true class minus that of the best other class, per sample."""
    n_classes = counters.shape[0]
    if n_classes < 2 or H.shape[0] == 0:
        return np.empty(0, dtype=np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", counters, counters))
    sims = np.empty((H.shape[0], n_classes), dtype=np.float64)
    integer_cosines(H, counters, norms, sims)
    rows = np.arange(H.shape[0])
    true = sims[rows, y_idx].copy()
    sims[rows, y_idx] = -np.inf
    return true - sims.max(axis=1)


def margin_from_gaps(gaps: np.ndarray) -> float:
    """The ``"auto"`` retraining margin: the median gap, or 0 when it is negative or empty."""
    return max(0.0, float(np.median(gaps))) if gaps.size else 0.0


def average_from_gaps(gaps: np.ndarray) -> bool:
    """``average="auto"``: True when the bundled class prototypes win at most half of the
    training samples (median gap <= 0, the case where the ``"auto"`` margin is 0).

    Classes that overlap that much (label noise, a high Bayes error) make the last perceptron
    iterate chase noise, and averaging the counters over all updates (Freund & Schapire 1999)
    is the remedy; on separable data averaging costs a little accuracy and one more vector
    update per retraining update, so it stays off there.
    """
    return bool(gaps.size and float(np.median(gaps)) <= 0.0)


def batch_updates(
    H: np.ndarray,
    y_idx: np.ndarray,
    counters: np.ndarray,
    prototypes: np.ndarray | None,
    margin: float,
) -> tuple[np.ndarray, int]:
    """Integer update ``U`` (C, dim) of one batch epoch over ``H`` and the number of updates.

    Similarities are the cosines of :class:`hdc.HDClassifier`: to the integer ``counters`` when
    ``prototypes`` is None, else Hamming cosines to the packed binary ``prototypes``.
    """
    n_classes, dim = counters.shape
    U = np.zeros((n_classes, dim), dtype=np.int64)
    if H.shape[0] == 0:
        return U, 0
    scores = np.empty((H.shape[0], n_classes), dtype=np.float64)
    if prototypes is None:
        norms = np.sqrt(np.einsum("ij,ij->i", counters, counters))
        integer_cosines(H, counters, norms, scores)
    else:
        _learn_kernels.cosine_binary(H, prototypes, scores)
    rows = np.arange(H.shape[0])
    true_scores = scores[rows, y_idx]
    rivals = scores.copy()
    rivals[rows, y_idx] = -np.inf
    rival = np.argmax(rivals, axis=1)  # lowest index on ties, as in online retraining
    update = true_scores - rivals[rows, rival] <= margin
    if n_classes < 2 or not update.any():
        return U, 0
    picked = np.flatnonzero(update)
    members = H[picked]
    t, r = y_idx[picked], rival[picked]
    for c in np.union1d(t, r):
        weights = (t == c).astype(np.int64) - (r == c).astype(np.int64)
        if not weights.any():
            continue
        U[c] = 2 * bit_counts(members, weights).astype(np.int64) - weights.sum()
    return U, int(picked.size)
