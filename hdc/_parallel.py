"""Load-tolerant parallel loops: workers claim small chunks of work from a shared counter.

A numba ``prange`` splits its range into one fixed part per thread and waits for the slowest
part: when another process takes a core, the thread on that core finishes last and the whole
call becomes slower than one thread would have been. Here the work is cut into many small chunks
and every worker (the calling thread plus pool threads) claims the next unclaimed chunk until
none remain, so a worker on a busy core simply claims fewer chunks (dynamic scheduling). The
calling thread never waits for another thread: a chunk still running elsewhere when nothing is
left to claim is computed again by the caller, and the first result is kept (chunks compute
into private scratch and are committed once, under a lock).

The chunk kernels are serial numba functions compiled with ``nogil=True``: the pool threads run
them truly in parallel. The number of workers follows :func:`numba.get_num_threads` (so
``numba.set_num_threads(1)`` makes every call serial), capped by the cores that are idle at the
moment of the call (the instantaneous count of runnable tasks in ``/proc/loadavg``: threads on
taken cores would only add hand-offs of the GIL), and work below two chunks runs serially on the
calling thread, in place, with no pool at all.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np

__all__ = ["CHUNK_WORDS", "n_workers", "rows_per_chunk", "run_chunks", "run_columns",
           "run_rows"]

#: Work per chunk, in 64-bit words touched: a fraction of a millisecond, small enough that a
#: worker on a busy core delays the call by little, large enough to amortise a claim.
CHUNK_WORDS = 1 << 19

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = -1
_pool_size = 0


def n_workers() -> int:
    """Workers a parallel call may use: numba's thread setting of the calling thread."""
    return max(1, numba.get_num_threads())


#: Cap the default number of workers by the cores idle at the moment of the call.
ADAPT_TO_LOAD = True
_load_sample = [-1.0, None]  # (time.monotonic() of the last reading, idle cores)


def _idle_cores() -> int | None:
    """Cores not running another task right now, from the instantaneous count of runnable
    tasks in ``/proc/loadavg`` (this thread included; read at most every 10 ms); None where
    that file does not exist."""
    now = time.monotonic()
    if now - _load_sample[0] < 0.01:
        return _load_sample[1]
    try:
        with open("/proc/loadavg", "rb") as handle:
            running = int(handle.read().split()[3].split(b"/")[0])
        idle = (os.cpu_count() or 1) - (running - 1)
    except (OSError, ValueError, IndexError):
        idle = None
    _load_sample[0], _load_sample[1] = now, idle
    return idle


def rows_per_chunk(words_per_row: float) -> int:
    """Rows in a chunk of about :data:`CHUNK_WORDS` words of work (at least one)."""
    return max(1, int(CHUNK_WORDS // max(1.0, float(words_per_row))))


def _get_pool(size: int) -> ThreadPoolExecutor:
    """A process-wide pool of at least ``size`` threads (re-created after a fork)."""
    global _pool, _pool_pid, _pool_size
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or _pool_size < size:
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="hdkit-kernel")
            _pool_pid = os.getpid()
            _pool_size = size
        return _pool


def run_chunks(compute: Callable[[int, int], Any], commit: Callable[[int, int, Any], None],
               n_items: int, chunk: int, workers: int | None = None,
               direct: Callable[[int, int], None] | None = None) -> int:
    """Compute ``range(n_items)`` in chunks of ``chunk`` items on up to ``workers`` threads.

    ``compute(start, stop)`` does the heavy work into a private result (a serial ``nogil``
    kernel into a scratch array) and ``commit(start, stop, result)`` stores it (a quick copy
    or append); every chunk is committed exactly once, under a lock. Chunks are claimed one at
    a time from a shared counter (the calling thread is a worker too). Once none is left to
    claim, the calling thread does not wait for a chunk that another thread is still running
    (its core may be taken by another process): it computes that chunk again itself, and
    whichever copy finishes first is committed. A result committed late is dropped, so nothing
    is written once this function has returned.

    ``direct(0, n_items)``, when given, does the whole job in place on the serial path (one
    worker or one chunk), without the scratch copy. ``workers`` defaults to numba's thread
    setting capped by the idle cores (see the module docstring). Returns the number of workers
    used.

    Examples
    --------
    >>> parts = []
    >>> run_chunks(lambda a, b: list(range(a, b)), lambda a, b, r: parts.append(r), 5, 2,
    ...            workers=1)
    1
    >>> parts
    [[0, 1, 2, 3, 4]]
    """
    if n_items <= 0:
        return 0
    chunk = max(1, int(chunk))
    n_chunks = -(-n_items // chunk)
    adapt = workers is None and ADAPT_TO_LOAD
    workers = min(n_workers() if workers is None else max(1, workers), n_chunks)
    if adapt and workers > 1:
        # a thread on a core that another task is running would only add hand-offs
        idle = _idle_cores()
        if idle is not None:
            workers = max(1, min(workers, idle))
    if workers == 1:
        if direct is not None:
            direct(0, n_items)
        else:
            commit(0, n_items, compute(0, n_items))
        return 1
    state = _Claims(n_chunks)

    def bounds(c: int) -> tuple[int, int]:
        return c * chunk, min(n_items, (c + 1) * chunk)

    def work() -> None:
        while True:
            c = state.claim()
            if c < 0:
                return
            start, stop = bounds(c)
            try:
                result = compute(start, stop)
            except BaseException as error:  # re-raised on the calling thread
                state.fail(c, error)
                return
            state.commit(c, commit, start, stop, result)

    pool = _get_pool(workers - 1)
    for _ in range(workers - 1):
        pool.submit(work)
    try:
        work()
        while True:  # back up the chunks other threads are still running
            c = state.oldest_running()
            if c < 0:
                break
            start, stop = bounds(c)
            result = compute(start, stop)
            state.commit(c, commit, start, stop, result)
    finally:
        state.close()
    state.raise_error()
    return workers


def run_rows(kernel: Callable[[int, int, np.ndarray], None], out: np.ndarray, chunk: int,
             workers: int | None = None) -> int:
    """:func:`run_chunks` over the rows of ``out``: ``kernel(start, stop, dest)`` writes rows
    ``start:stop`` of the result into ``dest`` (``out[start:stop]`` on the serial path, else a
    C-contiguous scratch block of that shape).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.zeros(5, dtype=np.int64)
    >>> run_rows(lambda a, b, dest: dest.__setitem__(slice(None), np.arange(a, b)), out, 2, 2)
    2
    >>> out.tolist()
    [0, 1, 2, 3, 4]
    """

    def compute(start: int, stop: int) -> np.ndarray:
        dest = np.empty((stop - start,) + out.shape[1:], dtype=out.dtype)
        kernel(start, stop, dest)
        return dest

    def commit(start: int, stop: int, part: np.ndarray) -> None:
        out[start:stop] = part

    return run_chunks(compute, commit, out.shape[0], chunk, workers,
                      direct=lambda start, stop: kernel(start, stop, out[start:stop]))


def run_columns(kernel: Callable[[int, int, np.ndarray], None], out: np.ndarray, chunk: int,
                workers: int | None = None) -> int:
    """:func:`run_rows` over the columns of the 2-D ``out``: ``kernel(start, stop, dest)``
    writes columns ``start:stop`` into ``dest`` (``out[:, start:stop]`` on the serial path,
    where that is ``out`` itself, else a C-contiguous scratch block of that shape). For a
    matrix with fewer rows (queries) than make several chunks.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.zeros((2, 5), dtype=np.int64)
    >>> run_columns(lambda a, b, dest: dest.__setitem__(Ellipsis, np.arange(a, b)), out, 2, 2)
    2
    >>> out.tolist()
    [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]
    """

    def compute(start: int, stop: int) -> np.ndarray:
        dest = np.empty((out.shape[0], stop - start), dtype=out.dtype)
        kernel(start, stop, dest)
        return dest

    def commit(start: int, stop: int, part: np.ndarray) -> None:
        out[:, start:stop] = part

    return run_chunks(compute, commit, out.shape[1], chunk, workers,
                      direct=lambda start, stop: kernel(start, stop, out[:, start:stop]))


class _Claims:
    """The shared chunk counter of one call, and which chunks are committed."""

    def __init__(self, n_chunks: int) -> None:
        self.lock = threading.Lock()
        self.next = 0
        self.n_chunks = n_chunks
        self.done = [False] * n_chunks
        self.closed = False
        self.error: BaseException | None = None

    def claim(self) -> int:
        with self.lock:
            if self.closed or self.next >= self.n_chunks:
                return -1
            self.next += 1
            return self.next - 1

    def commit(self, c: int, store: Callable[[int, int, Any], None], start: int, stop: int,
               result: Any) -> None:
        """``store(start, stop, result)`` unless chunk ``c`` is committed or the call closed."""
        with self.lock:
            if not self.done[c] and not self.closed:
                store(start, stop, result)
                self.done[c] = True

    def fail(self, c: int, error: BaseException) -> None:
        with self.lock:
            if not self.done[c] and not self.closed and self.error is None:
                self.error = error

    def oldest_running(self) -> int:
        """A claimed chunk not committed yet (-1: none; then the call is closed)."""
        with self.lock:
            if self.error is None:
                for c in range(self.next):
                    if not self.done[c]:
                        return c
            self.closed = True
            return -1

    def close(self) -> None:
        with self.lock:
            self.closed = True

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error
