"""Safe model files: :func:`save` and :func:`load` of hdkit's estimators and encoders.

A model file is one ``.npz`` archive (numpy's zip of ``.npy`` arrays), written and read with
``allow_pickle=False``. It holds every numeric, boolean and unicode array of the model, and a
JSON header (the array ``__header__``, UTF-8 bytes) that describes everything else: the format
version, the versions of hdkit, numpy and scikit-learn that wrote it, and the model as a tree.
Each object of the tree names its class; loading resolves that name only from
:data:`ALLOWED_CLASSES` (hdkit's estimators, encoders and their parts, and the few
scikit-learn objects that hdkit's baselines hold) and sets the saved attributes on an
instance created without calling any constructor or ``__setstate__``. Loading therefore runs no
code of the file's choosing, unlike ``pickle`` and ``joblib``.

What is saved is an object's whole ``__dict__`` (its parameters and its fitted state), value by
value:

- ``None``, ``bool``, ``int``, ``str`` and finite ``float`` as JSON; NaN and infinities, numpy
  scalars, tuples, lists and dicts (with keys of any of these types) tagged;
- numpy arrays of numbers, booleans or unicode strings as arrays of the archive (an array
  referenced twice is stored once and loaded as one array); object arrays (categories, labels)
  element by element in the header;
- numpy random generators as their bit generator's state; locks as a fresh lock;
- objects of :data:`ALLOWED_CLASSES`, recursively (named tuples by their fields).

Anything else raises a ``TypeError`` at save time naming the attribute's path (e.g.
``HDClassifier.encoder_.record_.foo_``): the format never drops state silently.

The class of the encoders is resolved by name at load time: the hypervector core imports no
encoder, vision or application module.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import struct
import threading
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from hdc._version import __version__

__all__ = ["ALLOWED_CLASSES", "FORMAT", "FORMAT_VERSION", "load", "read_metadata", "save"]

#: the ``format`` field of the header
FORMAT = "hdkit-model"
#: version of the layout of the header; a file of a newer version is refused
FORMAT_VERSION = 1
_HEADER = "__header__"

#: ``module.qualname`` of every class that a model file may contain
ALLOWED_CLASSES = frozenset({
    # hdkit's estimators
    "hdc.classifier.HDClassifier",
    "hdc.associative.AssociativeMemory",
    "hdc.baselines.gln.GLNClassifier",
    "hdc.baselines.gln.GLNRegressor",
    "hdc.baselines.kernel_machine.KernelMachineClassifier",
    "hdc._counter_planes.CounterPlanes",
    "hdc.resonator.Resonator",
    "hdc.structures._Bundle",
    "hdc.structures.Multiset",
    "hdc.structures.HashTable",
    "hdc.structures.Sequence",
    "hdc.structures.DistinctSequence",
    "hdc.structures.Graph",
    # hdkit's encoders and their parts
    "encoders.convolution.ConvolutionEncoder",
    "encoders.keypoint.KeypointEncoder",
    "encoders.ngram.NGramEncoder",
    "encoders.projection.ProjectionEncoder",
    "encoders.record.RecordEncoder",
    "encoders.table.TableEncoder",
    "encoders.table_rff.TableRFFEncoder",
    "encoders._columns.TableColumns",
    "vision.sift.SIFT",
    # the scikit-learn parts of the baselines (numbers and arrays only)
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.svm._classes.SVC",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.kernel_approximation.Nystroem",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
})

# the bit generators a saved numpy Generator may use
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_LOCKS = {type(threading.Lock()): "Lock", type(threading.RLock()): "RLock"}


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# ------------------------------------------------------------------------------- writing
class _Writer:
    """Turns a value into JSON-ready data, collecting its arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._keys: dict[int, str] = {}
        self._alive: list[np.ndarray] = []  # keeps ids unique while the file is written

    def encode(self, value: Any, where: str) -> Any:
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, int) and type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"$": "float", "value": repr(value)}
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, np.generic):
            return self._scalar(value, where)
        if type(value) is list:
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if type(value) is tuple:
            return {"$": "tuple", "items": [self.encode(v, f"{where}[{i}]")
                                            for i, v in enumerate(value)]}
        if type(value) is dict:
            return {"$": "dict", "items": [
                [self.encode(k, f"{where} key {k!r}"), self.encode(v, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]}
        if isinstance(value, np.random.Generator):
            return self._generator(value, where)
        if type(value) in _LOCKS:
            return {"$": "lock", "kind": _LOCKS[type(value)]}
        return self._object(value, where)

    def _array(self, array: np.ndarray, where: str) -> Any:
        if array.dtype.hasobject:
            if array.dtype != object:
                raise TypeError(f"cannot save {where}: structured array of dtype {array.dtype}")
            return {"$": "objects", "shape": list(array.shape),
                    "items": [self.encode(v, f"{where}[{i}]")
                              for i, v in enumerate(array.ravel(order="C").tolist())]}
        if array.dtype.kind not in "biufcUS" or array.dtype.fields is not None:
            raise TypeError(f"cannot save {where}: arrays of dtype {array.dtype} are not "
                            "supported by the hdkit model format")
        key = self._keys.get(id(array))
        if key is None:
            key = f"a{len(self.arrays)}"
            self._keys[id(array)] = key
            self._alive.append(array)
            self.arrays[key] = array
        return {"$": "array", "key": key}

    def _scalar(self, value: np.generic, where: str) -> Any:
        if value.dtype.kind not in "biufcU":
            raise TypeError(f"cannot save {where}: numpy scalar of dtype {value.dtype}")
        return {"$": "scalar", "dtype": value.dtype.str,
                "value": self.encode(value.item(), where)}

    def _generator(self, rng: np.random.Generator, where: str) -> Any:
        state = rng.bit_generator.state
        if state.get("bit_generator") not in _BIT_GENERATORS:
            raise TypeError(f"cannot save {where}: bit generator {state.get('bit_generator')!r}")
        return {"$": "generator", "state": self.encode(state, where)}

    def _object(self, value: Any, where: str) -> Any:
        path = _class_path(type(value))
        if path not in ALLOWED_CLASSES:
            raise TypeError(
                f"cannot save {where}: {type(value).__name__} ({path}) is not a class that the "
                "hdkit model format knows; add it to hdc.persistence.ALLOWED_CLASSES if it "
                "holds only numbers, strings, arrays and known objects"
            )
        if isinstance(value, tuple) and hasattr(type(value), "_fields"):
            return {"$": "namedtuple", "class": path,
                    "items": [self.encode(v, f"{where}.{name}")
                              for name, v in zip(type(value)._fields, value, strict=True)]}
        state = getattr(value, "__dict__", None)
        if state is None:
            raise TypeError(f"cannot save {where}: {path} has no __dict__")
        return {"$": "object", "class": path,
                "state": {name: self.encode(v, f"{where}.{name}") for name, v in state.items()}}


def _versions() -> dict[str, str | None]:
    from importlib import metadata

    try:
        sklearn = metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of hdkit
        sklearn = None
    return {"hdkit": __version__, "numpy": np.__version__, "scikit-learn": sklearn}


def save(model: Any, path: str | os.PathLike, *, metadata: dict | None = None) -> Path:
    """Write ``model`` (an hdkit estimator or encoder, fitted or not) to a safe ``.npz`` file.

    Parameters
    ----------
    model : object
        An instance of a class of :data:`ALLOWED_CLASSES`: ``HDClassifier``,
        ``AssociativeMemory``, the baselines, the encoders.
    path : str or path-like
        The file to write, exactly as given (no suffix is added); ``.npz`` is customary.
    metadata : dict, optional
        JSON-serialisable facts about the model stored beside it (e.g. the columns it was
        fitted on), read back by :func:`read_metadata`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        When ``model`` or any of its attributes has a type that the format does not know; the
        message names the attribute (nothing is written).

    Examples
    --------
    >>> import numpy as np, hdc
    >>> X, y = np.random.default_rng(0).random((40, 4)), np.arange(40) % 2
    >>> clf = hdc.HDClassifier(dim=256, random_state=0).fit(X, y)
    >>> path = hdc.save(clf, "model.npz")            # doctest: +SKIP
    >>> (hdc.load(path).predict(X) == clf.predict(X)).all()   # doctest: +SKIP
    True
    """
    path = Path(path)
    if _class_path(type(model)) not in ALLOWED_CLASSES:
        raise TypeError(
            f"model must be an hdkit estimator or encoder, got {type(model).__name__} "
            f"({_class_path(type(model))}); the classes that can be saved are "
            f"{sorted(ALLOWED_CLASSES)}"
        )
    writer = _Writer()
    tree = writer.encode(model, type(model).__name__)
    header = {"format": FORMAT, "version": FORMAT_VERSION, "versions": _versions(),
              "metadata": {} if metadata is None else metadata, "model": tree}
    try:
        text = json.dumps(header, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
    arrays = dict(writer.arrays)
    arrays[_HEADER] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


# ------------------------------------------------------------------------------- reading
class _Reader:
    """Turns the header's tree back into values, taking arrays from the archive."""

    def __init__(self, archive: Any, source: str, mmap_mode: str | None = None) -> None:
        self.archive = archive
        self.source = source
        self.mmap_mode = mmap_mode
        self._arrays: dict[str, np.ndarray] = {}

    def fail(self, message: str) -> ValueError:
        return ValueError(f"{self.source} is not a valid hdkit model file: {message}")

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or "$" not in node:
            raise self.fail(f"unexpected node {str(node)[:80]}")
        tag = node["$"]
        if tag == "float":
            value = float(node["value"])
            if math.isfinite(value):
                raise self.fail(f"tagged float {node['value']!r} is finite")
            return value
        if tag == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if tag == "dict":
            return {self._key(self.decode(k)): self.decode(v) for k, v in node["items"]}
        if tag == "array":
            return self._array(node["key"])
        if tag == "objects":
            items = [self.decode(v) for v in node["items"]]
            out = np.empty(len(items), dtype=object)
            for i, item in enumerate(items):  # element by element: tuples stay elements
                out[i] = item
            return out.reshape(tuple(node["shape"]))
        if tag == "scalar":
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in "biufcU":
                raise self.fail(f"scalar of dtype {dtype}")
            return dtype.type(self.decode(node["value"]))
        if tag == "generator":
            return self._generator(self.decode(node["state"]))
        if tag == "lock":
            kinds = {"Lock": threading.Lock, "RLock": threading.RLock}
            if node.get("kind") not in kinds:
                raise self.fail(f"unknown lock {node.get('kind')!r}")
            return kinds[node["kind"]]()
        if tag in ("object", "namedtuple"):
            cls = _resolve(node.get("class"), self)
            if tag == "namedtuple":
                if not (issubclass(cls, tuple) and hasattr(cls, "_fields")):
                    raise self.fail(f"{node['class']} is not a named tuple")
                return tuple.__new__(cls, [self.decode(v) for v in node["items"]])
            obj = cls.__new__(cls)
            state = {str(name): self.decode(v) for name, v in node["state"].items()}
            obj.__dict__.update(state)
            return obj
        raise self.fail(f"unknown tag {tag!r}")

    def _key(self, key: Any) -> Any:
        if isinstance(key, (list, dict, np.ndarray)):
            raise self.fail("a dict key that is not hashable")
        return key

    def _array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key == _HEADER or key not in self.archive.files:
            raise self.fail(f"missing array {key!r}")
        if key not in self._arrays:
            mapped = None
            if self.mmap_mode is not None:
                mapped = _memory_map(self.archive, self.source, key, self.mmap_mode)
            self._arrays[key] = self.archive[key] if mapped is None else mapped
        return self._arrays[key]

    def _generator(self, state: Any) -> np.random.Generator:
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in _BIT_GENERATORS:
            raise self.fail(f"unknown bit generator {name!r}")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)


def _resolve(path: Any, reader: _Reader) -> type:
    """The class named ``path``, imported only when it is in :data:`ALLOWED_CLASSES`."""
    if not isinstance(path, str) or path not in ALLOWED_CLASSES:
        raise reader.fail(f"class {path!r} is not one that hdkit loads")
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name, None)
    if not isinstance(cls, type) or _class_path(cls) != path:
        raise reader.fail(f"class {path!r} is not found in this installation")
    return cls


def _memory_map(archive: Any, path: str, key: str, mode: str) -> np.ndarray | None:
    """Array ``key`` of the archive as a ``numpy.memmap`` of its bytes inside the file, or None
    when that is impossible (a compressed member, an empty array)."""
    info = archive.zip.getinfo(f"{key}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)  # the zip local file header; name and extra lengths at 26
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"{path} is not a valid hdkit model file: damaged member {key}")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(handle)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = read_header(handle)
        offset = handle.tell()
    if dtype.hasobject or math.prod(shape) == 0:
        return None
    return np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape,
                     order="F" if fortran_order else "C")


def load(path: str | os.PathLike, *, mmap_mode: str | None = None) -> Any:
    """Read a model written by :func:`save`; runs no code from the file.

    Parameters
    ----------
    path : str or path-like
    mmap_mode : {None, "r", "c"}, default=None
        None reads every array into memory. ``"r"`` maps the arrays of the file into memory
        read-only (``numpy.memmap``): loading costs no copy and processes that load the same
        file share its pages; ``"c"`` maps them copy-on-write: a method that updates the
        model in place (``partial_fit``) changes its copy in memory, never the file.

    Returns
    -------
    object
        The estimator or encoder, equal to the saved one: its predictions and transforms are
        identical bit for bit.

    Raises
    ------
    ValueError
        When the file is not an hdkit model file, names a class outside
        :data:`ALLOWED_CLASSES`, or comes from a newer version of the format.

    Warns
    -----
    UserWarning
        When the file was written with another minor version of scikit-learn and holds
        scikit-learn objects (the baselines' scaler and SVM).

    Examples
    --------
    >>> import hdc
    >>> clf = hdc.load("model.npz")                  # doctest: +SKIP
    """
    source = str(path)
    if mmap_mode not in (None, "r", "c"):
        raise ValueError(f"mmap_mode must be None, 'r' or 'c', got {mmap_mode!r}")
    with _open(path) as archive:
        header = _header(archive, source)
        model = _Reader(archive, source, mmap_mode).decode(header.get("model"))
    _check_sklearn_version(header, source)
    return model


def read_metadata(path: str | os.PathLike) -> dict:
    """The ``metadata`` dict that :func:`save` stored with the model (empty when none).

    Examples
    --------
    >>> import hdc
    >>> from hdc.persistence import read_metadata
    >>> read_metadata("model.npz")["columns"]        # doctest: +SKIP
    ['size', 'colour']
    """
    with _open(path) as archive:
        metadata = _header(archive, str(path)).get("metadata", {})
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} is not a valid hdkit model file: its metadata is not a dict")
    return metadata


def _open(path: str | os.PathLike) -> Any:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{path} is not a readable hdkit model file ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single .npy array, not an hdkit model file (.npz)")
    return archive


def _header(archive: Any, source: str) -> dict:
    if _HEADER not in archive.files:
        raise ValueError(f"{source} is an .npz archive but not an hdkit model file "
                         "(no __header__)")
    try:
        header = json.load(io.BytesIO(archive[_HEADER].tobytes()))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"{source}: the model header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{source} is not an hdkit model file")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{source} has model format version {version!r}; this hdkit ({__version__}) "
            f"reads versions up to {FORMAT_VERSION}: upgrade hdkit"
        )
    return header


def _check_sklearn_version(header: dict, source: str) -> None:
    if '"sklearn.' not in json.dumps(header.get("model")):
        return
    saved = (header.get("versions") or {}).get("scikit-learn")
    current = _versions()["scikit-learn"]
    if saved and current and saved.split(".")[:2] != current.split(".")[:2]:
        warnings.warn(
            f"{source} was written with scikit-learn {saved} and is read with {current}; its "
            "scikit-learn parts may behave differently", UserWarning, stacklevel=3,
        )
