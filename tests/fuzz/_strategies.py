"""Hypothesis strategies for fuzz inputs: arrays of every dtype, byte order, layout, shape and
extreme value; packed hypervectors (mostly uint64, some of every other dtype); images of every
size and type."""

from __future__ import annotations

import numpy as np
from _recipes import LAYOUTS, Recipe
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"]
OTHER = ["complex128", "object", "U3", "datetime64[s]"]


def _extremes(dtype: np.dtype) -> list:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return [info.min, info.max, 0, 1, info.max // 2 + 1]
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return [0.0, -0.0, np.nan, np.inf, -np.inf, info.max, -info.max, info.tiny, 1e39 if
                dtype.itemsize == 8 else 1.0, 0.5, 1.0]
    return []


def values(dtype_name: str, shape) -> st.SearchStrategy:
    """Arrays of ``dtype_name`` and ``shape`` mixing random values and the dtype's extremes."""
    dtype = np.dtype(dtype_name)
    if dtype.kind == "O":
        elements = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True), st.none(),
                             st.text(max_size=3))
        return hnp.arrays(dtype, shape, elements=elements)
    if dtype.kind in "iuf":
        extremes = _extremes(dtype)
        base = hnp.from_dtype(dtype)
        elements = st.one_of(base, st.sampled_from(extremes)) if extremes else base
        return hnp.arrays(dtype, shape, elements=elements)
    return hnp.arrays(dtype, shape)


def byte_orders(dtype_name: str) -> st.SearchStrategy:
    dtype = np.dtype(dtype_name)
    if dtype.itemsize > 1 and dtype.kind in "iufc":
        return st.sampled_from([dtype.newbyteorder("<").str, dtype.newbyteorder(">").str])
    return st.just(dtype.str)


@st.composite
def arrays(draw, dtypes=NUMERIC + OTHER, shapes=None, layouts=LAYOUTS) -> Recipe:
    """A :class:`Recipe` of any dtype (either byte order), layout and shape."""
    dtype_name = draw(st.sampled_from(dtypes))
    shape = draw(shapes if shapes is not None else hnp.array_shapes(min_dims=0, max_dims=3,
                                                                      min_side=0, max_side=6))
    vals = draw(values(dtype_name, shape))
    return Recipe(np.ascontiguousarray(vals), draw(byte_orders(dtype_name)),
                  draw(st.sampled_from(layouts)))


@st.composite
def packed(draw, words=(1, 2), rows=(0, 5)) -> Recipe:
    """Packed hypervectors: mostly uint64 (either byte order, any layout, any words), else
    arrays of other dtypes and shapes (what a confused caller passes)."""
    if draw(st.integers(0, 9)) < 7:
        shape = draw(st.one_of(
            st.tuples(st.integers(*rows), st.sampled_from(words)),
            st.tuples(st.sampled_from(words)),
            st.tuples(st.integers(0, 3), st.integers(0, 3)),
        ))
        vals = draw(hnp.arrays(np.uint64, shape, elements=st.one_of(
            st.integers(0, 2**64 - 1), st.sampled_from([0, 2**64 - 1, 2**63]))))
        return Recipe(vals, draw(st.sampled_from(["<u8", ">u8"])), draw(st.sampled_from(LAYOUTS)))
    return draw(arrays())


@st.composite
def features(draw, rows=(0, 12), columns=(0, 4)) -> Recipe:
    """Feature matrices for estimators and encoders: numeric mostly, every dtype sometimes."""
    if draw(st.integers(0, 9)) < 7:
        shape = st.tuples(st.integers(*rows), st.integers(*columns))
        dtypes = ["float64", "float32", "int64", "uint8", "float16", "bool", "int8"]
        return draw(arrays(dtypes=dtypes, shapes=shape))
    return draw(arrays())


@st.composite
def images(draw) -> Recipe:
    """Images of every size (below, at and above the 16-pixel minimum) and type."""
    side = st.sampled_from([0, 1, 15, 16, 17, 24, 33])
    shape = draw(st.one_of(
        st.tuples(side, side),
        st.tuples(side, side, st.sampled_from([1, 2, 3, 4])),
        st.tuples(st.integers(1, 3)),
    ))
    dtype_name = draw(st.sampled_from(["uint8", "uint8", "uint16", "float32", "float64",
                                       "int16", "bool", "int64", "float16", "uint32"]))
    dtype = np.dtype(dtype_name)
    if dtype.kind == "f" and draw(st.booleans()):
        elements = st.floats(0.0, 1.0, width=8 * dtype.itemsize)  # a valid float image
        vals = draw(hnp.arrays(dtype, shape, elements=elements))
    else:
        vals = draw(values(dtype_name, shape))
    return Recipe(np.ascontiguousarray(vals), draw(byte_orders(dtype_name)),
                  draw(st.sampled_from(LAYOUTS)))


@st.composite
def scalars(draw) -> Recipe:
    """Values where an integer or a small array is expected: every numeric type and extreme."""
    value = draw(st.one_of(
        st.integers(-(2**70), 2**70), st.sampled_from([2**63, -(2**63), 2**64 - 1, 0, -1]),
        st.floats(allow_nan=True), st.booleans(), st.none(), st.text(max_size=3),
        st.lists(st.integers(-3, 3), max_size=4),
    ))
    return Recipe(value)
