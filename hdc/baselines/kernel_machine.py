"""A max-margin baseline: scikit-learn's SVC with RBF, linear or Hamming kernels.

:class:`KernelMachineClassifier` is a thin, honest wrapper: the solver is scikit-learn's
:class:`~sklearn.svm.SVC` (libsvm), after scikit-learn's ``StandardScaler`` for float features
(``scale=True``, as a scikit-learn user would put it in front of an SVC). What it adds is the
``"hamming"`` kernel for packed hypervectors, so that HDC encodings can be classified by a
max-margin machine: the Gram matrix is the bipolar cosine ``1 - 2 * hamming(a, b) / dim``
computed by the core's popcount kernel (:func:`hdc.hamming`), divided by its spread over the
training codes (``normalize_hamming``), and handed to ``SVC(kernel="precomputed")``; only the
support vectors are kept for prediction. For large training sets, ``approximation="nystroem"``
replaces the exact machine by scikit-learn's :class:`~sklearn.kernel_approximation.Nystroem`
feature map (on the same kernel, Hamming included) followed by a linear SVM
(:class:`~sklearn.svm.LinearSVC`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.kernel_approximation import Nystroem
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from hdc._parameters import Boolean, Integer, Options, check_params
from hdc._validation import (  # errors naming X / y
    WORD_BITS,
    as_hypervectors,
    check_classification_targets,
    check_random_state,
    is_packed_dtype,
    validate_data,
)
from hdc.similarity import hamming

__all__ = ["KernelMachineClassifier", "hamming_kernel"]

_GRAM_BUDGET = 1 << 24  # float64 entries of a Gram block computed at once (128 MB)


def hamming_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bipolar cosine similarity ``1 - 2 * hamming(a, b) / dim`` of packed hypervectors.

    It is the inner product of the +1/-1 views divided by ``dim``, hence a positive
    semi-definite kernel, with values in ``[-1, 1]``. Computed by :func:`hdc.hamming` in blocks
    of rows of ``a`` so that large Gram matrices do not need large temporaries.

    Parameters
    ----------
    a : numpy.ndarray of uint64, shape (nA, W)
    b : numpy.ndarray of uint64, shape (nB, W)

    Returns
    -------
    numpy.ndarray of float64, shape (nA, nB)

    Examples
    --------
    >>> import hdc
    >>> from hdc.baselines.kernel_machine import hamming_kernel
    >>> x = hdc.random(2, 256, random_state=0)
    >>> hamming_kernel(x, x).diagonal().tolist()
    [1.0, 1.0]
    """
    a = as_hypervectors(a, "a", ndim=(2,))
    b = as_hypervectors(b, "b", ndim=(2,))
    dim = a.shape[1] * WORD_BITS
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    step = max(1, _GRAM_BUDGET // max(1, b.shape[0]))
    for start in range(0, a.shape[0], step):
        block = hamming(a[start:start + step], b)
        out[start:start + step] = 1.0 - (2.0 / dim) * block
    return out


class KernelMachineClassifier(ClassifierMixin, BaseEstimator):
    """Support vector classifier (scikit-learn's SVC) with RBF, linear or Hamming kernels.

    Parameters
    ----------
    kernel : {"rbf", "linear", "hamming"}, default="rbf"
        ``"rbf"`` and ``"linear"`` take float features and are exactly ``SVC(kernel=...)``
        (after ``StandardScaler`` when ``scale``). ``"hamming"`` takes packed hypervectors
        (numpy ``uint64`` arrays ``(n, dim // 64)``) and uses the kernel ``1 - 2 * hamming /
        dim`` (see :func:`hamming_kernel`), normalised by ``normalize_hamming``. The exact
        Hamming machine holds the ``n x n`` float64 training Gram matrix (``8 n^2`` bytes, 3.2
        GB for 20,000 samples): beyond that, use ``approximation="nystroem"``.
    C : float, default=1.0
        Regularization parameter of the SVM (of the linear SVM after the Nystroem map).
    scale : bool, default=True
        Standardise float features (scikit-learn's ``StandardScaler``, fitted on the training
        data) before the RBF or linear kernel: an RBF kernel on raw features is decided by the
        columns with the largest units (on the tabular development suite the unscaled machine
        loses 7 points of mean accuracy, wine 33 points; docs/tabular.md). ``False``: the
        features as given. Ignored by ``"hamming"`` (hypervectors have no units).
    normalize_hamming : bool, default=True
        Divide the Hamming kernel by ``1 - m``, ``m`` the mean off-diagonal value of the
        training Gram matrix (of the landmarks' for ``approximation="nystroem"``; stored in
        ``kernel_spread_``). Encodings of different samples are far from orthogonal (record
        codes share most of their level bits), so the kernel's values crowd near ``m`` and a
        penalty ``C`` measured against a kernel of range 2 under-fits; for an SVM with a bias
        this is the same as the penalty ``C / (1 - m)``, a data-driven scale for ``C`` that
        needs no tuning (digits: 0.971 with ``C=1`` unnormalised, 0.982 normalised;
        docs/tabular.md has the suite). ``False``: the plain kernel.
    gamma : "scale", "auto" or float, default="scale"
        RBF kernel coefficient, as in :class:`~sklearn.svm.SVC`; ignored by the other kernels.
    approximation : None or "nystroem", default=None
        ``None``: the exact kernel machine. ``"nystroem"``: a Nystroem feature map of
        ``n_components`` landmarks followed by a linear SVM, for large training sets.
    n_components : int, default=500
        Number of Nystroem landmarks (capped at the number of training samples).
    probability : bool, default=False
        Also fit a Platt-scaling calibration (scikit-learn's ``CalibratedClassifierCV`` with
        ``method="sigmoid", ensemble=False``, 3 folds) so that :meth:`predict_proba` is
        available. Predictions come from the SVM refitted on all the data either way.
    class_weight : dict, "balanced" or None, default=None
        Passed to the SVM.
    tol : float, default=1e-3
        Stopping tolerance of the solver.
    random_state : int, numpy Generator or None, default=None
        Seeds the choice of Nystroem landmarks and SVC's probability calibration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Number of features, or of 64-bit words per hypervector for the Hamming kernel.
    estimator_ : SVC or LinearSVC
        The fitted scikit-learn SVM (on all the training data).
    calibrator_ : CalibratedClassifierCV
        The probability calibration, when ``probability=True``.
    scaler_ : StandardScaler
        The fitted standardisation (``scale=True`` with the RBF or linear kernel).
    kernel_spread_ : float
        Hamming kernel: what it is divided by (``1 - m``; 1.0 when not ``normalize_hamming``).
    support_vectors_ : ndarray
        Exact Hamming machine: the packed support vectors kept for prediction.
    nystroem_ : Nystroem
        The fitted feature map when ``approximation="nystroem"``; for the Hamming kernel it is
        fitted on the precomputed kernel between the landmarks ``landmarks_``.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``predict``, ``predict_proba`` and
    ``decision_function`` only read it and may be called from any number of threads at once.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from hdc.baselines import KernelMachineClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = KernelMachineClassifier(kernel="rbf").fit(X[:1500], y[:1500])
    >>> round(clf.score(X[1500:], y[1500:]), 2) > 0.9
    True
    """

    def __init__(
        self,
        kernel: str = "rbf",
        *,
        C: float = 1.0,
        scale: bool = True,
        normalize_hamming: bool = True,
        gamma: str | float = "scale",
        approximation: str | None = None,
        n_components: int = 500,
        probability: bool = False,
        class_weight: Any = None,
        tol: float = 1e-3,
        random_state: Any = None,
    ) -> None:
        self.kernel = kernel
        self.C = C
        self.scale = scale
        self.normalize_hamming = normalize_hamming
        self.gamma = gamma
        self.approximation = approximation
        self.n_components = n_components
        self.probability = probability
        self.class_weight = class_weight
        self.tol = tol
        self.random_state = random_state

    # -- validation ------------------------------------------------------------------------------
    # C, gamma, class_weight and tol are checked by the scikit-learn SVM they are passed to
    _parameter_rules = {
        "kernel": Options("rbf", "linear", "hamming"),
        "approximation": Options(None, "nystroem"),
        "n_components": Integer(1, type_error=False),
        "scale": Boolean(),
        "normalize_hamming": Boolean(),
    }

    def _validate_X(self, X: Any, reset: bool, y: Any = "no_validation"):
        """validate_data for the kernel's input type; ``y`` as in validate_data (fit passes it)."""
        if self.kernel == "hamming":
            if not (isinstance(X, np.ndarray) and is_packed_dtype(X.dtype)):
                got = X.dtype if isinstance(X, np.ndarray) else type(X).__name__
                raise TypeError(
                    "X must be a numpy uint64 array of packed hypervectors (n, dim // 64) for "
                    f"kernel='hamming', got {got}; encode the data first (e.g. with an encoder "
                    "of the encoders package) or use kernel='rbf' or 'linear' for float features"
                )
            X = as_hypervectors(X, "X", ndim=(2,))  # >u8 words become native
            # dtype=None keeps uint64; validate_data still checks shapes and n_features_in_
            return validate_data(self, X, y, dtype=None, reset=reset)
        if isinstance(X, np.ndarray) and is_packed_dtype(X.dtype):
            raise TypeError(
                f"X has dtype uint64, which looks like packed hypervectors, but kernel="
                f"{self.kernel!r} expects float features; use kernel='hamming' for packed "
                "hypervectors or convert X to float explicitly"
            )
        return validate_data(self, X, y, dtype=[np.float64, np.float32], reset=reset)

    # -- fitting -----------------------------------------------------------------------------
    def _svm(self, seed: int | None):
        if self.approximation is None:
            kernel = "precomputed" if self.kernel == "hamming" else self.kernel
            return SVC(kernel=kernel, C=self.C, gamma=self.gamma,
                       class_weight=self.class_weight, tol=self.tol, random_state=seed)
        return LinearSVC(C=self.C, class_weight=self.class_weight, tol=self.tol,
                         random_state=seed)

    def _fit_svm(self, features: np.ndarray, y: np.ndarray, seed: int) -> None:
        """Fit ``estimator_`` (and ``calibrator_`` when ``probability``) on the features."""
        if not self.probability:
            self.estimator_ = self._svm(seed).fit(features, y)
            return
        # Platt scaling on cross-validated decision values, then one SVM refit on all the data
        # (scikit-learn's replacement for SVC(probability=True)); predict uses that SVM, so
        # predictions do not depend on ``probability``.
        self.calibrator_ = CalibratedClassifierCV(
            self._svm(seed), method="sigmoid", cv=3, ensemble=False
        ).fit(features, y)
        self.estimator_ = self.calibrator_.calibrated_classifiers_[0].estimator

    def _rbf_gamma(self, X: np.ndarray) -> float:
        if self.gamma == "scale":
            var = float(X.var())
            return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        return float(self.gamma)

    def _gram(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The (normalised) Hamming kernel between packed hypervectors."""
        gram = hamming_kernel(a, b)
        if self.kernel_spread_ != 1.0:
            gram /= self.kernel_spread_
        return gram

    def _set_spread(self, gram: np.ndarray) -> None:
        """``kernel_spread_`` = 1 - (mean off-diagonal value of a training Gram matrix)."""
        n = gram.shape[0]
        if not self.normalize_hamming or n < 2:
            self.kernel_spread_ = 1.0
            return
        mean = (float(gram.sum()) - float(np.trace(gram))) / (n * (n - 1))
        self.kernel_spread_ = max(1e-3, 1.0 - mean)

    def _features(self, X: np.ndarray) -> np.ndarray:
        """What the underlying scikit-learn model sees: Gram rows or Nystroem features."""
        if getattr(self, "scaler_", None) is not None:
            X = self.scaler_.transform(X)
        if self.approximation == "nystroem":
            if self.kernel == "hamming":
                return self.nystroem_.transform(self._gram(X, self.landmarks_))
            return self.nystroem_.transform(X)
        if self.kernel == "hamming":
            # SVC(kernel="precomputed") reads only the support columns of the test Gram matrix
            gram = np.zeros((X.shape[0], self.n_train_), dtype=np.float64)
            gram[:, self.support_] = self._gram(X, self.support_vectors_)
            return gram
        return X

    def fit(self, X: Any, y: Any) -> KernelMachineClassifier:
        """Fit the SVM on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or uint64 (n_samples, dim // 64)
            Float features, or packed hypervectors for ``kernel="hamming"``.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        check_params(self, self._parameter_rules)
        X, y = self._validate_X(X, reset=True, y=y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y must hold at least 2 classes to fit a classifier, got 1 class "
                f"({self.classes_[0]!r})"
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(0, 2**31 - 1))
        for name in ("nystroem_", "landmarks_", "support_vectors_", "support_", "n_train_",
                     "calibrator_", "scaler_", "kernel_spread_"):
            if hasattr(self, name):
                delattr(self, name)
        if self.kernel != "hamming" and self.scale:
            self.scaler_ = StandardScaler().fit(X)
            X = self.scaler_.transform(X)
        if self.approximation == "nystroem":
            m = min(int(self.n_components), X.shape[0])
            if self.kernel == "hamming":
                picks = np.sort(rng.choice(X.shape[0], size=m, replace=False))
                self.landmarks_ = X[picks]
                # kernel="precomputed": fitted on the landmarks' Gram matrix (all m components;
                # the map is exact Nystroem up to a permutation of its output features)
                self.nystroem_ = Nystroem(kernel="precomputed", n_components=m, random_state=seed)
                gram = hamming_kernel(self.landmarks_, self.landmarks_)
                self._set_spread(gram)
                gram /= self.kernel_spread_
                # the SVD of an m x m matrix on one LAPACK thread: several threads stall each
                # other on busy cores
                with threadpool_limits(limits=1):
                    self.nystroem_.fit(gram)
            else:
                kwargs = {"gamma": self._rbf_gamma(X)} if self.kernel == "rbf" else {}
                self.nystroem_ = Nystroem(
                    kernel=self.kernel, n_components=m, random_state=seed, **kwargs
                )
                with threadpool_limits(limits=1):
                    self.nystroem_.fit(X)
            features = self.nystroem_.transform(self._gram(X, self.landmarks_)) if (
                self.kernel == "hamming") else self.nystroem_.transform(X)
        elif self.kernel == "hamming":
            features = hamming_kernel(X, X)
            self._set_spread(features)
            features /= self.kernel_spread_
        else:
            features = X
        self._fit_svm(features, y, seed)
        if self.approximation is None and self.kernel == "hamming":
            self.n_train_ = X.shape[0]
            self.support_ = self.estimator_.support_
            self.support_vectors_ = X[self.support_]
        return self

    # -- prediction ----------------------------------------------------------------------------
    def _apply(self, model_name: str, method: str, X: Any) -> np.ndarray:
        """``self.<model_name>.<method>`` on the features of ``X``, in row blocks of bounded
        memory (the exact Hamming machine's test Gram rows are ``n_train`` wide)."""
        check_is_fitted(self, "estimator_")
        model = getattr(self, model_name)
        X = self._validate_X(X, reset=False)
        width = self.n_train_ if hasattr(self, "n_train_") else 1
        step = max(1, _GRAM_BUDGET // max(1, width))
        if X.shape[0] <= step:
            return getattr(model, method)(self._features(X))
        parts = [getattr(model, method)(self._features(X[i:i + step]))
                 for i in range(0, X.shape[0], step)]
        return np.concatenate(parts, axis=0)

    def decision_function(self, X: Any) -> np.ndarray:
        """Signed distances to the margin, as the underlying SVM reports them."""
        return self._apply("estimator_", "decision_function", X)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of every row of ``X``."""
        return self._apply("estimator_", "predict", X)

    def _has_proba(self) -> bool:
        if not self.probability:
            raise AttributeError(
                "predict_proba is available only with probability=True (Platt scaling), "
                f"got probability={self.probability!r}"
            )
        return True

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from Platt scaling (requires ``probability=True``)."""
        return self._apply("calibrator_", "predict_proba", X)

    @available_if(_has_proba)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

