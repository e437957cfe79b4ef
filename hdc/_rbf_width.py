"""The RBF width rule of HDClassifier's ``"auto"`` encoder (binarised random Fourier features).

The width ``gamma`` comes from nearest-neighbour distances in a sample of the training rows. The
sampled rows are a function of the number of rows and a seed only, so that an in-memory fit and
a fit on partitions (:mod:`hdc.distributed`) measure the width on the same rows.
"""

from __future__ import annotations

import numpy as np

from hdc._exact_matmul import exact_matmul

# rows sampled to set the RBF width of HDClassifier's "auto" encoder
GAMMA_SAMPLE_ROWS = 1000
# gamma times the median squared distance from a sampled row to its nearest distinct sampled row
GAMMA_NEIGHBOUR_SCALE = 0.5


def gamma_sample_rows(n_samples: int, seed: int) -> np.ndarray:
    """Sorted indices of the rows the ``"auto"`` encoder's RBF width is measured on.

    A function of ``n_samples`` and ``seed`` only, so an in-memory fit and a Dask fit
    (:mod:`hdc.distributed`) pick the same rows.

    Examples
    --------
    >>> gamma_sample_rows(5, seed=0).tolist()
    [0, 1, 2, 3, 4]
    """
    size = min(n_samples, GAMMA_SAMPLE_ROWS)
    rng = np.random.default_rng([seed, 1])
    return np.sort(rng.choice(n_samples, size=size, replace=False))


def neighbour_gamma(sample: np.ndarray, extra_sq_distances: np.ndarray | None = None) -> float:
    """RBF width ``gamma`` for binarised random Fourier features, from a sample of rows.

    ``GAMMA_NEIGHBOUR_SCALE / median_i min_j ||x_i - x_j||^2`` over the distinct rows ``x_j !=
    x_i`` of the sample: near neighbours get a kernel value of about ``exp(-0.5)`` whatever the
    dimension, the scale or the intrinsic dimension of the data (a width from the average
    distance is far too narrow for isotropic high-dimensional data). 1.0 when all rows are
    equal. ``extra_sq_distances`` (m, m), when given, is added to the squared distances
    between the ``m`` sampled rows (the part of the distance that ``sample`` does not hold,
    e.g. of categorical columns).

    Examples
    --------
    >>> import numpy as np
    >>> round(neighbour_gamma(np.array([[0.0], [1.0], [3.0]])), 6)  # nearest: 1, 1 and 4
    0.5
    """
    S = np.asarray(sample, dtype=np.float64)
    S = S - S.mean(axis=0) if S.shape[0] else S
    gram = exact_matmul(S, S.T)  # the same width whatever the BLAS threads
    squares = np.diagonal(gram).copy()  # from the same products: equal rows are 0 apart
    d2 = squares[:, None] + squares[None, :] - 2.0 * gram
    # equal rows (and each row with itself) are not neighbours; rounding leaves tiny residues
    d2[d2 <= 1e-9 * max(float(squares.max(initial=0.0)), 1e-300)] = 0.0
    if extra_sq_distances is not None:
        d2 += extra_sq_distances
    d2[d2 <= 0.0] = np.inf
    nearest = d2.min(axis=1, initial=np.inf)
    nearest = nearest[np.isfinite(nearest)]
    if nearest.size == 0:
        return 1.0
    return GAMMA_NEIGHBOUR_SCALE / float(np.median(nearest))
