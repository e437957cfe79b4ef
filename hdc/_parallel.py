"""Load-tolerant parallel loops: workers claim small chunks of work from a shared counter.

A numba ``prange`` splits its range into one fixed part per thread and waits for the slowest
part: when another process takes a core, the thread on that core finishes last and the whole
call becomes slower than one thread would have been. Here the work is cut into many small chunks
and every worker (the calling thread plus pool threads) claims the next unclaimed chunk until
none remain, so a worker on a busy core simply claims fewer chunks (dynamic scheduling).

The chunk kernels are serial numba functions compiled with ``nogil=True``: the pool threads run
them truly in parallel. The number of workers follows :func:`numba.get_num_threads` (so
``numba.set_num_threads(1)`` makes every call serial), and work below one chunk per worker runs
serially on the calling thread with no pool at all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba

__all__ = ["CHUNK_WORDS", "n_workers", "rows_per_chunk", "run_chunks"]

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


def run_chunks(call: Callable[[int, int, int], None], n_items: int, chunk: int,
               workers: int | None = None) -> int:
    """Run ``call(worker, start, stop)`` over ``range(n_items)`` cut into chunks of ``chunk``.

    Chunks are claimed one at a time from a shared counter by up to ``workers`` workers (the
    calling thread is worker 0); each worker's calls are serial, so ``worker`` can index a
    per-worker accumulator. Returns the number of workers used (1: everything ran serially on
    the calling thread, as one call over the whole range).

    Examples
    --------
    >>> seen = []
    >>> run_chunks(lambda w, a, b: seen.append((a, b)), 10, 4, workers=1)
    1
    >>> seen
    [(0, 10)]
    """
    if n_items <= 0:
        return 0
    chunk = max(1, int(chunk))
    n_chunks = -(-n_items // chunk)
    workers = min(n_workers() if workers is None else max(1, workers), n_chunks)
    if workers == 1:
        call(0, 0, n_items)
        return 1
    state = _Claims(n_chunks)

    def work(worker: int) -> None:
        while True:
            c = state.claim()
            if c < 0:
                return
            try:
                call(worker, c * chunk, min(n_items, (c + 1) * chunk))
            except BaseException as error:  # re-raised on the calling thread
                state.fail(error)
            finally:
                state.release()

    pool = _get_pool(workers - 1)
    for w in range(1, workers):
        pool.submit(work, w)
    work(0)
    state.close_and_wait()
    return workers


class _Claims:
    """The shared chunk counter of one call.

    The calling thread, once it finds no chunk left, waits only for chunks being run: a pool
    thread that has not started yet (its core busy with another process) finds the call closed
    and claims nothing, so the call never waits for a thread the OS has not scheduled.
    """

    def __init__(self, n_chunks: int) -> None:
        self.cond = threading.Condition()
        self.next = 0
        self.n_chunks = n_chunks
        self.running = 0
        self.closed = False
        self.error: BaseException | None = None

    def claim(self) -> int:
        with self.cond:
            if self.closed or self.error is not None or self.next >= self.n_chunks:
                return -1
            self.next += 1
            self.running += 1
            return self.next - 1

    def release(self) -> None:
        with self.cond:
            self.running -= 1
            if self.running == 0:
                self.cond.notify_all()

    def fail(self, error: BaseException) -> None:
        with self.cond:
            if self.error is None:
                self.error = error

    def close_and_wait(self) -> None:
        with self.cond:
            self.closed = True
            while self.running > 0:
                self.cond.wait()
            if self.error is not None:
                raise self.error
