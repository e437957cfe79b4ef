"""Popcount primitives and the 4 x 4 block distances shared by hdkit's Hamming kernels.

The core's distance matrix and top-k (:mod:`hdc._kernels`) and the symbolic structures' batched
queries (:mod:`hdc._structure_kernels`) all walk the stored rows in blocks that stay in the L2
cache while the queries pass over them. Inside a block, four queries meet four stored rows at a
time (:func:`sixteen_distances`): sixteen running distances in registers, each loaded word of a
query or stored row serving four pairs, so the vectorised word loop is bound by the XOR,
popcount and add of each pair and not by loads. Where numba compiles for a CPU with ``VPOPCNTQ``
and 512-bit registers (:data:`WIDE`), the block runs on explicit 512-bit vectors
(:func:`block_sums`; LLVM's vectoriser would stop at 256 bits there); elsewhere on the plain
word loop that LLVM vectorises for the host.

Arrays are validated, C-contiguous packed ``uint64`` words with equal word counts; nothing here
checks bounds (see :mod:`hdc._kernels`).
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils, errors
from numba.core import config as numba_config
from numba.extending import intrinsic


@intrinsic
def popcount64(typingctx, value):
    """Number of set bits of a uint64, as LLVM's ``ctpop`` intrinsic (one instruction)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(inline="always")
def distance(q, row):
    """Hamming distance of two packed rows."""
    total = np.uint64(0)
    for w in range(q.shape[0]):
        total += popcount64(q[w] ^ row[w])
    return np.int64(total)


@njit(inline="always")
def four_distances(q, c, j):
    """Hamming distances of ``q`` to the rows ``j .. j + 3`` of ``c`` (one load of q each)."""
    c0 = c[j]
    c1 = c[j + 1]
    c2 = c[j + 2]
    c3 = c[j + 3]
    t0 = np.uint64(0)
    t1 = np.uint64(0)
    t2 = np.uint64(0)
    t3 = np.uint64(0)
    for w in range(q.shape[0]):
        a = q[w]
        t0 += popcount64(a ^ c0[w])
        t1 += popcount64(a ^ c1[w])
        t2 += popcount64(a ^ c2[w])
        t3 += popcount64(a ^ c3[w])
    return np.int64(t0), np.int64(t1), np.int64(t2), np.int64(t3)


@intrinsic
def prefetch_rows(typingctx, arr, first, n_rows):
    """Ask the CPU to fetch rows ``first .. first + n_rows - 1`` of the 2-D C-contiguous
    ``arr`` into the L2 cache (one prefetch per 64-byte line; no effect on results).

    The tiled Hamming kernels ask for the next four query rows while the current four meet the
    stored rows: queries read once from memory, four rows at a time, are otherwise waited for
    (docs/benchmarks.md, "Hypervector core").
    """
    if not (isinstance(arr, types.Array) and arr.ndim == 2 and arr.layout == "C"):
        raise errors.TypingError("prefetch_rows: arr must be a 2-D C-contiguous array")
    sig = types.none(arr, first, n_rows)

    def codegen(context, builder, signature, args):
        arr_val, first_val, n_val = args
        first_val = context.cast(builder, first_val, signature.args[1], types.int64)
        n_val = context.cast(builder, n_val, signature.args[2], types.int64)
        array = context.make_array(signature.args[0])(context, builder, arr_val)
        i64, i32, i8p = ir.IntType(64), ir.IntType(32), ir.IntType(8).as_pointer()
        words = builder.extract_value(array.shape, 1)
        start = builder.bitcast(builder.gep(array.data, [builder.mul(first_val, words)]), i8p)
        n_bytes = builder.mul(builder.mul(n_val, words), ir.Constant(i64, 8))
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # read access (0), keep in L2 (locality 2), data cache (1)
        with cgutils.for_range_slice(builder, ir.Constant(i64, 0), n_bytes,
                                     ir.Constant(i64, 64)) as (offset, _):
            builder.call(prefetch, [builder.gep(start, [offset]), ir.Constant(i32, 0),
                                    ir.Constant(i32, 2), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


# Bytes of stored rows per block: well inside a 512 KiB L2 cache.
BLOCK_BYTES = 192 * 1024
# Bytes of stored rows per inner block: with four query rows, inside a 32 KiB L1 data cache.
TILE_BYTES = 20 * 1024


def _rows_within(n_bytes: int, n_words: int) -> int:
    """Rows of ``n_words`` words that fit in ``n_bytes``: a multiple of 4, at least 4."""
    rows = n_bytes // (8 * max(1, n_words))
    return max(4, rows - rows % 4)


def block_rows(n_words: int) -> int:
    """Stored rows per block for vectors of ``n_words`` words (a multiple of 4)."""
    return _rows_within(BLOCK_BYTES, n_words)


def tile_rows(n_words: int) -> int:
    """Stored rows per L1 block of the tiled Hamming kernels (a multiple of 4)."""
    return _rows_within(TILE_BYTES, n_words)


def _compiles_for_vector_popcount() -> bool:
    """Whether numba compiles for a CPU with 512-bit registers and ``VPOPCNTQ``: the features
    numba is configured with (``NUMBA_CPU_FEATURES``; empty for ``NUMBA_CPU_NAME=generic``),
    else the host's, as numba's code generator chooses them."""
    features = numba_config.CPU_FEATURES
    if features is not None:
        return {"+avx512f", "+avx512vpopcntdq"} <= set(features.split(","))
    try:
        host = llvm.get_host_cpu_features()
    except RuntimeError:
        return False
    return bool(host.get("avx512f")) and bool(host.get("avx512vpopcntdq"))


#: Words per explicit vector of the wide block kernel (one 512-bit register).
LANES = 8
#: Whether the 4 x 4 blocks run on explicit 512-bit vectors (see :func:`block_sums`).
WIDE = _compiles_for_vector_popcount()


@intrinsic
def block_sums(typingctx, q, i, c, j, n_vectors):
    """The 16 sums over the first ``n_vectors * LANES`` words of ``popcount(q[i + a] ^
    c[j + b])`` (``a, b < 4``; ``[4 * a + b]``), on explicit ``<8 x i64>`` vectors.

    LLVM's loop vectoriser keeps to 256-bit vectors on CPUs that prefer them, although with
    ``VPOPCNTQ`` a 512-bit register does twice the popcounts per instruction; written as
    explicit 512-bit vector operations the loop uses ``zmm`` registers (16 accumulators, 4 + 1
    operands). Used only where numba compiles for such a CPU (:data:`WIDE`): elsewhere LLVM
    would split each vector and the 16 accumulators would not fit in the registers. Both
    arrays must be C-contiguous (refused at compile time otherwise).
    """
    for name, arr in (("q", q), ("c", c)):
        if not (isinstance(arr, types.Array) and arr.ndim == 2 and arr.layout == "C"):
            raise errors.TypingError(f"block_sums: {name} must be a 2-D C-contiguous array")
    ret = types.UniTuple(types.int64, 16)
    sig = ret(q, i, c, j, n_vectors)

    def codegen(context, builder, signature, args):
        q_val, i_val, c_val, j_val, n_val = args
        i_val = context.cast(builder, i_val, signature.args[1], types.int64)
        j_val = context.cast(builder, j_val, signature.args[3], types.int64)
        n_val = context.cast(builder, n_val, signature.args[4], types.int64)
        q_arr = context.make_array(signature.args[0])(context, builder, q_val)
        c_arr = context.make_array(signature.args[2])(context, builder, c_val)
        i64 = ir.IntType(64)
        vec = ir.VectorType(i64, LANES)
        words = builder.extract_value(q_arr.shape, 1)

        def rows(arr, first):
            out = []
            for k in range(4):
                start = builder.mul(builder.add(first, ir.Constant(i64, k)), words)
                out.append(builder.bitcast(builder.gep(arr.data, [start]), vec.as_pointer()))
            return out

        q_rows, c_rows = rows(q_arr, i_val), rows(c_arr, j_val)
        ctpop = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vec, [vec]), f"llvm.ctpop.v{LANES}i64"
        )
        reduce_add = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i64, [vec]), f"llvm.vector.reduce.add.v{LANES}i64"
        )
        zero = ir.Constant(vec, [0] * LANES)
        entry = builder.block
        loop = builder.append_basic_block("block_sums.loop")
        done = builder.append_basic_block("block_sums.done")
        builder.cbranch(builder.icmp_signed(">", n_val, ir.Constant(i64, 0)), loop, done)

        builder.position_at_end(loop)
        k = builder.phi(i64)
        sums = [builder.phi(vec) for _ in range(16)]
        c_vec = [builder.load(builder.gep(p, [k]), align=8) for p in c_rows]
        updated = []
        for a in range(4):
            x = builder.load(builder.gep(q_rows[a], [k]), align=8)
            for b in range(4):
                count = builder.call(ctpop, [builder.xor(x, c_vec[b])])
                updated.append(builder.add(sums[4 * a + b], count))
        k_next = builder.add(k, ir.Constant(i64, 1))
        k.add_incoming(ir.Constant(i64, 0), entry)
        k.add_incoming(k_next, loop)
        for phi, new in zip(sums, updated, strict=True):
            phi.add_incoming(zero, entry)
            phi.add_incoming(new, loop)
        builder.cbranch(builder.icmp_signed("<", k_next, n_val), loop, done)

        builder.position_at_end(done)
        final = []
        for new in updated:
            phi = builder.phi(vec)
            phi.add_incoming(zero, entry)
            phi.add_incoming(new, loop)
            final.append(phi)
        totals = [builder.call(reduce_add, [phi]) for phi in final]
        return context.make_tuple(builder, ret, totals)

    return sig, codegen


@njit(inline="always")
def _sixteen_distances_portable(q, i, c, j, first=0):
    """Hamming distances of the rows ``i .. i + 3`` of ``q`` to the rows ``j .. j + 3`` of
    ``c``, row-major (``[4 * a + b]``: query ``i + a``, candidate ``j + b``), over the words
    from ``first`` on; a plain word loop that LLVM vectorises for the host CPU."""
    a0 = q[i]
    a1 = q[i + 1]
    a2 = q[i + 2]
    a3 = q[i + 3]
    c0 = c[j]
    c1 = c[j + 1]
    c2 = c[j + 2]
    c3 = c[j + 3]
    t00 = t01 = t02 = t03 = np.uint64(0)
    t10 = t11 = t12 = t13 = np.uint64(0)
    t20 = t21 = t22 = t23 = np.uint64(0)
    t30 = t31 = t32 = t33 = np.uint64(0)
    for w in range(first, q.shape[1]):
        u0 = c0[w]
        u1 = c1[w]
        u2 = c2[w]
        u3 = c3[w]
        x = a0[w]
        t00 += popcount64(x ^ u0)
        t01 += popcount64(x ^ u1)
        t02 += popcount64(x ^ u2)
        t03 += popcount64(x ^ u3)
        x = a1[w]
        t10 += popcount64(x ^ u0)
        t11 += popcount64(x ^ u1)
        t12 += popcount64(x ^ u2)
        t13 += popcount64(x ^ u3)
        x = a2[w]
        t20 += popcount64(x ^ u0)
        t21 += popcount64(x ^ u1)
        t22 += popcount64(x ^ u2)
        t23 += popcount64(x ^ u3)
        x = a3[w]
        t30 += popcount64(x ^ u0)
        t31 += popcount64(x ^ u1)
        t32 += popcount64(x ^ u2)
        t33 += popcount64(x ^ u3)
    return (
        np.int64(t00), np.int64(t01), np.int64(t02), np.int64(t03),
        np.int64(t10), np.int64(t11), np.int64(t12), np.int64(t13),
        np.int64(t20), np.int64(t21), np.int64(t22), np.int64(t23),
        np.int64(t30), np.int64(t31), np.int64(t32), np.int64(t33),
    )  # fmt: skip


@njit(inline="always")
def _sixteen_distances_wide(q, i, c, j):
    """:func:`_sixteen_distances_portable` with the words of whole vectors summed by
    :func:`block_sums` and the remaining ``W % LANES`` words by the plain loop."""
    n_vectors = q.shape[1] // LANES
    d = block_sums(q, i, c, j, n_vectors)
    if n_vectors * LANES == q.shape[1]:
        return d
    t = _sixteen_distances_portable(q, i, c, j, n_vectors * LANES)
    return (
        d[0] + t[0], d[1] + t[1], d[2] + t[2], d[3] + t[3],
        d[4] + t[4], d[5] + t[5], d[6] + t[6], d[7] + t[7],
        d[8] + t[8], d[9] + t[9], d[10] + t[10], d[11] + t[11],
        d[12] + t[12], d[13] + t[13], d[14] + t[14], d[15] + t[15],
    )  # fmt: skip


#: The 4 x 4 block distances of every blocked kernel (fixed when they compile).
sixteen_distances = _sixteen_distances_wide if WIDE else _sixteen_distances_portable
