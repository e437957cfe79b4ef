"""HDClassifier: an associative-memory classifier on packed hypervectors, with the sklearn API."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from hdc import _learn_kernels
from hdc._batch_retraining import batch_updates, class_sums, cosine_gaps, margin_from_gaps
from hdc._counter_planes import integer_cosines, integer_planes, plane_bits
from hdc._parameters import Boolean, HasMethods, Integer, Options, Real, Verbose, check_params
from hdc._progress import progress
from hdc._rbf_width import gamma_sample_rows, neighbour_gamma
from hdc._validation import WORD_BITS, check_random_state, is_dask_collection

__all__ = ["HDClassifier"]

# fewer rows than this in the first partial_fit batch give a warning (see partial_fit)
_SMALL_FIRST_BATCH = 100


def _is_packed(X: Any) -> bool:
    """True for a numpy ``uint64`` array: packed hypervectors, used as they are."""
    return isinstance(X, np.ndarray) and X.dtype == np.uint64


def _class_index(y: Any, classes: np.ndarray) -> np.ndarray:
    """Class index of every label (all of them in ``classes``, sorted as ``classes_``)."""
    return np.searchsorted(classes, np.asarray(y)).astype(np.int64)


class _PartitionedFit(NamedTuple):
    """What a fit on partitions fixes before its first pass (see the map-reduce interface)."""

    seed: int  # the encoder's seed, drawn as fit draws it
    packed: bool  # X holds packed hypervectors
    sample_rows: np.ndarray | None  # rows the "auto" encoder's width is measured on


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
        How samples become hypervectors. ``"auto"``: numeric ``X`` goes through binarised random
        Fourier features, ``ProjectionEncoder(dim, kind="rff", gamma=0.5 / d2)`` where ``d2``
        is the median squared distance from a row to its nearest distinct row among up to 1,000
        sampled training rows (a non-linear encoding whose kernel width follows the data's
        neighbourhoods; docs/learning.md compares it with record encoding), and a packed
        ``uint64`` array of hypervectors is used as is (``dim_`` then comes from its width). A
        transformer is cloned and fitted on ``X`` (e.g. :class:`encoders.RecordEncoder`,
        :class:`encoders.NGramEncoder` for text); it must output packed hypervectors and set
        ``dim_``. When ``random_state`` is not None, the clone's own ``random_state`` is
        replaced by a seed drawn from it, so that one seed fixes the whole model.
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
    average : bool, default=False
        Keep the average of the counters over all retraining steps instead of their last
        value (the averaged perceptron of Freund & Schapire 1999): steadier prototypes that
        generalise better, at the cost of one more vector update per retraining update.
        With ``retraining="batch"``: the average of the counters after each epoch.
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
        Retraining margin used (``margin``, or the value chosen by ``"auto"``).
    n_updates_ : list of int
        Number of retraining updates made in each epoch of the last ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hdc import HDClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = HDClassifier(dim=2048, random_state=0).fit(X, y)
    >>> clf.dim_, round(clf.score(X, y), 2) >= 0.9
    (2048, True)
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
        average: bool = False,
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
        "average": Boolean(),
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
        if y is None:
            X = validate_data(self, X, dtype="numeric", reset=reset)
        else:
            X, y = validate_data(self, X, y, dtype="numeric", reset=reset)
        if X.dtype != np.uint64:
            X = np.asarray(X, dtype=np.float64)
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
            sample = X[gamma_sample_rows(X.shape[0], seed)]
            self._init_auto_encoder(X.shape[0], X.sum(axis=0), sample, seed)

    def _init_auto_encoder(
        self, n_samples: int, column_sums: np.ndarray, sample: np.ndarray, seed: int
    ) -> None:
        """The ``"auto"`` encoder (binarised RFF) from the column sums of the training features
        and the rows picked by :func:`hdc._rbf_width.gamma_sample_rows`.

        Both come out the same from one array or from partitions of it (the sums exactly, for
        integer-valued features): see :meth:`_partition_statistics`.
        """
        from encoders.projection import ProjectionEncoder

        mean = column_sums / max(n_samples, 1)
        gamma = neighbour_gamma(sample)
        encoder = ProjectionEncoder(dim=self.dim, kind="rff", gamma=gamma, random_state=seed)
        self.encoder_ = encoder._fit_from_mean(mean)
        self.dim_ = self.encoder_.dim_

    def _encode(self, X: Any) -> np.ndarray:
        if self.encoder_ is None:
            if not _is_packed(X):
                raise TypeError(
                    "this classifier was fitted on packed uint64 hypervectors, got "
                    f"{getattr(X, 'dtype', type(X).__name__)}"
                )
            return np.ascontiguousarray(X)
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

    def _set_margin(self, gaps: Callable[[], np.ndarray]) -> None:
        """Set ``margin_``: the ``margin`` parameter, or for ``"auto"`` the median of the gaps
        between the true class and the best other class (``gaps()``, called only then)."""
        if isinstance(self.margin, str):
            self.margin_ = margin_from_gaps(gaps())
        else:
            self.margin_ = float(self.margin)

    def _run_batch_epochs(self, epoch_update: Callable, epochs: int) -> None:
        """Apply each batch epoch's update: ``epoch_update(counters, binary prototypes or None,
        margin)`` returns the summed integer update of an epoch and its number of updates (over
        the data in memory, or map-reduced over partitions)."""
        lr = float(self.lr)
        total = np.zeros_like(self.counters_) if self.average else None
        done = 0
        passes = range(epochs)
        if self.verbose:
            passes = progress(passes, epochs, "HDClassifier epochs", True)
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
        if not (isinstance(self.margin, str) and hasattr(self, "margin_")):
            # an "auto" margin is fixed by the first batch of partial_fit
            self._set_margin(lambda: cosine_gaps(H, y_idx, self.counters_))
        margin = self.margin_
        if self.retraining == "batch":
            self._run_batch_epochs(lambda P, B, m: batch_updates(H, y_idx, P, B, m), epochs)
            return
        P = self.counters_
        # running sums for the averaged perceptron (none needed without averaging)
        S = np.zeros_like(P) if self.average else np.zeros((0, P.shape[1]))
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
            passes = progress(passes, epochs, "HDClassifier epochs", True)
        step = 0
        for _ in passes:
            order = rng.permutation(H.shape[0]).astype(np.int64)
            if self.prototypes == "binary":
                tie = self.tie_
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
        if self.average and step:
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
        rng = check_random_state(self.random_state)
        self._rng = rng
        self._init_encoder(X, rng)
        H = self._check_width(self._encode(X))
        if H.shape[0] != len(y):
            raise ValueError(f"X and y have different lengths: {H.shape[0]} and {len(y)}")
        self._start(np.unique(y), rng)
        y_idx = self._y_index(y)
        self._accumulate(H, y_idx)
        self._retrain(H, y_idx, int(self.epochs), rng)
        self._finish()
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> HDClassifier:
        """Stream a batch: add it to the class counters, then one retraining pass over it.

        The first call needs ``classes``, all the labels to expect, and fits the encoder on its
        batch: the ``"auto"`` encoder's kernel width (and, with ``margin="auto"``, the margin)
        are estimated from that batch alone and stay fixed afterwards, so it should be
        representative (a warning is given below 100 samples); so do a given encoder's fitted
        state (a ``RecordEncoder``'s value ranges: later values outside them clip; an
        ``NGramEncoder``'s idf weights). With ``epochs=0`` no retraining is done and streaming
        batches gives the same counters as :meth:`fit` on their concatenation.

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
            unknown = np.setdiff1d(y, np.asarray(classes))
            if unknown.size:
                raise ValueError(
                    f"y contains labels not in classes: {unknown[:5].tolist()}; classes="
                    f"{np.unique(classes).tolist()} must list every label to expect"
                )
            estimated = [
                what
                for what, auto in (
                    ("the kernel width of the 'auto' encoder", self._auto_features(X)),
                    ("margin='auto'", isinstance(self.margin, str) and self.epochs > 0),
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
            self._rng = check_random_state(self.random_state)
            self._init_encoder(X, self._rng)
            self._start(np.unique(np.asarray(classes)), self._rng)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the classes of the first "
                f"call, {self.classes_.tolist()}"
            )
        H = self._check_width(self._encode(X))
        y_idx = self._y_index(y)
        self._accumulate(H, y_idx)
        if self.epochs > 0:
            self._retrain(H, y_idx, 1, self._rng)
        self._finish()
        return self

    # ------------------------------------------------------------------ fitting on partitions
    # The map-reduce interface that hdc.distributed drives (the classifier knows nothing of
    # Dask). For partitions X_1..X_m of the rows, in order, with labels y_j:
    #
    #   _begin_partitioned_fit(n_samples, packed)
    #   statistics <- _partition_statistics(X_j, first_row_j), merged by _merge_statistics
    #   _start_from_statistics(statistics, classes, n_features)        (fits the encoder)
    #   _add_class_sums(sum over j of _partition_class_sums(H_j, y_j, classes))
    #   _set_margin(lambda: concatenation over j of _partition_gaps(H_j, y_j, classes, counters_))
    #   _run_batch_epochs(epoch_update, epochs)   (epoch_update sums _partition_epoch_update)
    #   _finish()
    #
    # where H_j is X_j encoded by encoder_ (X_j itself when encoder_ is None). The _partition_*
    # functions depend only on their arguments and the parameters, every merge is exact, and
    # the random draws are those of fit: the result equals fit(X, y) with retraining="batch"
    # bit for bit (the "auto" encoder's feature sums: for integer-valued features).

    def _begin_partitioned_fit(self, n_samples: int, packed: bool) -> None:
        """Check the parameters and draw the encoder's seed, as :meth:`fit` does first.

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
                "encoder='auto', RecordEncoder(quantization='uniform') or packed uint64 input; "
                "for another encoder fit it on a sample, encode the collection with "
                "hdc.distributed.transform_dask and fit on the packed result"
            )
        if packed and not auto:
            raise ValueError(
                "packed uint64 X needs encoder='auto' (the hypervectors are used as is)"
            )
        self._rng = check_random_state(self.random_state)
        seed = int(self._rng.integers(2**31 - 1))  # the draw _init_encoder makes first
        sample_rows = gamma_sample_rows(n_samples, seed) if auto and not packed else None
        self._partitioned_fit = _PartitionedFit(seed, packed, sample_rows)

    def _partition_statistics(self, X: Any, first_row: int) -> tuple[np.ndarray, ...]:
        """What the encoder needs to know of the partition ``X`` whose first row is row
        ``first_row`` of the whole: nothing for packed input; for ``"auto"`` the row count, the
        column sums and the sampled rows that fall in it; else the encoder's own statistics."""
        plan = self._partitioned_fit
        if plan.packed:
            return ()
        X = np.asarray(X, dtype=np.float64)
        if plan.sample_rows is None:
            return tuple(self.encoder._partition_statistics(X))
        rows = plan.sample_rows
        local = rows[(rows >= first_row) & (rows < first_row + X.shape[0])] - first_row
        return np.array([X.shape[0]], dtype=np.int64), X.sum(axis=0), X[local]

    def _merge_statistics(
        self, a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, ...]:
        """Statistics of two consecutive partitions (``a`` first) -> those of their union."""
        plan = self._partitioned_fit
        if plan.packed:
            return ()
        if plan.sample_rows is None:
            return tuple(self.encoder._merge_statistics(a, b))
        return a[0] + b[0], a[1] + b[1], np.concatenate([a[2], b[2]])

    def _start_from_statistics(
        self, statistics: tuple[np.ndarray, ...], classes: np.ndarray, n_features: int
    ) -> None:
        """Start a fit from the merged statistics of all partitions: fit the encoder, set
        ``classes_`` and empty counters (as :meth:`fit` does before accumulating)."""
        plan = self.__dict__.pop("_partitioned_fit")
        if not all(np.all(np.isfinite(s)) for s in statistics):
            raise ValueError("X contains NaN or infinity; HDClassifier needs finite values")
        self.n_features_in_ = n_features
        if plan.packed:
            self.encoder_ = None
            self.dim_ = n_features * WORD_BITS
        elif plan.sample_rows is None:
            encoder = self._encoder_clone(plan.seed)
            encoder._fit_from_statistics(statistics)
            self._adopt_encoder(encoder)
        else:
            n_samples, column_sums, sample = statistics
            self._init_auto_encoder(int(n_samples[0]), column_sums, sample, plan.seed)
        self._start(np.asarray(classes), self._rng)

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
