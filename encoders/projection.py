"""Random-projection encoders: sign of a Gaussian projection, or binarised Fourier features."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from encoders import _kernels
from encoders._base import SHARED_RULES, BaseEncoder
from hdc._parallel import rows_per_chunk, run_rows
from hdc._parameters import Options, Real
from hdc._validation import check_random_state

__all__ = ["ProjectionEncoder"]


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
    components_ : numpy.ndarray of float32, shape ``(n_features_in_, dim_)``
        Projection matrix (scaled by ``sqrt(2 gamma_) / (2 pi)`` for ``"rff"``, in turns).
    phase_ : numpy.ndarray of float32, shape ``(dim_,)``
        Random phases in turns (``"rff"``; zeros for ``"sign"``).

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

    def _gamma_value(self, X: np.ndarray | None) -> float:
        """The RBF width on ``X``: ``gamma``, or for ``"scale"`` ``1 / (n_features * X.var())``."""
        if not isinstance(self.gamma, str):
            return float(self.gamma)
        var = float(X.var()) if X.size else 0.0
        return 1.0 / (X.shape[1] * var) if var > 0 else 1.0

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
        return self._fit_from_mean(X.mean(axis=0), X)

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
        components = rng.standard_normal((self.n_features_in_, self.dim_), dtype=np.float32)
        if self.kind == "rff":
            self.gamma_ = self._gamma_value(X)
            components *= np.float32(np.sqrt(2.0 * self.gamma_) / (2.0 * np.pi))
            self.phase_ = rng.random(self.dim_, dtype=np.float32)
        else:
            self.gamma_ = None
            self.phase_ = np.zeros(self.dim_, dtype=np.float32)
        self.components_ = components
        return self

    def _encode_batch(self, X: np.ndarray, out: np.ndarray) -> None:
        Z = (X - self.mean_).astype(np.float32) @ self.components_
        Z = np.ascontiguousarray(Z)
        periodic = self.kind_ == "rff"
        run_rows(lambda s, e, dest: _kernels.pack_projection(Z[s:e], self.phase_, periodic, dest),
                 out, rows_per_chunk(Z.shape[1]))

    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X`` into packed hypervectors, shape ``(n_samples, dim_ // 64)`` uint64."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True, reset=False)
        return self._transform_in_batches(X)
