"""HDClassifier: an associative-memory classifier on packed hypervectors, with the sklearn API."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    check_is_fitted,
)

from hdc import _learn_kernels
from hdc._batch_retraining import (
    average_from_gaps,
    batch_updates,
    class_sums,
    cosine_gaps,
    margin_from_gaps,
)
from hdc._counter_planes import integer_cosines, integer_planes, plane_bits
from hdc._parameters import Boolean, HasMethods, Integer, Options, Real, Verbose, check_params
from hdc._progress import progress
from hdc._validation import (
    WORD_BITS,
    check_classification_targets,
    check_memory,
    check_random_state,
    is_dask_collection,
    is_packed_dtype,
    native_words,
    readonly,
    validate_data,
    with_argument_name,
)

__all__ = ["HDClassifier"]

# fewer rows than this in the first partial_fit batch give a warning (see partial_fit)
_SMALL_FIRST_BATCH = 100


def _is_packed(X: Any) -> bool:
    """True for a numpy ``uint64`` array (either byte order): packed hypervectors, used as
    they are (a ``>u8`` array as the same words in native order)."""
    return isinstance(X, np.ndarray) and is_packed_dtype(X.dtype)


def _class_index(y: Any, classes: np.ndarray) -> np.ndarray:
    """Class index of every label (all of them in ``classes``, sorted as ``classes_``)."""
    return np.searchsorted(classes, np.asarray(y)).astype(np.int64)


class _PartitionedFit(NamedTuple):
    """What a fit on partitions fixes before its first pass (see the map-reduce interface)."""

    encoder: Any  # the unfitted encoder, seeded as fit seeds it (None for packed input)
    plan: Any  # the encoder's statistics plan (see encoders/_base.py)


def _check_two_classes(classes: np.ndarray, name: str = "y") -> None:
    """A classifier needs at least two classes (as scikit-learn's classifiers say)."""
    if len(classes) < 2:
        raise ValueError(
            f"{name} must hold at least 2 classes to fit a classifier, got 1 class "
            f"({classes[0]!r})" if len(classes) else f"{name} holds no class"
        )


def _fits_from_statistics(encoder: Any) -> bool:
    """Whether ``encoder`` follows the mergeable-statistics protocol of ``encoders/_base.py``."""
    supported = getattr(encoder, "_fits_from_statistics", None)
    return callable(supported) and bool(supported())


class HDClassifier(ClassifierMixin, BaseEstimator):
    """Hyperdimensional classifier: one prototype hypervector per class, nearest one wins.

    Training follows AdaptHD / OnlineHD: every class accumulates the bipolar sum of its
    training hypervectors in integer counters (:func:`hdc.counts`), then ``epochs`` retraining
    passes visit the samples in a random order and, for each sample that is misclassified or
    wins by no more than ``margin``, add it to its true class and subtract it from the best
    rival class (each scaled by ``lr``). Prediction is the class of the most similar prototype:
    a popcount (Hamming) search for ``prototypes="binary"`` (the signs of the counters, ``dim_ /
    8`` bytes per class), a dot product of the bipolar query with the counters, normalised to a
    cosine, for ``prototypes="integer"``.

    Parameters
    ----------
    encoder : "auto" or an encoder (scikit-learn transformer), default="auto"
        How samples become hypervectors. ``"auto"``: a table (a numeric array, a numpy object
        array or a pandas DataFrame, with numeric and categorical columns and missing values
        as NaN / None / pandas' NA) goes through :class:`encoders.TableEncoder` with ``dim``
        bits: a record code (quantile levels of the numeric columns and random IDs of the
        categories, bound to their column's key; missing values left out of the majority) and
        binarised random Fourier features of the robustly scaled columns, side by side. It is
        scale-free, needs no imputation or one-hot columns, and was chosen on the tabular
        development suite (docs/tabular.md). A packed ``uint64`` array of hypervectors is used
        as is (``dim_`` then comes from its width). A transformer is cloned and fitted on ``X``
        (e.g. :class:`encoders.RecordEncoder`, :class:`encoders.NGramEncoder` for text); it
        must output packed hypervectors and set ``dim_``. When ``random_state`` is not None,
        the clone's own ``random_state`` is replaced by a seed drawn from it, so that one seed
        fixes the whole model.
    dim : int, default=10000
        Hypervector size for the ``"auto"`` encoder; any positive value, rounded up to a multiple
        of 64 (``dim_`` holds the value used). Packed input and a given encoder set their own
        size (``dim`` is then only checked to be a positive integer).
    epochs : int, default=30
        Retraining passes over the training set after the initial accumulation (0: plain
        bundling, i.e. a centroid classifier). Training stops early after a pass without updates.
    lr : float, default=1.0
        Retraining step: how many copies of a sample are added to / subtracted from the class
        counters. An integer keeps the counters integer, and integer counters are held as
        two's-complement bit planes too, so that every score is a handful of popcounts
        instead of a float64 dot product per bit (exact; docs/learning.md); a fractional ``lr``
        uses float64 dot products.
    margin : float or "auto", default="auto"
        A training sample is also used for retraining when its true class beats the best other
        class by at most this much cosine similarity (0: mistakes and ties only). A margin
        is what takes retraining from a perceptron to a large-margin classifier. ``"auto"``: the
        median, over the training samples, of that gap after the initial accumulation (stored
        in ``margin_``), which adapts the margin to how separable the encoded classes are.
    prototypes : {"integer", "binary"}, default="integer"
        Search integer counters by cosine (more accurate) or their binary signs by Hamming
        distance (64x smaller, popcount only).
    average : bool or "auto", default="auto"
        Keep the average of the counters over all retraining steps instead of their last
        value (the averaged perceptron of Freund & Schapire 1999): steadier prototypes on
        noisy, overlapping classes, at the cost of one more vector update per retraining
        update. With ``retraining="batch"``: the average of the counters after each epoch.
        ``"auto"``: average when the bundled class prototypes win at most half of the training
        samples (the median gap between the true and the best other class after the initial
        accumulation is <= 0, the case where ``margin="auto"`` gives 0): there the last
        perceptron iterate chases noise; on separable data averaging costs a little accuracy,
        so it stays off (the choice is stored in ``average_``).
    retraining : {"online", "batch"}, default="online"
        ``"online"``: samples are visited in a random order and each update changes the
        prototypes seen by the next sample (AdaptHD / OnlineHD). ``"batch"``: every sample of an
        epoch is compared with the prototypes of the start of the epoch and the epoch's updates
        are summed, so an epoch is a map-reduce over any partition of the data: what
        :func:`hdc.distributed.fit_dask` runs on Dask, with the same result bit for bit.
    temperature : float, default=0.05
        Softmax temperature of :meth:`predict_proba` over the cosine similarities.
    random_state : int, numpy Generator, RandomState or None, default=None
        Seeds the ``"auto"`` encoder, the retraining order and tie-breaking bits.
    verbose : bool or int >= 0, default=False
        Progress bar over the retraining epochs (needs ``tqdm``).

    Attributes
    ----------
    classes_ : numpy.ndarray, shape ``(n_classes,)``
    n_features_in_ : int
        Number of features (or of 64-bit words, for packed input) seen in ``fit``.
    encoder_ : transformer or None
        The fitted encoder (None for packed input).
    dim_ : int
        Hypervector size used.
    counters_ : numpy.ndarray of float64, shape ``(n_classes, dim_)``
        Class accumulators: bipolar sums of the class members (from :func:`hdc.counts`), then
        retraining updates; integer-valued unless ``lr`` is fractional or ``average=True``.
    class_count_ : numpy.ndarray of int64, shape ``(n_classes,)``
        Number of training samples seen per class.
    prototypes_ : numpy.ndarray of uint64, shape ``(n_classes, dim_ // 64)``
        Binary prototypes, the packed signs of ``counters_`` (ties from ``tie_``).
    margin_ : float
        Retraining margin used (``margin``, or the value chosen by ``"auto"``; 0 when
        ``epochs=0``).
    average_ : bool
        Whether the counters are averaged (``average``, or the choice of ``"auto"``; False
        when ``epochs=0``).
    n_updates_ : list of int
        Number of retraining updates made in each epoch of the last ``fit``.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``predict``, ``predict_proba`` and
    ``decision_function`` only read it and may be called from any number of threads at once.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hdc import HDClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = HDClassifier(dim=2048, random_state=0).fit(X, y)
    >>> clf.dim_, round(clf.score(X, y), 2) >= 0.9
    (2048, True)

    A table with categorical columns and missing values needs no preprocessing:

    >>> import numpy as np
    >>> X = np.array([[5.1, "red"], [np.nan, "blue"], [6.2, None], [4.9, "red"]], dtype=object)
    >>> HDClassifier(dim=512, random_state=0).fit(X, [0, 1, 1, 0]).predict(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(
        self,
        encoder: Any = "auto",
        *,
        dim: int = 10000,
        epochs: int = 30,
        lr: float = 1.0,
        margin: float | str = "auto",
        prototypes: str = "integer",
        average: bool | str = "auto",
        retraining: str = "online",
        temperature: float = 0.05,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.encoder = encoder
        self.dim = dim
        self.epochs = epochs
        self.lr = lr
        self.margin = margin
        self.prototypes = prototypes
        self.average = average
        self.retraining = retraining
        self.temperature = temperature
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ validation and encoding
    _parameter_rules = {
        "dim": Integer(1),
        "epochs": Integer(0),
        "verbose": Verbose(),
        "lr": Real(0, low_open=True),
        "margin": (Options("auto"), Real(0)),
        "temperature": Real(0, low_open=True),
        "average": (Options("auto"), Boolean()),
        "prototypes": Options("integer", "binary"),
        "retraining": Options("online", "batch"),
        "encoder": (Options("auto"), HasMethods("fit", "transform", what="a transformer")),
    }

    def _validate(self, X: Any, y: Any = None, reset: bool = True) -> tuple[Any, Any]:
        if reset and y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        if self.encoder != "auto":
            if isinstance(X, Iterator):
                X = list(X)  # fitting the encoder must not use up what is then encoded
            if y is not None:
                y = validate_data(self, X="no_validation", y=y, reset=False)
            return X, y
        if _is_packed(X):
            if y is None:
                return validate_data(self, X, dtype=None, reset=reset), y
            return validate_data(self, X, y, dtype=None, reset=reset)
        from encoders._columns import as_table

        X = as_table(X)  # a table for TableEncoder: numbers, categories, missing values
        if y is not None:  # first: X's column names are then recorded by the second call
            y = validate_data(self, X="no_validation", y=y, reset=reset)
            try:
                check_consistent_length(X, y)
            except ValueError as exc:
                raise with_argument_name(exc, "X and y") from exc
        validate_data(self, X, skip_check_array=True, reset=reset)
        return X, y

    def _auto_features(self, X: Any) -> bool:
        """True when ``X`` goes through the ``"auto"`` encoder (numeric, not packed input)."""
        return self.encoder == "auto" and not _is_packed(X)

    def _encoder_clone(self, seed: int) -> Any:
        """An unfitted copy of ``encoder``, seeded from ``random_state`` when that is set."""
        encoder = clone(self.encoder)
        if "random_state" in encoder.get_params() and self.random_state is not None:
            encoder.set_params(random_state=seed)
        return encoder

    def _adopt_encoder(self, encoder: Any) -> None:
        """Keep a fitted encoder as ``encoder_``; its ``dim_`` sets the hypervector size."""
        if not isinstance(getattr(encoder, "dim_", None), numbers.Integral):
            raise TypeError(
                f"encoder must turn samples into packed hypervectors and set dim_ in fit "
                f"(as the encoders package's encoders do); {type(self.encoder).__name__} has "
                "no dim_"
            )
        self.encoder_ = encoder
        self.dim_ = int(encoder.dim_)
        if hasattr(encoder, "n_features_in_"):
            self.n_features_in_ = encoder.n_features_in_

    def _init_encoder(self, X: Any, rng: np.random.Generator) -> None:
        seed = int(rng.integers(2**31 - 1))
        if self.encoder != "auto":
            encoder = self._encoder_clone(seed)
            encoder.fit(X)
            self._adopt_encoder(encoder)
        elif _is_packed(X):
            self.encoder_ = None
            self.dim_ = X.shape[1] * WORD_BITS
        else:
            encoder = self._auto_encoder(seed)
            encoder.fit(X)
            self._adopt_encoder(encoder)

    def _check_memory(self, X: Any, n_classes: int) -> None:
        """Say what a fit needs before allocating it, when that exceeds the memory available
        (e.g. ``dim=10**9`` on 60,000 rows), instead of numpy's bare MemoryError midway."""
        n = _num_samples(X)
        if self.encoder == "auto" and not _is_packed(X):
            dim = -(-int(self.dim) // WORD_BITS) * WORD_BITS
            parts = {
                "encoded samples": n * dim / 8,
                "encoder tables and projection block": 8.0 * dim + min(n, 1024) * dim * 4.0,
            }
        else:
            dim = np.shape(X)[1] * WORD_BITS if _is_packed(X) else 0
            parts = {}
        parts["class counters"] = n_classes * dim * 8.0
        what = f"dim={self.dim}" if parts.keys() != {"class counters"} else f"packed, dim {dim}"
        check_memory(
            parts, f"HDClassifier ({what}) on {n} samples and {n_classes} classes",
            "use a smaller dim, or fewer samples per call (partial_fit or a Dask array)",
        )

    def _auto_encoder(self, seed: int) -> Any:
        """The unfitted ``"auto"`` encoder of a table: :class:`encoders.TableEncoder`."""
        from encoders.table import TableEncoder

        return TableEncoder(dim=self.dim, random_state=seed)

    def _encode(self, X: Any) -> np.ndarray:
        if self.encoder_ is None:
            if not _is_packed(X):
                raise TypeError(
                    "this classifier was fitted on packed uint64 hypervectors, got "
                    f"{getattr(X, 'dtype', type(X).__name__)}"
                )
            return native_words(X)
        return self.encoder_.transform(X)

    def _check_width(self, H: np.ndarray) -> np.ndarray:
        if H.ndim != 2 or H.shape[1] * WORD_BITS != self.dim_:
            raise ValueError(
                f"X must be packed hypervectors of dim {self.dim_} ({self.dim_ // WORD_BITS} "
                f"words), got shape {H.shape}"
            )
        return H

    # ------------------------------------------------------------------ learning
    def _start(self, classes: np.ndarray, rng: np.random.Generator) -> None:
        self.__dict__.pop("margin_", None)
        self.__dict__.pop("average_", None)
        self.classes_ = classes
        self.counters_ = np.zeros((len(classes), self.dim_), dtype=np.float64)
        self.class_count_ = np.zeros(len(classes), dtype=np.int64)
        self.tie_ = rng.integers(0, 2**64, size=self.dim_ // WORD_BITS, dtype=np.uint64)
        self.n_updates_ = []

    def _accumulate(self, H: np.ndarray, y_idx: np.ndarray) -> None:
        self._add_class_sums(*class_sums(H, y_idx, len(self.classes_)))

    def _add_class_sums(self, sums: np.ndarray, sizes: np.ndarray) -> None:
        """Add bipolar class sums ``(n_classes, dim_)`` and class sizes to the counters."""
        self.counters_ += sums
        self.class_count_ += sizes

    def _set_from_gaps(self, gaps: Callable[[], np.ndarray]) -> None:
        """Set ``margin_`` and ``average_``: the parameters, or for ``"auto"`` the choices made
        from the gaps between the true class and the best other class (``gaps()``, called only
        when needed: an ``"auto"`` parameter and retraining epochs to come)."""
        retrain = int(self.epochs) > 0
        auto_margin, auto_average = isinstance(self.margin, str), isinstance(self.average, str)
        values = gaps() if retrain and (auto_margin or auto_average) else np.empty(0)
        self.margin_ = margin_from_gaps(values) if auto_margin else float(self.margin)
        self.average_ = (retrain and average_from_gaps(values)) if auto_average else bool(
            self.average)

    def _run_batch_epochs(self, epoch_update: Callable, epochs: int) -> None:
        """Apply each batch epoch's update: ``epoch_update(counters, binary prototypes or None,
        margin)`` returns the summed integer update of an epoch and its number of updates (over
        the data in memory, or map-reduced over partitions)."""
        lr = float(self.lr)
        total = np.zeros_like(self.counters_) if self.average_ else None
        done = 0
        passes = range(epochs)
        if self.verbose:
            passes = progress(passes, epochs, "HDClassifier epochs", True, unit="epoch")
        for _ in passes:
            binary = self._binarize() if self.prototypes == "binary" else None
            update, n_updates = epoch_update(self.counters_, binary, self.margin_)
            self.counters_ += lr * update
            self.n_updates_.append(int(n_updates))
            if total is not None:
                total += self.counters_
                done += 1
            if n_updates == 0:
                break
        if total is not None and done:
            self.counters_ = total / done

    def _retrain(self, H: np.ndarray, y_idx: np.ndarray, epochs: int, rng: np.random.Generator):
        lr = float(self.lr)
        H, y_idx = readonly(H), readonly(y_idx)  # kernel inputs: one compiled signature
        if not hasattr(self, "margin_"):
            # the margin and averaging are fixed by the first batch of partial_fit
            self._set_from_gaps(lambda: cosine_gaps(H, y_idx, self.counters_))
        margin = self.margin_
        if self.retraining == "batch":
            self._run_batch_epochs(lambda P, B, m: batch_updates(H, y_idx, P, B, m), epochs)
            return
        P = self.counters_
        # running sums for the averaged perceptron (none needed without averaging)
        S = np.zeros_like(P) if self.average_ else np.zeros((0, P.shape[1]))
        planes = None
        if self.prototypes == "binary":
            B = self._binarize()
        else:
            norms2 = np.einsum("ij,ij->i", P, P)
            if lr.is_integer():
                # integer counters: score by popcount on their bit planes (the same result)
                planes = integer_planes(P, growth=lr * H.shape[0] * epochs)
        passes = range(epochs)
        if self.verbose:
            passes = progress(passes, epochs, "HDClassifier epochs", True, unit="epoch")
        step = 0
        for _ in passes:
            order = readonly(rng.permutation(H.shape[0]).astype(np.int64))
            if self.prototypes == "binary":
                tie = readonly(self.tie_)
                updates = _learn_kernels.retrain_binary(
                    H, y_idx, order, P, B, tie, lr, margin, S, float(step)
                )
            elif planes is not None:
                planes.bounds[:] = np.abs(P).max(axis=1)  # exact: shed planes the counters left
                updates, _ = _learn_kernels.retrain_integer_planes(
                    H, y_idx, order, P, planes.bits, plane_bits(planes.bounds.max()),
                    planes.bounds, planes.row_sums, norms2, lr, margin, S, float(step),
                )
            else:
                updates = _learn_kernels.retrain_integer(
                    H, y_idx, order, P, norms2, lr, margin, S, float(step)
                )
            step += H.shape[0]
            self.n_updates_.append(int(updates))
            if updates == 0:
                break
        if self.average_ and step:
            # averaged perceptron: the mean of the counters over all visited samples
            P -= S / step

    def _binarize(self) -> np.ndarray:
        out = np.empty((self.counters_.shape[0], self.dim_ // WORD_BITS), dtype=np.uint64)
        _learn_kernels.sign_rows(self.counters_, self.tie_, out)
        return out

    def _finish(self) -> None:
        self.prototypes_ = self._binarize()
        self._norms = np.sqrt(np.einsum("ij,ij->i", self.counters_, self.counters_))
        # bit planes of integer counters for popcount scoring (None: float64 kernel)
        self._planes = None if self.prototypes == "binary" else integer_planes(self.counters_)

    def _y_index(self, y: np.ndarray) -> np.ndarray:
        index = np.searchsorted(self.classes_, y)
        index = np.minimum(index, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not in classes_: {np.unique(y[unknown])[:5].tolist()}; "
                f"known classes are {self.classes_.tolist()}"
            )
        return index.astype(np.int64)

    def fit(self, X: Any, y: Any) -> HDClassifier:
        """Encode ``X``, accumulate the class counters and retrain for ``epochs`` passes.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features)``, packed ``uint64`` hypervectors
            ``(n_samples, dim // 64)``, or whatever the given ``encoder`` accepts. A Dask
            array or DataFrame (with ``y`` a Dask array or Series) is fitted by map-reduce,
            partition by partition: see :func:`hdc.distributed.fit_dask`.
        y : array-like of shape ``(n_samples,)``

        Returns
        -------
        self
        """
        if is_dask_collection(X):
            from hdc.distributed import fit_dask

            return fit_dask(self, X, y)
        check_params(self, self._parameter_rules)
        X, y = self._validate(X, y, reset=True)
        y = np.asarray(y)
        check_classification_targets(y)
        classes = np.unique(y)
        _check_two_classes(classes)
        self._check_memory(X, len(classes))
        rng = check_random_state(self.random_state)
        self._rng = rng
        self._init_encoder(X, rng)
        H = self._check_width(self._encode(X))
        if H.shape[0] != len(y):
            raise ValueError(f"X and y have different lengths: {H.shape[0]} and {len(y)}")
        self._start(classes, rng)
        y_idx = self._y_index(y)
        self._accumulate(H, y_idx)
        self._retrain(H, y_idx, int(self.epochs), rng)
        self._finish()
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> HDClassifier:
        """Stream a batch: add it to the class counters, then one retraining pass over it.

        The first call needs ``classes``, all the labels to expect, and fits the encoder on its
        batch: the ``"auto"`` encoder's quantiles, scales, kernel width and categories (and,
        with ``margin="auto"`` / ``average="auto"``, the margin and the averaging) are
        estimated from that batch alone and stay fixed afterwards, so it should be
        representative (a warning is given below 100 samples; a category first seen later is
        treated as missing); so do a given encoder's fitted state (a ``RecordEncoder``'s value
        ranges: later values outside them clip; an ``NGramEncoder``'s idf weights). With
        ``epochs=0`` no retraining is done and streaming batches gives the same counters as
        :meth:`fit` on their concatenation.

        Parameters
        ----------
        X : array-like or packed hypervectors, as in :meth:`fit`
        y : array-like of shape ``(n_samples,)``
        classes : array-like of shape ``(n_classes,)``, required on the first call

        Returns
        -------
        self
        """
        first = not hasattr(self, "classes_")
        check_params(self, self._parameter_rules)
        X, y = self._validate(X, y, reset=first)
        y = np.asarray(y)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes must be given on the first call to partial_fit")
            _check_two_classes(np.unique(np.asarray(classes)), "classes")
            unknown = np.setdiff1d(y, np.asarray(classes))
            if unknown.size:
                raise ValueError(
                    f"y contains labels not in classes: {unknown[:5].tolist()}; classes="
                    f"{np.unique(classes).tolist()} must list every label to expect"
                )
            estimated = [
                what
                for what, auto in (
                    ("the scales of the 'auto' encoder", self._auto_features(X)),
                    ("margin='auto'", isinstance(self.margin, str) and self.epochs > 0),
                    ("average='auto'", isinstance(self.average, str) and self.epochs > 0),
                )
                if auto
            ]
            if estimated and _num_samples(X) < _SMALL_FIRST_BATCH:
                warnings.warn(
                    f"the first partial_fit batch has only {_num_samples(X)} samples, and "
                    f"{' and '.join(estimated)} are estimated from it alone (fixed afterwards); "
                    f"a first batch of {_SMALL_FIRST_BATCH} samples or more, a numeric margin "
                    "or an explicit encoder make streaming reliable",
                    UserWarning,
                    stacklevel=2,
                )
            self._check_memory(X, len(np.unique(np.asarray(classes))))
            self._rng = check_random_state(self.random_state)
            self._init_encoder(X, self._rng)
            self._start(np.unique(np.asarray(classes)), self._rng)
        else:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} differs from the classes of the "
                    f"first call, {self.classes_.tolist()}"
                )
            self._own_learned_arrays()
        H = self._check_width(self._encode(X))
        y_idx = self._y_index(y)
        self._accumulate(H, y_idx)
        if self.epochs > 0:
            self._retrain(H, y_idx, 1, self._rng)
        self._finish()
        return self

    def _own_learned_arrays(self) -> None:
        """Copy on first write: arrays that learning updates in place are copied when they are
        read-only (a model loaded with ``joblib.load(path, mmap_mode="r")``) or views of
        memory the model does not own, so ``partial_fit`` works and never writes to the
        file."""
        for name in ("counters_", "class_count_"):
            value = getattr(self, name)
            if not value.flags.writeable or not value.flags.owndata:
                setattr(self, name, np.array(value))
        if not isinstance(self.n_updates_, list):
            self.n_updates_ = list(self.n_updates_)

    # ------------------------------------------------------------------ fitting on partitions
    # The map-reduce interface that hdc.distributed drives (the classifier knows nothing of
    # Dask). For partitions X_1..X_m of the rows, in order, with labels y_j:
    #
    #   _begin_partitioned_fit(n_samples, packed, n_features)
    #   statistics <- _partition_statistics(X_j, first_row_j), merged by _merge_statistics
    #   _start_from_statistics(statistics, classes, n_features)        (fits the encoder)
    #   _add_class_sums(sum over j of _partition_class_sums(H_j, y_j, classes))
    #   _set_from_gaps(lambda: concatenation of _partition_gaps(H_j, y_j, classes, counters_))
    #   _run_batch_epochs(epoch_update, epochs)   (epoch_update sums _partition_epoch_update)
    #   _finish()
    #
    # where H_j is X_j encoded by encoder_ (X_j itself when encoder_ is None). The _partition_*
    # functions depend only on their arguments and the parameters, every merge is exact, and
    # the random draws are those of fit: the result equals fit(X, y) with retraining="batch"
    # bit for bit.

    def _begin_partitioned_fit(self, n_samples: int, packed: bool, n_features: int) -> None:
        """Check the parameters, seed the encoder as :meth:`fit` does first and fix its
        statistics plan (e.g. the rows sampled for quantiles: a function of the shape of ``X``
        and the seed only).

        Raises ``ValueError`` when the configuration cannot be fitted on partitions: online
        retraining, or an encoder that cannot be fitted from mergeable statistics.
        """
        check_params(self, self._parameter_rules)
        if self.epochs > 0 and self.retraining != "batch":
            raise ValueError(
                "fitting on partitions retrains in map-reduce passes: set retraining='batch' on "
                f"the estimator (got retraining={self.retraining!r}) or epochs=0"
            )
        auto = self.encoder == "auto"
        if not auto and not _fits_from_statistics(self.encoder):
            raise ValueError(
                "fitting on partitions needs an encoder fitted from mergeable statistics: "
                "encoder='auto', RecordEncoder, TableEncoder, TableRFFEncoder or packed uint64 "
                "input; for another encoder fit it on a sample, encode the collection with "
                "hdc.distributed.transform_dask and fit on the packed result"
            )
        if packed and not auto:
            raise ValueError(
                "packed uint64 X needs encoder='auto' (the hypervectors are used as is)"
            )
        self._rng = check_random_state(self.random_state)
        seed = int(self._rng.integers(2**31 - 1))  # the draw _init_encoder makes first
        if packed:
            self._partitioned_fit = _PartitionedFit(None, None)
            return
        encoder = self._auto_encoder(seed) if auto else self._encoder_clone(seed)
        plan = encoder._statistics_plan(n_samples, n_features)
        self._partitioned_fit = _PartitionedFit(encoder, plan)

    def _partition_statistics(self, X: Any, first_row: int) -> Any:
        """The encoder's statistics of the partition ``X`` whose first row is row ``first_row``
        of the whole (nothing for packed input)."""
        encoder, plan = self._partitioned_fit
        return () if encoder is None else encoder._partition_statistics(X, first_row, plan)

    def _merge_statistics(self, a: Any, b: Any) -> Any:
        """Statistics of two consecutive partitions (``a`` first) -> those of their union."""
        encoder = self._partitioned_fit.encoder
        return () if encoder is None else encoder._merge_statistics(a, b)

    def _start_from_statistics(self, statistics: Any, classes: np.ndarray,
                               n_features: int) -> None:
        """Start a fit from the merged statistics of all partitions: fit the encoder, set
        ``classes_`` and empty counters (as :meth:`fit` does before accumulating)."""
        encoder, plan = self.__dict__.pop("_partitioned_fit")
        classes = np.asarray(classes)
        # the labels' type from their distinct values: as fit's check of y (continuous y fails)
        check_classification_targets(classes)
        _check_two_classes(classes)
        self.n_features_in_ = n_features
        if encoder is None:
            self.encoder_ = None
            self.dim_ = n_features * WORD_BITS
        else:
            encoder._fit_from_statistics(statistics, plan)
            self._adopt_encoder(encoder)
        self._start(classes, self._rng)

    @staticmethod
    def _partition_class_sums(
        H: np.ndarray, y: Any, classes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class sums of a partition: bipolar sums per class ``(n_classes, dim)`` and sizes."""
        return class_sums(np.ascontiguousarray(H), _class_index(y, classes), len(classes))

    @staticmethod
    def _partition_gaps(
        H: np.ndarray, y: Any, classes: np.ndarray, counters: np.ndarray
    ) -> np.ndarray:
        """Per sample of a partition: cosine of its class minus that of the best other class."""
        return cosine_gaps(np.ascontiguousarray(H), _class_index(y, classes), counters)

    @staticmethod
    def _partition_epoch_update(
        H: np.ndarray,
        y: Any,
        classes: np.ndarray,
        counters: np.ndarray,
        prototypes: np.ndarray | None,
        margin: float,
    ) -> tuple[np.ndarray, int]:
        """A partition's share of a batch epoch: its integer update and number of updates."""
        return batch_updates(
            np.ascontiguousarray(H), _class_index(y, classes), counters, prototypes, margin
        )

    # ------------------------------------------------------------------ prediction
    def _similarities(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X, _ = self._validate(X, reset=False)
        H = self._check_width(self._encode(X))
        out = np.empty((H.shape[0], len(self.classes_)), dtype=np.float64)
        if H.shape[0] == 0:
            return out
        if self.prototypes == "binary":
            _learn_kernels.cosine_binary(H, self.prototypes_, out)
        else:
            integer_cosines(H, self.counters_, self._norms, out, self._planes)
        return out

    def decision_function(self, X: Any) -> np.ndarray:
        """Cosine similarity of every sample to every class prototype.

        Returns
        -------
        numpy.ndarray of float64, shape ``(n_samples, n_classes)``
            In ``[-1, 1]``; for two classes, shape ``(n_samples,)``: similarity to
            ``classes_[1]`` minus similarity to ``classes_[0]`` (scikit-learn's convention).
        """
        sims = self._similarities(X)
        if len(self.classes_) == 2:
            return sims[:, 1] - sims[:, 0]
        return sims

    def predict(self, X: Any) -> np.ndarray:
        """Class of the most similar prototype (lowest class index on ties).

        For a Dask collection, a lazy Dask array of predictions (see :mod:`hdc.distributed`).
        """
        if is_dask_collection(X):
            from hdc.distributed import predict_dask

            return predict_dask(self, X)
        sims = self._similarities(X)
        return self.classes_[np.argmax(sims, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of the similarities divided by ``temperature``, shape ``(n, n_classes)``."""
        sims = self._similarities(X) / float(self.temperature)
        sims -= sims.max(axis=1, keepdims=True)
        np.exp(sims, out=sims)
        sims /= sims.sum(axis=1, keepdims=True)
        return sims

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        sims = self._similarities(X) / float(self.temperature)
        sims -= sims.max(axis=1, keepdims=True)
        return sims - np.log(np.exp(sims).sum(axis=1, keepdims=True))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if isinstance(self.encoder, str):
            # the "auto" encoder takes tables: categories, strings and missing values
            tags.input_tags.allow_nan = True
            tags.input_tags.categorical = True
            tags.input_tags.string = True
        return tags
