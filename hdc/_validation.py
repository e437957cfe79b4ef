"""Input checks shared by the public functions of :mod:`hdc`.

Public functions validate and normalise their inputs here, then hand plain C-contiguous arrays
to the compiled kernels in :mod:`hdc._kernels`, which never validate.
"""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

from hdc._parameters import Integer, Verbose, check_value

WORD_BITS = 64

def check_dim(dim: Any, name: str = "dim") -> int:
    """Return ``dim`` as an int after checking it is a positive multiple of 64."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer multiple of 64, got {dim!r}")
    dim = int(dim)
    if dim <= 0 or dim % WORD_BITS:
        lower = max(WORD_BITS, (dim // WORD_BITS) * WORD_BITS)
        upper = max(WORD_BITS, -(-dim // WORD_BITS) * WORD_BITS)
        sizes = f"{lower}" if lower == upper else f"{lower} or {upper}"
        raise ValueError(
            f"{name} must be a positive multiple of 64 (hypervectors are packed in 64-bit words), "
            f"got {dim}; the nearest valid size is {sizes}"
        )
    return dim


def check_count(n: Any, name: str, minimum: int = 0) -> int:
    """Return ``n`` as an int after checking it is an integer >= ``minimum``."""
    return int(check_value(n, name, Integer(minimum)))


def check_verbose(verbose: Any, name: str = "verbose") -> bool:
    """Return ``verbose`` as a bool: True/False, or an int >= 0 as scikit-learn passes (0 off)."""
    return bool(check_value(verbose, name, Verbose()))


def is_packed_dtype(dtype: Any) -> bool:
    """True for ``uint64`` in either byte order (``<u8``, ``>u8``, native): packed words."""
    return isinstance(dtype, np.dtype) and dtype.kind == "u" and dtype.itemsize == 8


def native_words(x: np.ndarray) -> np.ndarray:
    """``x`` (a ``uint64`` array of either byte order) as native C-contiguous ``uint64``.

    A byte-swapped array is converted (same values), so big-endian ``>u8`` files of packed
    hypervectors mean the same hypervectors as native ones.
    """
    if x.dtype != np.uint64:
        x = x.astype(np.uint64)
    return np.ascontiguousarray(x)


def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as a read-only view (no copy): what a kernel's input arguments are always given.

    numba compiles one machine-code version per argument type, and a read-only array (loaded
    from a file, memory-mapped, frozen) is a different type from a writable one. Handing every
    kernel its input-only arrays read-only, and its outputs and scratch writable, keeps one
    compiled signature per kernel, so a loaded model does not compile its kernels again.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(3)
    >>> readonly(x).flags.writeable, x.flags.writeable
    (False, True)
    """
    if not a.flags.writeable:
        return a
    view = a.view()
    view.flags.writeable = False
    return view


def as_hypervectors(x: Any, name: str, ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """Check that ``x`` holds packed hypervectors and return it C-contiguous and native.

    Accepts a numpy ``uint64`` array (either byte order: a ``>u8`` array is converted to the
    same values in native order) with ``ndim`` in ``ndim``; a non-contiguous array is copied,
    a read-only one is used as is (kernels never write to their inputs).
    """
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple)) and len(x) and all(isinstance(v, np.ndarray) for v in x):
            x = np.asarray(x)
        else:
            raise TypeError(
                f"{name} must be a numpy uint64 array of packed hypervectors, "
                f"got {type(x).__name__}"
            )
    if not is_packed_dtype(x.dtype):
        raise TypeError(
            f"{name} must be a numpy uint64 array of packed hypervectors, got dtype {x.dtype}; "
            "use hdc.pack(bits) to pack 0/1 arrays"
        )
    if x.ndim not in ndim:
        shapes = " or ".join({1: "(words,)", 2: "(n, words)", 3: "(m, n, words)"}[d] for d in ndim)
        raise ValueError(f"{name} must have shape {shapes}, got shape {x.shape}")
    if x.shape[-1] == 0:
        raise ValueError(
            f"{name} has zero words per hypervector (shape {x.shape}); dim must be >= 64"
        )
    return native_words(x)


def check_same_width(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise a ValueError when two packed arrays have different numbers of words."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{name_a} and {name_b} have different widths: {a.shape[-1]} and {b.shape[-1]} words "
            f"(dim {a.shape[-1] * WORD_BITS} and {b.shape[-1] * WORD_BITS})"
        )


def check_random_state(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    ``None`` gives fresh OS entropy, an int or a ``SeedSequence`` a reproducible generator, a
    ``Generator`` is used as is (and advanced), a legacy ``RandomState`` seeds a new generator.
    """
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1, size=4))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"{name} must be a non-negative integer seed, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"{name} must be None, a non-negative int, a numpy Generator or RandomState, "
        f"got {type(random_state).__name__}"
    )


def is_dask_collection(X: Any) -> bool:
    """True for a Dask array, DataFrame or Series, checked without importing Dask."""
    return type(X).__module__.split(".")[0] in ("dask", "dask_expr") and (
        hasattr(X, "map_blocks") or hasattr(X, "to_dask_array")
    )


def available_memory() -> int | None:
    """Bytes this process can still allocate: the system's available memory (``MemAvailable``
    of ``/proc/meminfo``, else the physical memory), capped by an address-space limit
    (``ulimit -v``) when one is set; None when unknown."""
    available = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if available is None:
        try:
            available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return None
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            available = min(available, soft)
    except (ImportError, OSError, ValueError):
        pass
    return available


def format_bytes(n: float) -> str:
    """``n`` bytes as e.g. ``"29.8 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")


def check_memory(parts: dict[str, float], request: str, hint: str) -> None:
    """Raise a MemoryError that says what ``request`` needs before anything is allocated.

    ``parts`` maps what is allocated to its size in bytes; the error lists them, the total and
    the memory available, and ends with ``hint`` (what to change).
    """
    total = float(sum(parts.values()))
    available = available_memory()
    if available is None or total <= available:
        return
    detail = ", ".join(f"{what} {format_bytes(size)}" for what, size in parts.items() if size)
    raise MemoryError(
        f"{request} needs about {format_bytes(total)} ({detail}), but only "
        f"{format_bytes(available)} is available; {hint}"
    )


def _names_x_or_y(message: str) -> bool:
    import re

    return re.search(r"(?<![A-Za-z0-9_])(X|y)(?![A-Za-z0-9_])", message) is not None


def with_argument_name(exc: Exception, name: str) -> Exception:
    """``exc`` (a TypeError or ValueError) with ``name: `` in front of its message, unless the
    message already names X or y; the original message is kept whole (callers match on it)."""
    message = str(exc)
    if _names_x_or_y(message):
        return exc
    if "inconsistent numbers of samples" in message:
        name = "X and y"
    return type(exc)(f"{name}: {message}")


def validate_data(estimator: Any, X: Any = "no_validation", y: Any = "no_validation",
                  **kwargs: Any) -> Any:
    """scikit-learn's ``validate_data``, whose errors name the argument at fault.

    scikit-learn says "Expected 2D array, got 1D array instead" or "Found array with 0
    sample(s)" without saying which argument; here such a message starts with ``X:`` (or
    ``y:`` when only ``y`` is validated, ``X and y:`` for different lengths).
    """
    from sklearn.utils.validation import validate_data as sklearn_validate_data

    try:
        return sklearn_validate_data(estimator, X, y, **kwargs)
    except (TypeError, ValueError) as exc:
        x_given = not (isinstance(X, str) and X == "no_validation")
        raise with_argument_name(exc, "X" if x_given else "y") from exc


def check_classification_targets(y: Any) -> None:
    """scikit-learn's check of classification labels, its errors naming ``y``."""
    from sklearn.utils.multiclass import check_classification_targets as sklearn_check

    try:
        sklearn_check(y)
    except (TypeError, ValueError) as exc:
        raise with_argument_name(exc, "y") from exc
