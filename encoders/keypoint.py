"""Keypoint encoder: an image's local features (SIFT keypoints + descriptors) -> one hypervector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import check_is_fitted

from encoders import _keypoint_kernels
from encoders._base import SHARED_RULES, BaseEncoder
from encoders.projection import ProjectionEncoder
from hdc._parameters import Boolean, HasMethods, Integer, Options
from hdc._validation import WORD_BITS, check_random_state, readonly
from hdc.bundling import bundle, threshold
from hdc.items import item_memory, level

__all__ = ["KeypointEncoder"]

#: relative scales beyond this many octaves from the image's median keypoint size clip to the
#: end scale levels
_SCALE_OCTAVES = 2.0
_MAX_HASH_BITS = 32
_MIN_SIDE = 16  # smallest image side vision.SIFT accepts


def _check_descriptors(desc: Any, name: str) -> np.ndarray:
    """``vision``'s descriptor check, imported on first use (``vision`` loads OpenCV)."""
    from vision.matching import as_descriptors

    return as_descriptors(desc, name)


class _Features:
    """One image's parsed features: descriptors (n, d) float32, positions and sizes or None."""

    __slots__ = ("desc", "xy", "size")

    def __init__(self, desc: np.ndarray, xy: np.ndarray | None, size: np.ndarray | None):
        self.desc = desc
        self.xy = xy
        self.size = size


class KeypointEncoder(BaseEncoder):
    """Encode an image's local features (keypoints and descriptors) as one packed hypervector.

    Every descriptor is hashed to ``n_tables`` *visual words* by sign random projection
    (locality-sensitive hashing, Charikar 2002): its (Root)SIFT descriptor, centred on the
    mean descriptor of the fitted images, goes through :class:`encoders.ProjectionEncoder`,
    and each table reads ``hash_bits`` of the sign bits as a key. Each (table, key) word has a
    pseudo-random hypervector: the XOR (binding) of one item-memory vector per byte of the key,
    so ``2 ** hash_bits`` nearly orthogonal words cost only ``256`` stored vectors per byte and
    table. Two descriptors at angle ``theta`` share a table's word with probability
    ``(1 - theta / pi) ** hash_bits``: near-duplicates (the same physical point seen again)
    often do, unrelated descriptors almost never. No vocabulary is trained.

    Optionally each word vector is bound (XOR) with level hypervectors (:func:`hdc.level`) of
    the keypoint's quantised position along x and y (``position_levels``) and of its scale
    relative to the image's median keypoint scale (``scale_levels``). The image vector is the
    bitwise majority (:func:`hdc.bundle`) of its word vectors. With ``repeated_words="once"``
    (default) a word that several keypoints of the image share votes once: repetitive
    structure (textures, star fields, text) would otherwise dominate the bundle, the
    "burstiness" of visual words (Jegou, Douze and Schmid 2009). Hamming similarity between two
    image vectors then grows with the number of words they share: a bag-of-visual-words
    comparison in one popcount.

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (``dim_``).
    n_tables : int, default=4
        Number of hash tables (words per descriptor). More tables give a smoother descriptor
        kernel at a proportional encoding cost.
    hash_bits : int, default=16
        Sign bits per key, 1 to 32: the selectivity of a word. Each byte of a key costs ``256``
        stored hypervectors per table.
    repeated_words : {"once", "count"}, default="once"
        ``"once"``: every distinct word (with its geometry, when bound) of an image votes once;
        ``"count"``: it votes once per keypoint.
    root_sift : bool, default=False
        Map descriptors to RootSIFT (L1-normalise, then element-wise square root; Arandjelovic
        & Zisserman 2012) before hashing, so angles follow the Hellinger kernel of the
        histograms. ``vision.SIFT()`` already returns RootSIFT by default, so this is off; set
        True for plain SIFT histograms (e.g. OpenCV's or ``vision.SIFT(root_sift=False)``).
        Needs non-negative descriptors.
    position_levels : int, default=0
        Number of levels per axis of the position binding; 0 disables it. Positions are
        normalised to the bounding box of the image's own keypoints (so the binding does not
        depend on translation or on the overall scale of the content), then quantised.
    scale_levels : int, default=0
        Number of levels of the scale binding; 0 disables it. The keypoint size is taken
        relative to the median size in the image (scale invariant), ``log2`` of it clipped to
        +-2 octaves and quantised. Needs keypoint sizes (``vision.Keypoints`` input or images).
    sift : vision.SIFT or None, default=None
        Detector run on images given to ``fit`` / ``transform``; None means ``vision.SIFT()``
        with its defaults. Ignored for inputs that are already feature sets.
    batch_size : int, default=64
        Images encoded at a time (their descriptors are hashed together).
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over batches (needs the optional dependency tqdm).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the projection, word, level and tie-breaking vectors.

    Attributes
    ----------
    dim_ : int
        Number of bits of the output (``dim`` rounded up to a multiple of 64).
    n_descriptor_features_ : int
        Length of the descriptors seen in ``fit`` (128 for SIFT).
    projection_ : ProjectionEncoder
        The fitted sign projection whose packed bits hold the keys (table ``t`` reads
        ``hash_bits`` bits of word ``t // (64 // hash_bits)``).
    word_memory_ : numpy.ndarray of uint64, shape ``(n_tables, n_bytes, 256, dim_ // 64)``
        Item memory of the key bytes; a word is the XOR over bytes ``k`` of
        ``word_memory_[t, k, byte_k(key)]``.
    x_levels_, y_levels_ : numpy.ndarray of uint64, shape ``(position_levels, dim_ // 64)``
        Position level vectors (``None`` when ``position_levels == 0``).
    scale_levels_ : numpy.ndarray of uint64, shape ``(scale_levels, dim_ // 64)`` or None
    tie_ : numpy.ndarray of uint64, shape ``(dim_ // 64,)``
        Bits used where exactly half the words vote 1; also the encoding of an image without
        keypoints.

    Notes
    -----
    **Inputs.** ``X`` is a sequence (list, tuple or 3-D stack of images) with one entry per
    image, each either

    - a pair ``(keypoints, descriptors)`` as returned by
      ``vision.SIFT().detect_and_compute``;
    - a pair ``(xy, descriptors)`` of arrays ``(n, 2)`` and ``(n, d)`` (no sizes, so no scale
      binding);
    - an image (2-D grayscale or 3-D BGR array, as ``vision.SIFT`` accepts), on which the
      detector ``sift`` is run.

    A single image or feature set must be wrapped in a list; a 2-D array ``X`` is rejected
    rather than guessed at.

    **Empty feature sets.** An image without keypoints encodes to ``tie_``: a fixed random
    hypervector, the same for every such image and nearly orthogonal (similarity ~0.5) to the
    encoding of any image with features.

    **Invariances.** The words inherit SIFT's invariance to rotation, scale, brightness and
    contrast and, approximately, to mild blur, noise and small viewpoint changes (descriptors
    move a little, so only some of a keypoint's ``n_tables`` words survive); bundling ignores
    the order of the keypoints, and a partial view keeps the words of what is still visible.
    Without position binding the encoding is a bag of visual words: it keeps all those
    invariances and loses all geometry (two images with the same local patches in another
    arrangement encode alike). With ``position_levels`` it keeps a coarse layout and stays
    invariant to translation and uniform scaling of the content (positions are relative to the
    keypoints' bounding box), but no longer to rotation, strong crops or perspective, which move
    keypoints across levels. ``scale_levels`` keeps relative scale (invariant to uniform
    scaling). Orientation is not bound: the descriptors are already rotation-normalised.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np, hdc
    >>> from encoders import KeypointEncoder
    >>> rng = np.random.default_rng(0)
    >>> features = [(rng.random((n, 2)) * 100, rng.random((n, 128))) for n in (40, 30, 0)]
    >>> enc = KeypointEncoder(dim=1024, random_state=0).fit(features)
    >>> H = enc.transform(features)
    >>> H.shape, H.dtype
    ((3, 16), dtype('uint64'))
    >>> bool((H[2] == enc.tie_).all())  # no keypoints -> the tie-breaking vector
    True
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        n_tables: int = 4,
        hash_bits: int = 16,
        repeated_words: str = "once",
        root_sift: bool = False,
        position_levels: int = 0,
        scale_levels: int = 0,
        sift: Any = None,
        batch_size: int = 64,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.n_tables = n_tables
        self.hash_bits = hash_bits
        self.repeated_words = repeated_words
        self.root_sift = root_sift
        self.position_levels = position_levels
        self.scale_levels = scale_levels
        self.sift = sift
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    # ---------------------------------------------------------------------------- validation
    _parameter_rules = {
        "n_tables": Integer(1),
        "hash_bits": Integer(1, _MAX_HASH_BITS),
        "repeated_words": Options("once", "count"),
        "position_levels": Integer(0),
        "scale_levels": Integer(0),
        "root_sift": Boolean(),
        "sift": (
            Options(None),
            HasMethods(
                "detect_and_compute",
                description="a detector with detect_and_compute(image) -> (keypoints, "
                "descriptors) such as vision.SIFT",
            ),
        ),
        **SHARED_RULES,
    }

    def _detector(self) -> Any:
        if self.sift is not None:
            return self.sift
        from vision import SIFT

        return SIFT()

    @staticmethod
    def _check_collection(X: Any, name: str = "X") -> Sequence:
        if issparse(X):
            raise TypeError(
                f"{name} is a sparse matrix; sparse input is not supported: pass a list of "
                "images or (keypoints, descriptors) pairs"
            )
        if isinstance(X, np.ndarray):
            if X.ndim in (3, 4) and X.dtype != object:
                if min(X.shape[1:3]) < _MIN_SIDE:
                    raise ValueError(
                        f"{name} of shape {X.shape} is read as a stack of {X.shape[0]} images of "
                        f"{X.shape[1]}x{X.shape[2]} pixels, below the {_MIN_SIDE}x{_MIN_SIDE} "
                        f"SIFT needs; a single colour image must be wrapped in a list: [{name}]"
                    )
                return X  # a stack of images
            if X.ndim == 1 and X.dtype == object:
                return X
            raise ValueError(
                f"{name} must be a sequence with one entry per image (an image, a (keypoints, "
                f"descriptors) pair or an (xy, descriptors) pair) or a 3-D stack of images, got "
                f"an array of shape {X.shape}; wrap a single image or feature set in a list: "
                f"[{name}]"
            )
        if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
            raise TypeError(
                f"{name} must be a list (one entry per image) of images or (keypoints, "
                f"descriptors) pairs, got {type(X).__name__}"
            )
        if KeypointEncoder._is_feature_set(X):
            raise TypeError(
                f"{name} looks like a single (keypoints, descriptors) pair; {name} must hold one "
                f"entry per image: wrap it in a list, [{name}]"
            )
        return X

    @staticmethod
    def _is_feature_set(X: Sequence) -> bool:
        """Whether ``X`` itself is one (keypoints or xy, descriptors) pair."""
        from vision import Keypoints

        if not (isinstance(X, tuple) and len(X) == 2 and isinstance(X[1], np.ndarray)):
            return False
        where = X[0]
        is_xy = isinstance(where, np.ndarray) and where.ndim == 2 and where.shape[1] == 2
        return X[1].ndim == 2 and (isinstance(where, Keypoints) or is_xy)

    def _parse(self, item: Any, index: int) -> _Features:
        """One entry of ``X`` -> descriptors (n, d) float32 with their positions and sizes."""
        from vision import Keypoints

        name = f"X[{index}]"
        if isinstance(item, np.ndarray) and item.dtype != object:
            if item.ndim not in (2, 3):
                raise ValueError(
                    f"{name} is an array of shape {item.shape}; an image must be 2-D (H, W) or "
                    "3-D (H, W, 3|4), feature sets are (keypoints, descriptors) pairs"
                )
            try:
                keypoints, desc = self._detector().detect_and_compute(item)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{name} (an image): {exc}") from exc
            return _Features(_check_descriptors(desc, f"descriptors of {name}"),
                             np.asarray(keypoints.xy, np.float64),
                             np.asarray(keypoints.size, np.float64))
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(
                f"{name} must be an image array or a pair (keypoints, descriptors) / (xy, "
                f"descriptors), got {type(item).__name__}"
            )
        where, desc = item
        desc = _check_descriptors(desc, f"{name}[1] (descriptors)")
        size = None
        if isinstance(where, Keypoints):
            xy = np.asarray(where.xy, np.float64)
            size = np.asarray(where.size, np.float64)
        else:
            try:
                xy = np.asarray(where, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{name}[0] must be vision.Keypoints or an (n, 2) array of positions, "
                    f"got {type(where).__name__}"
                ) from exc
            if xy.size == 0:
                xy = xy.reshape(0, 2)
            if xy.ndim != 2 or xy.shape[1] != 2:
                raise ValueError(f"{name}[0] (xy) must have shape (n, 2), got {xy.shape}")
            if not np.all(np.isfinite(xy)):
                raise ValueError(f"{name}[0] (xy) contains NaN or infinite values")
        if xy.shape[0] != desc.shape[0]:
            raise ValueError(
                f"{name}: {xy.shape[0]} keypoints but {desc.shape[0]} descriptors; they must "
                "be one per keypoint"
            )
        return _Features(desc, xy, size)

    def _parse_all(self, indexed: Sequence[tuple[int, Any]]) -> list[_Features]:
        """Parse ``(index in X, entry)`` pairs (the index only serves error messages)."""
        feats = [self._parse(item, i) for i, item in indexed]
        if int(self.scale_levels) > 0:
            for (i, _), f in zip(indexed, feats, strict=True):
                if f.size is None:
                    raise ValueError(
                        f"scale_levels={self.scale_levels} needs keypoint sizes, but X[{i}]"
                        " gives raw (xy, descriptors); pass vision.Keypoints or images, or set "
                        "scale_levels=0"
                    )
        return feats

    def _prepare(self, desc: np.ndarray, name: str) -> np.ndarray:
        """RootSIFT mapping (when enabled) of a block of descriptors."""
        if not self.root_sift or desc.shape[0] == 0:
            return desc
        if desc.min() < 0:
            raise ValueError(
                f"{name} has negative values, but root_sift=True needs non-negative histogram "
                "descriptors; set root_sift=False for other descriptors"
            )
        l1 = desc.sum(axis=1, keepdims=True)
        return np.sqrt(desc / np.maximum(l1, np.float32(1e-12)))

    # ---------------------------------------------------------------------------- fitting
    def _key_layout(self) -> tuple[int, np.ndarray, np.ndarray]:
        """(number of packed projection words, word index and bit shift of every table)."""
        bits, tables = int(self.hash_bits), int(self.n_tables)
        per_word = WORD_BITS // bits
        table = np.arange(tables)
        word = table // per_word
        shift = ((table % per_word) * bits).astype(np.uint64)
        return int(word[-1]) + 1, word, shift

    def _fit_features(self, feats: list[_Features]) -> None:
        if not feats:
            raise ValueError("X is empty: fit needs at least one image or feature set")
        lengths = {f.desc.shape[1] for f in feats}
        if len(lengths) > 1:
            raise ValueError(
                f"all descriptors must have the same length, got lengths {sorted(lengths)}"
            )
        d = lengths.pop()
        if d == 0:
            raise ValueError("descriptors must have at least one component, got length 0")
        self.dim_ = self._resolve_dim()
        rng = check_random_state(self.random_state)
        pooled = np.concatenate([self._prepare(f.desc, "descriptors") for f in feats])
        if pooled.shape[0] == 0:  # no keypoint anywhere: hash uncentred descriptors
            pooled = np.zeros((1, d), dtype=np.float32)
        n_words, _, _ = self._key_layout()
        self.projection_ = ProjectionEncoder(
            dim=n_words * WORD_BITS, kind="sign", batch_size=8192,
            random_state=int(rng.integers(2**63 - 1)),
        ).fit(pooled)
        self.n_descriptor_features_ = d
        n_bytes = -(-int(self.hash_bits) // 8)
        tables = int(self.n_tables)
        self.word_memory_ = item_memory(tables * n_bytes * 256, self.dim_, rng).reshape(
            tables, n_bytes, 256, self.dim_ // WORD_BITS
        )
        n_pos, n_scale = int(self.position_levels), int(self.scale_levels)
        self.x_levels_ = level(n_pos, self.dim_, rng) if n_pos else None
        self.y_levels_ = level(n_pos, self.dim_, rng) if n_pos else None
        self.scale_levels_ = level(n_scale, self.dim_, rng) if n_scale else None
        self._tie_seed = int(rng.integers(2**63 - 1))
        zero = np.zeros(self.dim_, dtype=np.int32)
        self.tie_ = threshold(zero, 0, tie="random", random_state=self._tie_seed)

    def fit(self, X: Any, y: Any = None) -> KeypointEncoder:
        """Learn the mean descriptor and draw the projection, word and level vectors.

        Parameters
        ----------
        X : sequence of images or feature sets
            See the class Notes for the accepted entries; images are run through ``sift``.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = self._check_collection(X)
        self._fit_features(self._parse_all(list(enumerate(X))))
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit and encode ``X``, running the detector on images only once."""
        self._check_params()
        X = self._check_collection(X)
        feats = self._parse_all(list(enumerate(X)))
        self._fit_features(feats)
        return self._transform_in_batches(feats, self._encode_features)

    # ---------------------------------------------------------------------------- encoding
    @staticmethod
    def _quantize(values: np.ndarray, low: float, high: float, n: int) -> np.ndarray:
        span = high - low
        if span <= 0:
            return np.full(values.shape[0], (n - 1) // 2, dtype=np.int64)
        q = np.rint((values - low) * ((n - 1) / span)).astype(np.int64)
        return np.clip(q, 0, n - 1)

    def _geometry(self, f: _Features) -> tuple[np.ndarray, np.ndarray | None]:
        """Per keypoint: a geometry cell id (n,) int64 and its bound level vector (n, W)."""
        n = f.desc.shape[0]
        cell = np.zeros(n, dtype=np.int64)
        vectors = None
        if self.x_levels_ is not None and n:
            levels = self.x_levels_.shape[0]
            q = [self._quantize(v, float(v.min()), float(v.max()), levels) for v in f.xy.T]
            cell = q[0] * levels + q[1]
            vectors = self.x_levels_[q[0]] ^ self.y_levels_[q[1]]
        if self.scale_levels_ is not None and n:
            levels = self.scale_levels_.shape[0]
            rel = np.log2(np.maximum(f.size, 1e-12))
            rel -= np.median(rel)
            q = self._quantize(rel, -_SCALE_OCTAVES, _SCALE_OCTAVES, levels)
            cell = cell * levels + q
            vectors = self.scale_levels_[q] if vectors is None else vectors ^ self.scale_levels_[q]
        return cell, vectors

    def _keys(self, desc: np.ndarray) -> np.ndarray:
        """Hash keys (n, n_tables) int64 of prepared descriptors."""
        if desc.shape[0] == 0:
            return np.empty((0, int(self.n_tables)), dtype=np.int64)
        n_words, word, shift = self._key_layout()
        packed = np.empty((desc.shape[0], n_words), dtype=np.uint64)
        _keypoint_kernels.sign_hash(  # inputs read-only: one compiled signature
            readonly(desc), readonly(self.projection_.mean_),
            readonly(self.projection_.components_), packed,
        )
        mask = np.uint64((1 << int(self.hash_bits)) - 1)
        return ((packed[:, word] >> shift) & mask).astype(np.int64)

    def _word_vectors(self, tables: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """XOR over key bytes of the word memory: (m,) tables and keys -> (m, W)."""
        out = np.empty((tables.shape[0], self.dim_ // WORD_BITS), dtype=np.uint64)
        _keypoint_kernels.word_vectors(  # inputs read-only: one compiled signature
            readonly(np.ascontiguousarray(tables, dtype=np.int64)),
            readonly(np.ascontiguousarray(keys, dtype=np.int64)),
            readonly(self.word_memory_), out,
        )
        return out

    def _check_length(self, d: int, name: str) -> None:
        if d != self.n_descriptor_features_:
            raise ValueError(
                f"{name} have length {d}, but this encoder was fitted on descriptors of length "
                f"{self.n_descriptor_features_}"
            )

    def keys(self, descriptors: Any) -> np.ndarray:
        """Visual-word keys of descriptors, one per table.

        Parameters
        ----------
        descriptors : numpy.ndarray of shape ``(n, n_descriptor_features_)``

        Returns
        -------
        numpy.ndarray of int64, shape ``(n, n_tables)``, values in ``[0, 2 ** hash_bits)``

        Examples
        --------
        >>> import numpy as np
        >>> from encoders import KeypointEncoder
        >>> D = np.random.default_rng(0).random((10, 128))
        >>> enc = KeypointEncoder(dim=512, random_state=0).fit([(np.zeros((10, 2)), D)])
        >>> enc.keys(D[:3]).shape
        (3, 4)
        """
        check_is_fitted(self, "projection_")
        desc = _check_descriptors(descriptors, "descriptors")
        self._check_length(desc.shape[1], "descriptors")
        return self._keys(self._prepare(desc, "descriptors"))

    def word_vectors(self, descriptors: Any) -> np.ndarray:
        """Word hypervectors of descriptors (before geometry binding and bundling).

        Parameters
        ----------
        descriptors : numpy.ndarray of shape ``(n, n_descriptor_features_)``

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n, n_tables, dim_ // 64)``
        """
        keys = self.keys(descriptors)
        tables = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
        return self._word_vectors(tables.ravel(), keys.ravel()).reshape(
            keys.shape + (self.dim_ // WORD_BITS,)
        )

    def _word_ids(self, cells: np.ndarray, tables: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """One id per distinct (geometry cell, table, key): int64 when it fits, else rows."""
        n_cells = max(1, int(self.position_levels)) ** 2 * max(1, int(self.scale_levels))
        bits = int(self.hash_bits)
        if (n_cells * int(self.n_tables)).bit_length() + bits <= 62:
            return ((cells * int(self.n_tables) + tables) << bits) | keys
        return np.unique(np.stack([cells, tables, keys], axis=1), axis=0, return_inverse=True)[1]

    def _encode_features(self, feats: Sequence[_Features], out: np.ndarray) -> None:
        for f in feats:
            self._check_length(f.desc.shape[1], "descriptors")
        pooled = np.concatenate([self._prepare(f.desc, "descriptors") for f in feats])
        all_keys = self._keys(pooled)
        n_tables = all_keys.shape[1]
        start = 0
        for i, f in enumerate(feats):
            n = f.desc.shape[0]
            keys = all_keys[start : start + n]
            start += n
            if n == 0:
                out[i] = self.tie_
                continue
            cell, geometry = self._geometry(f)
            rows = np.repeat(np.arange(n), n_tables)
            tables = np.tile(np.arange(n_tables), n)
            keys = keys.ravel()
            if self.repeated_words == "once":
                _, first = np.unique(self._word_ids(cell[rows], tables, keys), return_index=True)
                rows, tables, keys = rows[first], tables[first], keys[first]
            vectors = self._word_vectors(tables, keys)
            if geometry is not None:
                vectors ^= geometry[rows]
            out[i] = bundle(vectors, tie="random", random_state=self._tie_seed)

    def _encode_batch(self, indexed: Sequence[tuple[int, Any]], out: np.ndarray) -> None:
        self._encode_features(self._parse_all(indexed), out)

    def transform(self, X: Any) -> np.ndarray:
        """Encode images or feature sets.

        Parameters
        ----------
        X : sequence of images or feature sets, length n
            See the class Notes.

        Returns
        -------
        numpy.ndarray of uint64, shape ``(n, dim_ // 64)``
        """
        check_is_fitted(self, "projection_")
        self._check_params()
        X = self._check_collection(X)
        return self._transform_in_batches(list(enumerate(X)))
