"""How many items a bundle holds: predicted retrieval accuracy and membership errors.

The analysis is the standard one for binary majority bundles of independent, uniformly random
hypervectors (Kanerva 2009; Frady, Kleyko & Sommer 2018; Thomas, Dasgupta & Rosing 2021):

* Each bit of the majority of ``n`` random vectors agrees with a given member with probability
  ``p_n = 1/2 + C(n - 1, (n - 1)/2) / 2**n`` for odd ``n``. For even ``n`` the ties (half of the
  votes each way) are decided by tie bits that do not depend on the member (random, all zeros or
  all ones, as :func:`hdc.bundle` does), which gives exactly ``p_n = p_{n+1}``.
* Bits are independent, so the Hamming distance from the bundle to a member is
  ``Binomial(dim, 1 - p_n)``, and to any vector independent of the bundle (a non-member)
  ``Binomial(dim, 1/2)``; the distances from one query to independent random candidates are
  independent of each other.
* Retrieval among ``m`` candidates (the target and ``m - 1`` others independent of the query, as
  in ``get`` from a key-value record: unbinding a key leaves the other pairs as noise) succeeds
  when the target is strictly nearest; a tie with ``j`` others counts ``1 / (j + 1)`` (the
  associative memory picks the first stored of tied rows, and the target's place among them is
  arbitrary).

``method="binomial"`` sums these exact distributions (exact under the assumptions above);
``method="normal"`` is the classic Gaussian approximation of both distances, which ignores ties
and is accurate when ``dim`` is large and ``p_n`` is not close to 1.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy import special, stats

from hdc._validation import check_count, check_dim

__all__ = ["capacity", "member_similarity", "membership_error"]

_METHODS = ("binomial", "normal")


def _check_sizes(n: Any) -> np.ndarray:
    sizes = np.asarray(n)
    if sizes.dtype == bool or not np.issubdtype(sizes.dtype, np.integer):
        raise TypeError(f"n must be an integer or an array of integers, got {n!r}")
    if sizes.size and sizes.min() < 1:
        raise ValueError(f"n must be >= 1 (the number of bundled items), got {sizes.min()}")
    return sizes.astype(np.int64)


def _as_output(values: np.ndarray, n: Any) -> float | np.ndarray:
    return float(values) if np.ndim(n) == 0 else values


def member_similarity(n: int | Any) -> float | np.ndarray:
    """Expected similarity ``1 - hamming / dim`` between a majority bundle and one member.

    This is ``p_n``, the probability that a bit of the bundle of ``n`` independent random
    hypervectors agrees with a given member: ``1/2 + C(n-1, (n-1)/2) / 2**n`` for odd ``n`` and
    ``p_{n+1}`` for even ``n`` (ties decided by tie bits independent of the members). It falls
    like ``1/2 + 1/sqrt(2 pi n)``.

    Parameters
    ----------
    n : int or array-like of int >= 1
        Number of bundled items.

    Returns
    -------
    float or numpy.ndarray of float64

    Examples
    --------
    >>> import hdc
    >>> [round(hdc.member_similarity(k), 4) for k in (1, 2, 3, 5)]
    [1.0, 0.75, 0.75, 0.6875]
    """
    sizes = _check_sizes(n)
    odd = sizes + (sizes % 2 == 0)
    log_central = special.gammaln(odd) - 2 * special.gammaln((odd + 1) / 2) - odd * np.log(2.0)
    return _as_output(0.5 + np.exp(log_central), n)


def _check_method(method: Any) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


def _binomial_accuracy(p: float, dim: int, m: int) -> float:
    d = np.arange(dim + 1)
    target = stats.binom.pmf(d, dim, 1.0 - p)
    keep = target > 1e-300
    d, target = d[keep], target[keep]
    equal = stats.binom.pmf(d, dim, 0.5)
    above = stats.binom.sf(d, dim, 0.5)  # P(other > d)
    # E[1 / (1 + J)] with J ~ Binomial(m - 1, equal) tied others and the rest above:
    # ((above + equal)**m - above**m) / (m * equal), evaluated in logs as
    # above**(m - 1) * expm1(m * log1p(r)) / (m * r) with r = equal / above.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        r = equal / above
        x = m * np.log1p(r)
        log_expm1 = np.where(x > 0.5, x + np.log1p(-np.exp(-x)), np.log(np.expm1(x)))
        tied = np.exp((m - 1) * np.log(above) + log_expm1 - np.log(m * r))
    tied = np.where(above > 0, tied, equal ** (m - 1) / m)
    tied = np.where(equal > 0, tied, above ** (m - 1))
    return float(np.clip(np.sum(target * tied), 0.0, 1.0))


def _normal_accuracy(p: float, dim: int, m: int) -> float:
    z = np.linspace(-10.0, 10.0, 4001)
    target = dim * (1.0 - p) + np.sqrt(dim * p * (1.0 - p)) * z
    beaten = special.log_ndtr(-(target - dim / 2) / np.sqrt(dim / 4))  # log P(other > target)
    density = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    return float(np.clip(np.trapezoid(density * np.exp((m - 1) * beaten), z), 0.0, 1.0))


def capacity(n: int | Any, dim: int, m: int, method: str = "binomial") -> float | np.ndarray:
    """Predicted accuracy of retrieving one of ``n`` bundled items among ``m`` candidates.

    The query is a majority bundle of ``n`` independent random items (or the unbinding of one
    key from a record of ``n`` key-value pairs); retrieval returns the nearest of ``m``
    candidates by Hamming distance: the target item and ``m - 1`` others independent of the
    query. See the module docstring for the analysis and its assumptions (independent uniformly
    random items; even ``n`` with tie bits independent of the members; bits independent).

    Parameters
    ----------
    n : int or array-like of int >= 1
        Number of bundled items (key-value pairs, set members, edges).
    dim : int
        Number of bits, a positive multiple of 64.
    m : int >= 1
        Number of candidates the cleanup memory holds (including the target).
    method : {"binomial", "normal"}
        ``"binomial"`` sums the exact binomial distributions of both distances (ties counted);
        ``"normal"`` uses the Gaussian approximation of both.

    Returns
    -------
    float or numpy.ndarray of float64
        Probability that the target is returned, one per ``n``.

    Examples
    --------
    >>> import hdc
    >>> round(hdc.capacity(100, 10240, 1000), 4)
    1.0
    >>> acc = hdc.capacity([50, 100, 200], 1024, 1000)
    >>> bool(acc[0] > acc[1] > acc[2])
    True
    """
    sizes = _check_sizes(n)
    dim = check_dim(dim)
    if isinstance(m, bool) or not isinstance(m, numbers.Integral):
        raise TypeError(f"m must be an integer >= 1 (the number of candidates), got {m!r}")
    m = check_count(m, "m", minimum=1)
    method = _check_method(method)
    p = np.atleast_1d(member_similarity(sizes.ravel()))
    accuracy = _binomial_accuracy if method == "binomial" else _normal_accuracy
    values = np.array([1.0 if m == 1 else accuracy(float(q), dim, m) for q in p])
    return _as_output(values.reshape(sizes.shape), n)


def membership_error(
    n: int, dim: int, threshold: float | None = None
) -> tuple[float, float, float]:
    """Error rates of deciding membership by ``similarity >= threshold`` for a bundle of ``n``.

    A member's similarity to the bundle is ``Binomial(dim, p_n) / dim``, a non-member's
    ``Binomial(dim, 1/2) / dim`` (exact for independent random items).

    Parameters
    ----------
    n : int >= 1
        Number of bundled items.
    dim : int
        Number of bits, a positive multiple of 64.
    threshold : float in (0, 1], optional
        Similarity at or above which an item counts as a member. Default: halfway between
        ``0.5`` and :func:`member_similarity` ``(n)``, the default of the structures.

    Returns
    -------
    threshold : float
        The threshold used.
    false_negative : float
        Probability that a member's similarity falls below the threshold.
    false_positive : float
        Probability that a non-member's similarity reaches the threshold.

    Examples
    --------
    >>> import hdc
    >>> t, fn, fp = hdc.membership_error(50, 10240)
    >>> round(t, 4), fn < 1e-8, fp < 1e-8
    (0.5281, True, True)
    """
    n = check_count(n, "n", minimum=1)
    dim = check_dim(dim)
    p = float(member_similarity(n))
    if threshold is None:
        threshold = 0.5 * (0.5 + p)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a real number in (0, 1], got {threshold!r}")
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    agreements = int(np.ceil(float(threshold) * dim - 1e-9))  # member iff agreements >= this
    false_negative = float(stats.binom.cdf(agreements - 1, dim, p))
    false_positive = float(stats.binom.sf(agreements - 1, dim, 0.5))
    return float(threshold), false_negative, false_positive
