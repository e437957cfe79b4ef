"""Random-projection encoders: sign of a Gaussian projection, or binarised Fourier features."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from encoders import _kernels
from encoders._base import SHARED_RULES, BaseEncoder
from hdc._exact_matmul import exact_matmul
from hdc._parallel import rows_per_chunk, run_rows
from hdc._parameters import Options, Real
from hdc._validation import (
    check_memory,
    check_random_state,
    readonly,
    validate_data,  # errors naming X / y
)

__all__ = ["ProjectionEncoder"]

# float64 values in this range keep their relative precision in float32 and leave room for
# sums of thousands of products with N(0, 1) weights
_FLOAT32_SAFE = (2.0**-60, 2.0**60)


def _power_of_two_above(x: Any) -> Any:
    """The smallest power of two above ``|x|`` (elementwise; 1.0 for 0), at most 2**1023 (the
    largest finite one: halving float64's maximum by it leaves a number below 2)."""
    exponent = np.minimum(np.frexp(np.asarray(x, dtype=np.float64))[1], 1023)
    out = np.ldexp(1.0, exponent)
    return float(out) if np.ndim(out) == 0 else out


class ProjectionEncoder(BaseEncoder):
    """Encode dense features by a random projection followed by a binary non-linearity.

    ``kind="sign"``: bit ``j`` is ``sign(w_j . (x - mean))`` with ``w_j ~ N(0, I)``; Hamming
    similarity then estimates the angle between centred inputs (SimHash, Charikar 2002).

    ``kind="rff"``: bit ``j`` is ``cos(w_j . x + b_j) > 0`` with ``w_j ~ N(0, 2 gamma I)`` and
    ``b_j ~ U[0, 2 pi)``: binarised random Fourier features (Rahimi & Recht 2007; Raginsky &
    Lazebnik 2009), whose expected Hamming similarity is a monotone function of the RBF kernel
    ``exp(-gamma ||x - x'||^2)``.

    The projection runs through BLAS (float32) ``batch_size`` rows at a time; the
    ``(batch_size, dim)`` float block is the only temporary.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (``dim_``).
    kind : {"sign", "rff"}, default="sign"
    gamma : float or "scale", default="scale"
        RBF width for ``kind="rff"``; ``"scale"`` uses ``1 / (n_features * X.var())`` as in
        :class:`sklearn.svm.SVC`. Unused by ``"sign"``, but validated whatever the kind.
    batch_size : int, default=1024
        Rows projected at a time.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches.
    random_state : int, numpy Generator, RandomState or None, default=None

    Attributes
    ----------
    dim_ : int
    n_features_in_ : int
    kind_ : str
        The ``kind`` fitted; ``transform`` uses it (changing ``kind`` by ``set_params`` takes
        effect at the next ``fit``).
    mean_ : numpy.ndarray of float64, shape ``(n_features_in_,)``
        Feature means subtracted before projecting.
    gamma_ : float
        RBF width used (``kind="rff"``).
    input_scale_ : float
        Power of two the centred inputs are multiplied by before the float32 projection (1.0
        unless ``sqrt(2 gamma_) / (2 pi)`` lies outside float32's comfortable range, e.g. for
        features of 1e39: the factor is then split between the inputs and ``components_``).
    components_ : numpy.ndarray of float32, shape ``(n_features_in_, dim_)``
        Projection matrix (scaled by ``sqrt(2 gamma_) / (2 pi)`` for ``"rff"``, in turns).
    phase_ : numpy.ndarray of float32, shape ``(dim_,)``
        Random phases in turns (``"rff"``; zeros for ``"sign"``).

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import ProjectionEncoder
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> enc = ProjectionEncoder(dim=256, kind="rff", gamma=0.5, random_state=0).fit(X)
    >>> enc.transform(X).shape
    (5, 4)
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        kind: str = "sign",
        gamma: float | str = "scale",
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.kind = kind
        self.gamma = gamma
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    # a bad gamma is an error whatever the kind, even for "sign", which does not use it
    _parameter_rules = {
        "kind": Options("sign", "rff"),
        "gamma": (Real(0, low_open=True), Options("scale")),
        **SHARED_RULES,
    }

    def _rff_width(self, X: np.ndarray | None) -> tuple[float, float]:
        """``(gamma_, sqrt(2 gamma_) / (2 pi))``: ``gamma``, or for ``"scale"``
        ``1 / (n_features * X.var())``, the factor computed without overflow or underflow for
        features of any finite size (``X.var()`` of 1e200 overflows; ``gamma_`` may then be
        0.0 in float64 while the factor is still a normal number)."""
        if not isinstance(self.gamma, str):
            gamma = float(self.gamma)
            return gamma, float(np.sqrt(2.0 * gamma) / (2.0 * np.pi))
        with np.errstate(over="ignore"):
            var = float(X.var()) if X.size else 0.0
        if 2.0**-900 < var < np.inf:
            gamma = 1.0 / (X.shape[1] * var)
            return gamma, float(np.sqrt(2.0 * gamma) / (2.0 * np.pi))
        size = _power_of_two_above(np.abs(X).max()) if X.size else 1.0
        var = float((X / size).var()) if X.size else 0.0
        if not var > 0:
            return 1.0, float(np.sqrt(2.0) / (2.0 * np.pi))
        gamma = 1.0 / (X.shape[1] * var) / size / size
        return gamma, float(np.sqrt(2.0 / (X.shape[1] * var)) / (2.0 * np.pi) / size)

    def fit(self, X: Any, y: Any = None) -> ProjectionEncoder:
        """Draw the projection (and learn the mean and ``gamma``) from ``X``.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features)``
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True)
        size = _power_of_two_above(np.abs(X).max()) if X.size else 1.0
        return self._fit_from_mean((X / size).mean(axis=0) * size, X)  # no overflow in the sum

    def _fit_from_mean(self, mean: np.ndarray, X: np.ndarray | None = None) -> ProjectionEncoder:
        """Fit from the feature means (and ``X`` only when ``gamma="scale"`` needs it).

        Lets a caller that already has the means (e.g. summed over Dask partitions) fit the
        encoder without the data; ``gamma`` must then be a number.
        """
        self._check_params()
        if X is None and isinstance(self.gamma, str) and self.kind == "rff":
            raise ValueError("gamma='scale' needs the data; give a numeric gamma")
        self.dim_ = self._resolve_dim()
        self.kind_ = self.kind
        rng = check_random_state(self.random_state)
        self.mean_ = np.asarray(mean, dtype=np.float64)
        self.n_features_in_ = self.mean_.shape[0]
        check_memory(
            {"projection matrix": 4.0 * self.n_features_in_ * self.dim_},
            f"ProjectionEncoder(dim={self.dim_}) on {self.n_features_in_} features",
            "use a smaller dim or fewer features",
        )
        components = rng.standard_normal((self.n_features_in_, self.dim_), dtype=np.float32)
        self.input_scale_ = 1.0
        if self.kind == "rff":
            self.gamma_, factor = self._rff_width(X)
            if not _FLOAT32_SAFE[0] <= factor <= _FLOAT32_SAFE[1]:
                # beyond float32's range: the power of two goes to the inputs (float64)
                self.input_scale_ = _power_of_two_above(factor)
                factor /= self.input_scale_
            components *= np.float32(factor)
            self.phase_ = rng.random(self.dim_, dtype=np.float32)
        else:
            self.gamma_ = None
            self.phase_ = np.zeros(self.dim_, dtype=np.float32)
        self.components_ = components
        return self

    def _encode_batch(self, X: np.ndarray, out: np.ndarray) -> None:
        # exact: a row's code depends neither on its batch nor on the BLAS threads
        Z = exact_matmul(self._float32_rows(X), self.components_).astype(np.float32)
        periodic = self.kind_ == "rff"
        Z, phase = readonly(Z), readonly(self.phase_)  # inputs read-only: one signature
        run_rows(lambda s, e, dest: _kernels.pack_projection(Z[s:e], phase, periodic, dest),
                 out, rows_per_chunk(Z.shape[1]))

    def _float32_rows(self, X: np.ndarray) -> np.ndarray:
        """The centred (and, for ``"rff"``, scaled) rows in float32 for the projection.

        Rows within float32's comfortable range (the usual case) go as they are. Larger
        finite values must not become inf: centring is done on inputs scaled by a power of two
        (exact), and a ``"sign"`` row, whose bits do not change when it is multiplied by a
        positive number, is scaled by a power of two into range.
        """
        scale = getattr(self, "input_scale_", 1.0)
        big = np.abs(X).max() if X.size else 0.0
        if big < _FLOAT32_SAFE[1] and np.abs(self.mean_).max(initial=0.0) < _FLOAT32_SAFE[1]:
            D = X - self.mean_
            return (D if scale == 1.0 else D * scale).astype(np.float32)
        shrink = _power_of_two_above(max(big, np.abs(self.mean_).max(initial=0.0)))
        D = X / shrink - self.mean_ / shrink  # exact halvings: no overflow in the difference
        if self.kind_ == "rff":
            with np.errstate(over="ignore"):  # far outside the data the phase is arbitrary
                return np.clip(D * (scale * shrink), -_FLOAT32_SAFE[1], _FLOAT32_SAFE[1]).astype(
                    np.float32)
        row_max = np.abs(D).max(axis=1, keepdims=True)
        row_max[row_max == 0] = 1.0
        # each row to a maximum in [2**-1, 1): the signs of its projections are unchanged
        return (D / _power_of_two_above(row_max)).astype(np.float32)

    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X`` into packed hypervectors, shape ``(n_samples, dim_ // 64)`` uint64."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True, reset=False)
        return self._transform_in_batches(X)
