"""Character n-gram encoder: text -> bundle of its n-grams, as packed hypervectors."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from encoders import _ngram_kernels
from encoders._base import SHARED_RULES, BaseEncoder, is_dask_collection
from hdc import permute
from hdc._parallel import rows_per_chunk, run_chunks, run_rows
from hdc._parameters import Boolean, Options
from hdc._progress import progress
from hdc._validation import WORD_BITS, check_random_state, readonly

__all__ = ["NGramEncoder"]

# Code point used to derive the tie-breaking vector; above the Unicode range, so no letter has it.
_TIE_KEY = 0x110000
# XOR-ed into seed_ to start the hash chain of the n-gram keys (a stream apart from the letters).
_KEY_SALT = 0x5851F42D4C957F2D
# The idf weights live in a table of 2**_HASH_BITS buckets indexed by the top bits of n-gram keys.
_HASH_BITS = 20
# Largest integer weight of an n-gram (weights are quantised to 1.._MAX_WEIGHT, 4 bits).
_MAX_WEIGHT = 15


def _check_texts(X: Any, name: str = "X") -> list[str]:
    """Return ``X`` as a list of str; raise TypeError for a lone string or non-string items."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{name} must be an iterable of str (one text per sample), got a single "
            f"{type(X).__name__}; wrap it in a list: [{name}]"
        )
    if isinstance(X, np.ndarray) and X.ndim != 1:
        raise ValueError(
            f"{name} must be a one-dimensional collection of str, got an array of shape {X.shape}"
        )
    if not isinstance(X, Iterable):
        raise TypeError(f"{name} must be an iterable of str, got {type(X).__name__}")
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{name}[{i}] must be a str, got {type(text).__name__} ({text!r:.40}); "
                "NGramEncoder encodes text, one str per sample"
            )
    return texts


def _raise_unencodable(texts: list[str], name: str = "X", indexed: bool = True) -> None:
    """Raise a ValueError naming the first text that is not valid Unicode (a lone surrogate).

    Called only once a bulk ``encode("utf-32-le")`` has failed, so valid input pays nothing.
    """
    for i, text in enumerate(texts):
        try:
            text.encode("utf-32-le")
        except UnicodeEncodeError as exc:
            label = f"{name}[{i}]" if indexed else name
            raise ValueError(
                f"{label} is not valid Unicode text: it holds the lone surrogate "
                f"{text[exc.start]!r} at position {exc.start} ({text!r:.40}); NGramEncoder "
                "encodes str of Unicode characters (decode bytes with errors='replace', not "
                "'surrogateescape')"
            ) from None


def _check_ngram_range(ngram_range: Any) -> tuple[int, int]:
    ok = isinstance(ngram_range, (tuple, list)) and len(ngram_range) == 2
    ok = ok and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in ngram_range
    )
    if not ok or not 1 <= ngram_range[0] <= ngram_range[1]:
        raise ValueError(
            "ngram_range must be a pair (n_min, n_max) of integers with 1 <= n_min <= n_max, "
            f"got {ngram_range!r}"
        )
    return int(ngram_range[0]), int(ngram_range[1])


def _distinct_buckets(symbols, offsets, distinct, n_min, n_max, seed, first,
                      buckets: np.ndarray) -> None:
    """:func:`encoders._ngram_kernels.ngram_buckets` over chunks of texts (text ``i`` fills
    ``buckets[first[i]:first[i + 1]]``)."""

    def kernel(start: int, stop: int, slots: np.ndarray) -> None:
        _ngram_kernels.ngram_buckets(symbols, offsets[start : stop + 1], distinct, n_min, n_max,
                                     seed, _HASH_BITS, first[start : stop + 1] - first[start],
                                     slots)

    def compute(start: int, stop: int) -> np.ndarray:
        slots = np.empty(first[stop] - first[start], dtype=np.int64)
        kernel(start, stop, slots)
        return slots

    def commit(start: int, stop: int, slots: np.ndarray) -> None:
        buckets[first[start] : first[stop]] = slots

    n_texts = first.shape[0] - 1
    run_chunks(compute, commit, n_texts, rows_per_chunk(first[-1] / max(1, n_texts)),
               direct=lambda start, stop: kernel(start, stop, buckets))


class NGramEncoder(BaseEncoder):
    """Encode texts as the bundle of their character n-grams (packed hypervectors).

    Every character (Unicode code point) has a pseudo-random letter hypervector computed from a
    seeded hash of its code point, so there is no alphabet to fit and any script works. The
    n-gram ``c_0 c_1 ... c_{n-1}`` is ``L(c_0) XOR rho(L(c_1)) XOR ... XOR rho^{n-1}(L(c_{n-1}))``,
    where ``rho`` is the cyclic rotation by one bit (:func:`hdc.permute`), so the order of the
    characters matters. A text is encoded as the bitwise (weighted) majority of its n-grams of
    every size in ``ngram_range``, so texts sharing many n-grams get similar vectors. Each bit is
    the sign of a random +-1 projection of the text's n-gram profile (counts, presences or idf
    weights, see ``weighting``), so the expected Hamming similarity of two encodings is
    ``1 - angle / pi`` between their profiles (SimHash). With ``weighting="count"`` this is the
    classic HDC language recogniser of Joshi, Halseth and Kanerva (2016) applied per text;
    ``weighting="idf"`` is the bit-packed counterpart of TF-IDF features and classifies more
    accurately (language identification of single sentences with :class:`hdc.HDClassifier`:
    ``docs/text.md``).

    Rotated letter vectors are precomputed once per distinct character and position in a batch
    (a small table), and the majority is counted with bit-sliced carry-save adders in a numba
    kernel, texts in parallel.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (the value used is ``dim_``).
    ngram_range : tuple (n_min, n_max), default=(3, 3)
        Sizes of the character n-grams bundled together, e.g. ``(1, 3)`` for uni-, bi- and
        trigrams.
    lowercase : bool, default=True
        Lower-case texts (``str.lower``) before encoding.
    weighting : {"count", "binary", "idf"}, default="count"
        How n-grams vote in the majority of a text:

        - ``"count"``: every occurrence votes (the bag of n-grams with its counts; classic HDC);
          nothing is learned in ``fit``;
        - ``"binary"``: each distinct n-gram of a text votes once (its presence);
        - ``"idf"``: each distinct n-gram votes once with an integer weight from 1 to 15, its
          smoothed inverse document frequency ``log((1 + N) / (1 + df)) + 1`` learned in ``fit``
          (``N`` texts, ``df`` of them containing the n-gram), scaled so that the largest
          possible value, ``log(1 + N) + 1``, is 15, and rounded. Frequent, uninformative
          n-grams (spaces, common letters) then weigh little, as in TF-IDF. N-grams never seen
          in ``fit`` weigh 0 (left out, as by a fitted vocabulary). Document frequencies are
          counted in a table of ``2**20`` buckets indexed by a 64-bit hash of the n-gram (rare
          collisions merge two n-grams' counts).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the letter hash. With an int, encodings are reproducible bit for bit; ``None``
        draws a fresh seed at every ``fit``. Two encoders must share the seed for their
        outputs to be comparable.
    batch_size : int, default=2048
        Texts encoded at a time; bounds the temporaries (the output is allocated once).
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over batches (needs the optional dependency tqdm).

    Attributes
    ----------
    dim_ : int
        Number of bits of the output hypervectors (``dim`` rounded up to a multiple of 64).
    seed_ : int
        The 64-bit seed of the letter hash, drawn from ``random_state`` in ``fit``.
    n_documents_ : int
        Number of texts seen in ``fit``.
    ngram_weights_ : numpy.ndarray of uint8, shape ``(2**20,)``
        Only for ``weighting="idf"``: the integer weight of the n-grams of every hash bucket
        (0 for buckets no n-gram of the training texts fell in).

    Notes
    -----
    ``transform`` uses the ``ngram_range``, ``lowercase`` and ``weighting`` that were fitted;
    changing them with ``set_params`` takes effect at the next ``fit``.

    A text with ``k`` characters contributes ``max(0, k - n + 1)`` n-grams of each size ``n``.
    Bits where exactly half of the n-grams vote 1 take the value of a fixed tie-breaking
    hypervector derived from the seed. **A text with no n-gram at all** (the empty string, or a
    text shorter than ``n_min``; with ``weighting="idf"`` also a text made only of n-grams
    unseen in ``fit``) therefore encodes to that tie-breaking vector: a fixed,
    pseudo-random hypervector that is the same for every such text and is nearly orthogonal to
    the encoding of any text with n-grams.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import hdc
    >>> from encoders import NGramEncoder
    >>> enc = NGramEncoder(dim=4096, ngram_range=(1, 3), random_state=0)
    >>> H = enc.fit_transform(["the cat sat on the mat", "the cat sat on a mat", "Съешь же ещё"])
    >>> H.shape, H.dtype
    ((3, 64), dtype('uint64'))
    >>> s = hdc.similarity(H, H)
    >>> bool(s[0, 1] > s[0, 2])
    True
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        ngram_range: tuple[int, int] = (3, 3),
        lowercase: bool = True,
        weighting: str = "count",
        random_state: Any = None,
        batch_size: int = 2048,
        verbose: bool = False,
    ) -> None:
        self.dim = dim
        self.ngram_range = ngram_range
        self.lowercase = lowercase
        self.weighting = weighting
        self.random_state = random_state
        self.batch_size = batch_size
        self.verbose = verbose

    def fit(self, X: Iterable[str], y: Any = None) -> NGramEncoder:
        """Check the parameters, draw the seed of the letter hash, count document frequencies.

        Letter vectors come from a hash, so nothing is learned from the texts except, for
        ``weighting="idf"``, the document frequencies of their n-grams.

        Parameters
        ----------
        X : iterable of str
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        return self._fit_texts(_check_texts(X))

    def _fit_texts(self, texts: list[str]) -> NGramEncoder:
        self.__dict__.pop("_fitted_settings", None)  # fit reads the current parameters
        self.dim_ = self._resolve_dim()
        rng = check_random_state(self.random_state)
        self.seed_ = int(rng.integers(0, 2**64, dtype=np.uint64))
        self.n_documents_ = len(texts)
        settings = self._settings()
        if settings[3] == "idf":
            try:
                self.ngram_weights_ = self._idf_weights(texts)
            except UnicodeEncodeError:
                _raise_unencodable(texts)
                raise
        elif hasattr(self, "ngram_weights_"):
            del self.ngram_weights_
        # transform uses the settings fitted, whatever set_params changes afterwards
        self._fitted_settings = settings
        return self

    def _settings(self) -> tuple[int, int, bool, str]:
        """``(n_min, n_max, lowercase, weighting)`` as fitted (the parameters, before fit)."""
        fitted = getattr(self, "_fitted_settings", None)
        if fitted is not None:
            return fitted
        n_min, n_max = _check_ngram_range(self.ngram_range)
        return n_min, n_max, bool(self.lowercase), self.weighting

    def fit_transform(self, X: Iterable[str], y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit on the texts and encode them, reading ``X`` once (it may be a generator).

        Parameters
        ----------
        X : iterable of str, length n
        y : ignored

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n, dim_ // 64)``
        """
        if is_dask_collection(X):
            return self.fit(X).transform(X)
        self._check_params()
        texts = _check_texts(X)
        return self._fit_texts(texts)._transform_texts(texts)

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Encode texts.

        Parameters
        ----------
        X : iterable of str, length n

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n, dim_ // 64)``
        """
        check_is_fitted(self, "seed_")
        self._check_params()
        return self._transform_texts(_check_texts(X))

    def _transform_texts(self, texts: list[str]) -> np.ndarray:
        try:
            return self._transform_in_batches(texts)
        except UnicodeEncodeError:
            _raise_unencodable(texts)
            raise

    def letter_vectors(self, chars: str) -> np.ndarray:
        """The letter hypervectors of the characters of ``chars`` (no lower-casing).

        Parameters
        ----------
        chars : str

        Returns
        -------
        numpy.ndarray of uint64, shape ``(len(chars), dim_ // 64)``
        """
        check_is_fitted(self, "seed_")
        if not isinstance(chars, str):
            raise TypeError(f"chars must be a str, got {type(chars).__name__}")
        try:
            encoded = chars.encode("utf-32-le")
        except UnicodeEncodeError:
            _raise_unencodable([chars], "chars", indexed=False)
            raise
        codes = np.frombuffer(encoded, dtype="<u4").astype(np.int64)
        return self._letters(codes)

    # ----------------------------------------------------------------------------------------
    _parameter_rules = {
        "lowercase": Boolean(),
        "weighting": Options("count", "binary", "idf"),
        **SHARED_RULES,
    }

    def _check_params(self) -> None:
        super()._check_params()
        _check_ngram_range(self.ngram_range)

    def _letters(self, codes: np.ndarray) -> np.ndarray:
        out = np.empty((codes.shape[0], self.dim_ // WORD_BITS), dtype=np.uint64)
        _ngram_kernels.letter_words(codes, np.uint64(self.seed_), out)
        return out

    def _tie(self) -> np.ndarray:
        return self._letters(np.array([_TIE_KEY], dtype=np.int64))[0]

    def _key_seed(self) -> np.uint64:
        return np.uint64(self.seed_ ^ _KEY_SALT)

    def _prepare(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Texts -> (symbols int32, offsets int64 (n + 1,), distinct code points int64)."""
        if self._settings()[2]:
            texts = [t.lower() for t in texts]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4")
        distinct, symbols = np.unique(codes, return_inverse=True)
        return symbols.astype(np.int32), offsets, distinct.astype(np.int64)

    def _idf_weights(self, texts: list[str]) -> np.ndarray:
        """Integer n-gram weights per hash bucket from document frequencies (0 if unseen)."""
        n_min, n_max = self._settings()[:2]
        df = np.zeros(2**_HASH_BITS + 1, dtype=np.int64)
        batch = self._check_batch_size()
        starts = range(0, len(texts), batch)
        for start in progress(starts, len(starts), "NGramEncoder idf", self.verbose):
            symbols, offsets, distinct = self._prepare(texts[start : start + batch])
            lengths = np.diff(offsets)
            sizes = np.arange(n_min, n_max + 1)
            m = np.maximum(0, lengths[:, None] - sizes[None, :] + 1).sum(axis=1)
            first = np.zeros(len(m) + 1, dtype=np.int64)
            np.cumsum(m, out=first[1:])
            buckets = np.empty(first[-1], dtype=np.int64)
            _distinct_buckets(symbols, offsets, distinct, n_min, n_max, self._key_seed(), first,
                              buckets)
            df += np.bincount(buckets, minlength=df.size)
        n = len(texts)
        idf = np.log((1.0 + n) / (1.0 + df[:-1])) + 1.0
        top = np.log(1.0 + n) + 1.0
        weights = np.clip(np.rint(_MAX_WEIGHT * idf / top), 1, _MAX_WEIGHT).astype(np.uint8)
        weights[df[:-1] == 0] = 0  # n-grams never seen in fit are left out, as by a vocabulary
        return weights

    def _encode_batch(self, texts: list[str], out: np.ndarray) -> None:
        n_min, n_max, _, weighting = self._settings()
        symbols, offsets, distinct = self._prepare(texts)
        letters = self._letters(distinct)
        table = np.empty((n_max,) + letters.shape, dtype=np.uint64)
        for j in range(n_max):
            table[j] = permute(letters, j)
        if weighting == "idf":
            weights, hash_bits = self.ngram_weights_, _HASH_BITS
        else:
            weights, hash_bits = np.ones(1, dtype=np.uint8), 0
        distinct_votes = weighting != "count"
        seed, tie = self._key_seed(), self._tie()
        n_texts = offsets.shape[0] - 1
        # inputs read-only (also those of a loaded encoder): one compiled signature
        symbols, offsets, distinct, table, weights, tie = (
            readonly(a) for a in (symbols, offsets, distinct, table, weights, tie))
        run_rows(
            lambda s, e, dest: _ngram_kernels.ngram_bundle(
                symbols, offsets[s : e + 1], distinct, table, n_min, n_max, distinct_votes, seed,
                weights, hash_bits, tie, dest,
            ),
            out,
            rows_per_chunk((offsets[-1] - offsets[0]) * (n_max - n_min + 1) * table.shape[-1]
                           / max(1, n_texts)),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
