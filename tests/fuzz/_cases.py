"""The fuzzed entry points and the oracle.

Every entry point is called on a fuzzed input and on a clean copy of it (C-contiguous, native
byte order, same values). A case passes when the fuzzed call either raises a TypeError or
ValueError (or, for a request too big for the memory, a MemoryError saying what it needs) whose
message names the fuzzed argument (``clean_error``), or returns a result equal
to the clean copy's (``equal``). Everything else is recorded: ``unclear_error`` (another
exception type, or a message not naming the argument), ``silent_wrong`` (a result that differs
from the clean copy's, or a result where the clean copy raised) and, detected by the parent
process, ``crash`` (the worker died or hung).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import _strategies as S
import numpy as np
from _recipes import Recipe, build, clean
from hypothesis import strategies as st

DIM = 128


@dataclass(frozen=True)
class Entry:
    name: str
    # the fuzzed argument's name(s) a clean error must mention; a fit whose labels are made
    # from X's rows (y = row index % 2) may also name y (e.g. "y must hold at least 2 classes")
    arguments: tuple[str, ...]
    strategy: st.SearchStrategy
    call: Callable


def _rows(x) -> int:
    return x.shape[0] if isinstance(x, np.ndarray) and x.ndim >= 1 else 1


def _labels(x) -> np.ndarray:
    return np.arange(_rows(x)) % 2


def _fixed(n=4, dim=DIM, seed=0):
    import hdc

    return hdc.random(n, dim, random_state=seed)


def _hdc_entries() -> list[Entry]:
    import hdc

    P, F = S.packed(), S.features()
    counts = S.arrays(shapes=st.sampled_from([(64,), (2, 64), (63,), (0,), (1, 128), ()]))
    bits = S.arrays(shapes=st.sampled_from([(64,), (2, 64), (3,), (0, 64), (2, 2, 64), ()]))
    weights = st.one_of(S.arrays(shapes=st.sampled_from([(4,), (3,), (4, 1), ()])), S.scalars())

    def memory_query(x):
        memory = hdc.AssociativeMemory(DIM)
        memory.add(_fixed(3), [0, 1, 2])
        return memory.query(x)

    def memory_add(x):
        memory = hdc.AssociativeMemory(DIM)
        memory.add(x, list(range(_rows(x))) if np.ndim(x) == 2 else 0)
        return memory.vectors, memory.labels

    def multiset(x):
        m = hdc.Multiset(DIM, random_state=0)
        m.add(x)
        return m.value

    def sequence(x):
        s = hdc.Sequence(DIM, random_state=0)
        s.append(x)
        return s.value

    return [
        Entry("hdc.bind", ("a", "b"), P, lambda x: hdc.bind(x, x)),
        Entry("hdc.bind(fixed b)", ("a", "b"), P, lambda x: hdc.bind(x, _fixed(1)[0])),
        Entry("hdc.unbind", ("bound", "key"), P, lambda x: hdc.unbind(x, x)),
        Entry("hdc.hamming", ("a", "b"), P, lambda x: hdc.hamming(x, x[::-1])),
        Entry("hdc.similarity", ("a", "b"), P, lambda x: hdc.similarity(x, _fixed(2))),
        Entry("hdc.bundle", ("hvs",), P, lambda x: hdc.bundle(x)),
        Entry("hdc.counts", ("hvs",), P, lambda x: hdc.counts(x)),
        Entry("hdc.bundle(weights)", ("weights",), weights,
              lambda x: hdc.bundle(_fixed(4), weights=x)),
        Entry("hdc.counts(weights)", ("weights",), weights,
              lambda x: hdc.counts(_fixed(4), weights=x)),
        Entry("hdc.threshold(counts)", ("counts",), counts, lambda x: hdc.threshold(x, 3)),
        Entry("hdc.threshold(n)", ("n",), st.one_of(S.scalars(), S.arrays()),
              lambda x: hdc.threshold(np.arange(128).reshape(2, 64), x, tie="one")),
        Entry("hdc.permute", ("hv",), P, lambda x: hdc.permute(x, 3)),
        Entry("hdc.permute(shift)", ("shift",), st.one_of(S.scalars(), S.arrays()),
              lambda x: hdc.permute(_fixed(2), x)),
        Entry("hdc.flip", ("hv",), P, lambda x: hdc.flip(x, 0.1, random_state=0)),
        Entry("hdc.unpack", ("hv",), P, lambda x: hdc.unpack(x)),
        Entry("hdc.pack", ("bits",), bits, lambda x: hdc.pack(x)),
        Entry("hdc.random(n)", ("n",), S.scalars(), lambda x: hdc.random(x, 64, random_state=0)),
        Entry("hdc.item_memory(n)", ("n",), S.scalars(),
              lambda x: hdc.item_memory(x, 64, random_state=0)),
        Entry("hdc.level(n_levels)", ("n_levels",), S.scalars(),
              lambda x: hdc.level(x, 64, random_state=0)),
        Entry("hdc.capacity(n)", ("n",), st.one_of(S.scalars(), S.arrays()),
              lambda x: hdc.capacity(x, 1024, 10)),
        Entry("AssociativeMemory.query", ("hvs",), P, memory_query),
        Entry("AssociativeMemory.add", ("hvs", "labels"), P, memory_add),
        Entry("Multiset.add", ("items",), P, multiset),
        Entry("Sequence.append", ("items",), P, sequence),
        Entry("hdc.ngrams", ("items",), P, lambda x: hdc.ngrams(x, 2)),
    ] + [
        Entry("HDClassifier.fit(X)", ("X", "y"), F, lambda x: _hd_fit(x, _labels(x))),
        Entry("HDClassifier.fit(packed X)", ("X", "y"), P, lambda x: _hd_fit(x, _labels(x))),
        Entry("HDClassifier.fit(y)", ("y",), S.arrays(shapes=st.sampled_from([(8,), (7,), (8, 1)])),
              lambda x: _hd_fit(np.arange(24.0).reshape(8, 3), x)),
        Entry("GLNClassifier.fit(X)", ("X", "y"), F, lambda x: _gln_fit(x, _labels(x))),
        Entry("GLNRegressor.fit(y)", ("y",), S.arrays(shapes=st.sampled_from([(8,), (8, 1)])),
              lambda x: _gln_regress(np.arange(24.0).reshape(8, 3), x)),
        Entry("KernelMachineClassifier.fit(packed X)", ("X", "y"), P,
              lambda x: _kernel_fit(x, _labels(x))),
    ]


def _hd_fit(X, y):
    from hdc import HDClassifier

    clf = HDClassifier(dim=DIM, epochs=1, random_state=0).fit(X, y)
    return clf.counters_, clf.predict(X)


def _gln_fit(X, y):
    from hdc.baselines import GLNClassifier

    return GLNClassifier(layer_sizes=(4,), epochs=1, random_state=0).fit(X, y).predict(X)


def _gln_regress(X, y):
    from hdc.baselines import GLNRegressor

    return GLNRegressor(layer_sizes=(4,), epochs=1, random_state=0).fit(X, y).predict(X)


def _kernel_fit(X, y):
    from hdc.baselines import KernelMachineClassifier

    return KernelMachineClassifier(kernel="hamming", random_state=0).fit(X, y).predict(X)


def _encoder_entries() -> list[Entry]:
    import encoders

    F = S.features()

    def encode(cls, **kw):
        return lambda x: cls(dim=DIM, random_state=0, **kw).fit_transform(x)

    return [
        Entry("ProjectionEncoder", ("X",), F, encode(encoders.ProjectionEncoder)),
        Entry("ProjectionEncoder(rff)", ("X",), F, encode(encoders.ProjectionEncoder, kind="rff")),
        Entry("RecordEncoder", ("X",), F, encode(encoders.RecordEncoder)),
        Entry("TableEncoder", ("X",), F, encode(encoders.TableEncoder)),
        Entry("TableRFFEncoder", ("X",), F, encode(encoders.TableRFFEncoder)),
        Entry("ConvolutionEncoder", ("X",),
              S.arrays(shapes=st.sampled_from([(3, 8, 8), (2, 64), (0, 8, 8), (3, 2, 2), (4,)])),
              encode(encoders.ConvolutionEncoder)),
        Entry("NGramEncoder", ("X",), S.arrays(dtypes=["U3", "object", "int64", "float64"]),
              encode(encoders.NGramEncoder)),
    ]


def _vision_entries() -> list[Entry]:
    import vision
    from vision import evaluate

    I = S.images()  # noqa: E741
    points = S.arrays(shapes=st.sampled_from([(4, 2), (6, 2), (3, 3), (0, 2), (2,)]))
    desc = S.arrays(shapes=st.sampled_from([(3, 8), (5, 8), (0, 8), (3,), (2, 2, 2)]))

    def fixed_keypoints():
        return vision.Keypoints([[8.0, 8.0], [12.5, 10.0], [1e19, 3.0]], size=[4.0, 6.0, 4.0])

    def sift(x):
        kp, d = vision.SIFT().detect_and_compute(x)
        return kp.xy, kp.size, kp.angle, d

    return [
        Entry("SIFT.detect_and_compute", ("image",), I, sift),
        Entry("SIFT.compute", ("image",), I, lambda x: vision.SIFT().compute(x, fixed_keypoints())),
        Entry("SIFT.compute(xy)", ("xy",), points,
              lambda x: vision.SIFT().compute(np.full((24, 24), 128, np.uint8),
                                              vision.Keypoints(x, size=np.full(_rows(x), 4.0)))),
        Entry("synthetic_warp", ("image",), I, lambda x: vision.synthetic_warp(x, 30.0, 1.2)),
        Entry("scale_space_blobs", ("image",), I, lambda x: vision.scale_space_blobs(x)),
        Entry("match", ("desc1", "desc2"), desc, lambda x: vision.match(x, x[::-1])),
        Entry("find_homography", ("xy1", "xy2"), points,
              lambda x: vision.find_homography(x, x)[1]),
        Entry("evaluate.project(xy)", ("xy",), points, lambda x: evaluate.project(x, np.eye(3))),
        Entry("evaluate.project(H)", ("H",), S.arrays(),
              lambda x: evaluate.project(np.ones((2, 2)), x)),
        Entry("load_homography", ("source",), S.arrays(), lambda x: vision.load_homography(x)),
        Entry("Keypoints(octave)", ("octave",), S.arrays(shapes=st.sampled_from([(2,), (3,)])),
              lambda x: vision.Keypoints(np.zeros((2, 2)), size=[1.0, 1.0], octave=x).octave),
    ]


def entries() -> dict[str, Entry]:
    found = _hdc_entries() + _encoder_entries() + _vision_entries()
    return {entry.name: entry for entry in found}


# ------------------------------------------------------------------------------------ oracle
def names_argument(message: str, arguments: tuple[str, ...]) -> bool:
    """Whether ``message`` names one of ``arguments`` (as a word; a one-letter name only where
    it is the subject: 'a must', 'a and b', "'a'" - not the article in 'got a list')."""
    for name in arguments:
        n = re.escape(name)
        if len(name) == 1 and name.islower():
            pattern = (rf"(^{n}\b|\b{n} (must|and|has|have|is|cannot|holds|contains|of)\b"
                       rf"|\band {n}\b|['`]{n}['`]|\b{n}=)")
        else:
            pattern = rf"(?<![A-Za-z0-9_]){n}(?![A-Za-z0-9_])"
        if re.search(pattern, message):
            return True
    return False


def _canon(value):
    """A comparable form of a result: arrays by value (any byte order), containers by item."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            native = value.astype(value.dtype.newbyteorder("="))
            return ("array", value.shape, native.tolist() if value.size < 100_000 else
                    hashlib.sha256(np.ascontiguousarray(native).tobytes()).hexdigest())
        return ("array", value.shape, [repr(v) for v in value.reshape(-1).tolist()])
    if isinstance(value, (tuple, list)):
        return tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, (float, np.floating)):
        return "nan" if np.isnan(value) else float(value)
    if isinstance(value, (np.generic,)):
        return value.item()
    if hasattr(value, "__dict__") and not callable(value):
        return (type(value).__name__,)
    return value


def _same(a, b) -> bool:
    return repr(_canon(a)) == repr(_canon(b))


def run_case(entry: Entry, recipe: Recipe) -> dict:
    """Run one case; return ``{"status": ..., "detail": ...}`` (see the module docstring)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = entry.call(build(recipe))
        except Exception as exc:  # noqa: BLE001 - classifying every failure is the point
            message = f"{type(exc).__name__}: {exc}"
            good = isinstance(exc, (TypeError, ValueError, MemoryError)) and names_argument(
                str(exc), entry.arguments)
            return {"status": "clean_error" if good else "unclear_error",
                    "detail": message[:300]}
        try:
            reference = entry.call(clean(recipe))
        except Exception as exc:  # noqa: BLE001
            return {"status": "silent_wrong",
                    "detail": f"fuzzed input accepted, clean copy raised {type(exc).__name__}: "
                              f"{str(exc)[:200]}"}
    if _same(result, reference):
        return {"status": "equal", "detail": ""}
    return {"status": "silent_wrong", "detail": "result differs from the clean copy's"}
