"""Compile every numba kernel of hdkit into numba's on-disk cache, ahead of first use.

numba compiles a kernel the first time it is called and caches the machine code on disk, so
only the very first call after an install (or after a change to the kernels) is slow.
:func:`warmup` pays that cost up front: each *group* of kernels is compiled by a small workload
through the public API (so the cached signatures are exactly the ones real calls use). One
process per core takes the groups one after another, the longest first, each the next group
not taken yet.

The cache is numba's: ``__pycache__`` beside the sources, or ``$NUMBA_CACHE_DIR`` when that is
set. Entries are keyed by the path of the source file, so warm the copy of hdkit you will run
(the installed one, or the checkout with ``PYTHONPATH`` / an editable install).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["GROUPS", "cold_groups", "run_group", "run_groups", "start_background", "warmup"]


def _core() -> None:
    import numpy as np

    import hdc
    from hdc import _kernels

    x = hdc.random(2100, 1024, random_state=0)
    hdc.bundle(x[:33], tie="random", random_state=0)
    hdc.bundle(x)
    _kernels.merge_planes(np.zeros((2, 4, 16), dtype=np.uint64))  # used when several workers ran
    hdc.counts(x[:40], weights=np.arange(40) - 20)
    hdc.threshold(hdc.counts(x[:5]), 5)
    hdc.hamming(x, x[:26])
    hdc.similarity(x[0], x[1])
    hdc.permute(x, 100)
    hdc.permute(x[:3], [1, 2, 3])
    memory = hdc.AssociativeMemory(1024)
    memory.add(x[:50], np.arange(50))
    memory.query(x[:5], k=3)  # the tiled top-k
    memory.query(x[:2], k=3)  # fewer than 4 queries: the row top-k
    hdc.hamming(x[:2], x[:26])  # the row kernel


def _resonator() -> None:
    import hdc

    books = [hdc.item_memory(4, 1024, random_state=s) for s in range(3)]
    product = hdc.bind(hdc.bind(books[0][1], books[1][2]), books[2][3])
    hdc.Resonator(books, max_iter=5, random_state=0).factorize(product[None])


def _symbolic() -> None:
    import numpy as np

    import hdc

    books = [hdc.item_memory(4, 1024, random_state=s) for s in range(3)]
    basket = hdc.Multiset(1024, random_state=0)
    basket.add(books[0][:3])
    basket.contains(books[0])
    seq = hdc.Sequence(1024, random_state=0)
    seq.append(books[0][:3])
    seq.unbind(1)
    fillers = hdc.AssociativeMemory(1024)
    fillers.add(books[1], np.arange(4))
    table = hdc.HashTable(1024, memory=fillers, random_state=0)
    table.put(books[0][:3], books[1][:3])
    table.get(books[0][:2])  # the nearest-candidate kernel
    for directed in (False, True):
        graph = hdc.Graph.from_edges([[0, 1], [1, 2]], books[0], directed=directed,
                                     random_state=0)
        graph.neighbours(np.arange(4))  # every node: the symmetric kernel when undirected
        graph.neighbours(0)


def _learn() -> None:
    import numpy as np

    import hdc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    for settings in ({}, {"average": False}, {"prototypes": "binary"}, {"lr": 0.5},
                     {"retraining": "batch"}):
        clf = hdc.HDClassifier(dim=1024, random_state=0, **settings).fit(X, y)
        clf.predict(X)
        clf.predict_proba(X)


def _encoders() -> None:
    import numpy as np

    import encoders

    rng = np.random.default_rng(0)
    texts = ["the cat sat on the mat", "a b", "", "hello world"]
    for weighting in ("count", "idf"):
        encoders.NGramEncoder(512, ngram_range=(1, 3), weighting=weighting,
                              random_state=0).fit(texts).transform(texts)
    X = rng.normal(size=(30, 5))
    for quantization in ("uniform", "quantile"):
        encoders.RecordEncoder(512, quantization=quantization, random_state=0).fit_transform(X)
    for kind in ("sign", "rff"):
        encoders.ProjectionEncoder(512, kind=kind, random_state=0).fit_transform(X)
    encoders.TableEncoder(512, random_state=0).fit_transform(X)
    images = rng.random((6, 8, 8))
    encoders.ConvolutionEncoder(512, image_shape=(8, 8), random_state=0).fit_transform(
        images.reshape(6, -1))
    features = [(rng.random((n, 2)) * 100, rng.random((n, 128))) for n in (20, 0)]
    encoders.KeypointEncoder(dim=512, random_state=0).fit(features).transform(features)


def _baselines() -> None:
    import numpy as np

    from hdc.baselines import GLNClassifier, GLNRegressor, KernelMachineClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    for base in ("minmax", "sigmoid"):
        GLNClassifier(base=base, random_state=0).fit(X, y).predict_proba(X)
    GLNRegressor(random_state=0).fit(X, X[:, 0]).predict(X)
    KernelMachineClassifier(random_state=0).fit(X, y).predict(X)


def _vision() -> None:
    import numpy as np

    import vision

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:160, :200]
    image = 128 + 60 * np.sin(xx / 7.0) * np.cos(yy / 9.0) + 30 * rng.random((160, 200))
    image = np.clip(image, 0, 255).astype(np.uint8)
    warped, homography = vision.synthetic_warp(image, angle_deg=20.0, scale=0.9, random_state=0)
    vision.match_images(image, warped, homography=homography)


#: name -> workload that compiles the group's kernels; longest first by measured compile time
#: (docs/benchmarks.md, "First-call latency"), so that the processes finish close together.
GROUPS: dict[str, Callable[[], None]] = {
    "encoders": _encoders,
    "learn": _learn,
    "core": _core,
    "vision": _vision,
    "resonator": _resonator,
    "symbolic": _symbolic,
    "baselines": _baselines,
}


#: name -> (module, kernel): a kernel of the group whose cache entry tells if the group is warm.
PROBES: dict[str, tuple[str, str]] = {
    "vision": ("vision._kernels", "sift_descriptors"),
    "learn": ("hdc._learn_kernels", "retrain_integer_planes"),
    "encoders": ("encoders._kernels", "record_bundle_present"),
    "baselines": ("hdc.baselines._gln_kernels", "bernoulli_forward"),
    "symbolic": ("hdc._structure_kernels", "within_symmetric"),
    "resonator": ("hdc._resonator_kernels", "bipolar_dots"),
    "core": ("hdc._kernels", "count_level"),
}


def run_group(name: str) -> None:
    """Run the workload of one group in this process (compiling what it calls)."""
    if name not in GROUPS:
        raise ValueError(f"unknown warmup group {name!r}; expected one of {', '.join(GROUPS)}")
    GROUPS[name]()


def run_groups(names: Sequence[str]) -> None:
    """Run the workloads of ``names`` in turn; a failing group does not stop the others (its
    kernels then simply compile on first use)."""
    for name in names:
        try:
            run_group(name)
        except Exception as error:  # noqa: BLE001 - reported, the next group still runs
            print(f"warmup group {name} failed: {error!r}", file=sys.stderr)


def cold_groups(groups: Sequence[str] | None = None) -> list[str]:
    """The groups (of ``groups``, default all, in that order) whose kernels are not cached yet.

    A group counts as cold when one kernel of it (:data:`PROBES`) has no entry in numba's
    cache: one ``os.path.exists`` per group, after importing the group's kernel module.

    Examples
    --------
    >>> from hdkit.warmup import cold_groups
    >>> set(cold_groups()) <= set(GROUPS)
    True
    """
    import importlib

    from hdc._compile_note import _index_path

    cold = []
    for name in GROUPS if groups is None else groups:
        module, kernel = PROBES[name]
        path = _index_path(getattr(importlib.import_module(module), kernel))
        if path is not None and not os.path.exists(path):
            cold.append(name)
    return cold


def _launch(names: Sequence[str] | None, log: int | Any | None = None) -> subprocess.Popen:
    """A process running the workloads of ``names`` in turn, or with ``names=None`` a worker
    that compiles the groups named on its stdin (:func:`_serve`); stderr to ``log``, else a
    temporary file kept as ``proc.log``."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    # the child imports the same copy of hdkit as this process (the cache is keyed by path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    env["HDKIT_BACKGROUND_COMPILE"] = "0"  # the child compiles its groups itself, on one core
    if names is None:
        code = "from hdkit.warmup import _serve; _serve()"
    elif len(names) == 1:
        code = f"from hdkit.warmup import run_group; run_group({names[0]!r})"
    else:
        code = f"from hdkit.warmup import run_groups; run_groups({list(names)!r})"
    if log is None:
        log = tempfile.TemporaryFile(mode="w+")
    pipe = subprocess.PIPE if names is None else None
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=pipe,
                            stdout=pipe if names is None else subprocess.DEVNULL, stderr=log,
                            text=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def start_background(groups: Sequence[str] | None = None) -> subprocess.Popen | None:
    """Start one process that compiles the cold ones of ``groups`` (default: all, longest
    first) into the cache while this process goes on; None when all of them are warm.

    The caller may ``terminate()`` it at any time: numba writes every cache entry to a
    temporary file and renames it, so a stopped compile leaves nothing half-written. Used by
    ``hdkit demo`` (SIFT and the GLN while the demo's first part runs) and by the test suite
    (``tests/conftest.py``).

    Examples
    --------
    >>> from hdkit.warmup import start_background
    >>> proc = start_background(["core"])  # doctest: +SKIP
    >>> proc is None or proc.wait() == 0  # doctest: +SKIP
    True
    """
    names = cold_groups(groups)
    if not names or not sys.executable:  # no interpreter to start (embedded Python)
        return None
    try:
        return _launch(names, log=subprocess.DEVNULL)
    except OSError:
        return None


def _reporter(total: int, show: bool) -> Callable[[str, float], None]:
    """A callback ``done(group, seconds)``: a tqdm bar if tqdm is installed, else plain lines."""
    if not show:
        return lambda name, seconds: None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        count = [0]

        def line(name: str, seconds: float) -> None:
            count[0] += 1
            print(f"warmup {count[0]}/{total}: {name} compiled in {seconds:.1f} s", flush=True)

        return line
    bar = tqdm(total=total, desc="compiling kernels", unit="group")

    def tick(name: str, seconds: float) -> None:
        bar.set_postfix_str(f"{name} {seconds:.0f} s")
        bar.update(1)
        if bar.n == total:
            bar.close()

    return tick


def warmup(groups: Sequence[str] | None = None, jobs: int | None = None,
           progress: bool = True, timeout: float | None = None) -> dict[str, float]:
    """Compile the kernels of ``groups`` (default: all) into numba's cache.

    Parameters
    ----------
    groups : sequence of str, optional
        Names from :data:`GROUPS`.
    jobs : int, optional
        Processes compiling at once (default: the number of CPUs).
    progress : bool
        Show a progress bar (tqdm) or, without tqdm, one line per group.
    timeout : float, optional
        Seconds after which the compiling processes still running are stopped and a
        ``TimeoutError`` is raised (default: no limit).

    Returns
    -------
    dict
        Seconds each group took, by name.

    Examples
    --------
    >>> from hdkit.warmup import warmup
    >>> sorted(warmup(["core"], progress=False))  # doctest: +SKIP
    ['core']
    """
    names = list(GROUPS) if groups is None else list(groups)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        raise ValueError(f"unknown warmup group(s) {unknown}; expected some of {list(GROUPS)}")
    names = [n for n in GROUPS if n in names]  # longest first
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    done = _reporter(len(names), progress)
    pending = list(names)
    seconds: dict[str, float] = {}
    failures: list[str] = []
    deadline = None if timeout is None else time.perf_counter() + timeout
    answers: queue.Queue = queue.Queue()
    workers: list[_Worker] = []
    try:
        while pending or any(w.group for w in workers):
            for worker in [w for w in workers if not w.alive]:
                worker.stop()
                workers.remove(worker)
            idle = [w for w in workers if w.group is None]
            while len(pending) > len(idle) and len(workers) < jobs:  # at most a process a core
                idle.append(_Worker(_launch(None), answers))
                workers.append(idle[-1])
            for worker in idle:
                if pending:
                    worker.send(pending.pop(0))
            while True:  # short waits: Ctrl+C stays responsive on every platform
                left = None if deadline is None else deadline - time.perf_counter()
                if left is not None and left <= 0:
                    busy = [w.group for w in workers if w.group]
                    raise TimeoutError(
                        f"warmup did not finish within {timeout} s: stopped {', '.join(busy)}"
                        + (f"; not started: {', '.join(pending)}" if pending else "")
                    )
                try:
                    worker, line = answers.get(timeout=0.5 if left is None else min(0.5, left))
                    break
                except queue.Empty:
                    continue
            finished = worker.answer(line)
            if finished is None:
                continue
            name, took, error = finished
            if error is None:
                seconds[name] = took
                done(name, took)
            else:
                failures.append(f"{name}: {error}")
    finally:
        for worker in workers:
            worker.stop()
    if failures:
        raise RuntimeError("warmup failed for " + "; ".join(failures))
    return seconds


class _Worker:
    """A process that compiles the groups sent to it, one at a time (:func:`_serve`); a thread
    hands each line it writes to ``answers``, and ``""`` when its output ends."""

    def __init__(self, proc: subprocess.Popen, answers: queue.Queue) -> None:
        self.proc = proc
        self.group: str | None = None
        self.started = 0.0
        self.alive = True
        self.reader = threading.Thread(target=self._read, args=(answers,), daemon=True)
        self.reader.start()

    def _read(self, answers: queue.Queue) -> None:
        for line in self.proc.stdout:
            answers.put((self, line))
        answers.put((self, ""))

    def send(self, name: str) -> None:
        """Start group ``name``; if the process has ended, the end of its output reports it."""
        self.group, self.started = name, time.perf_counter()
        try:
            self.proc.stdin.write(name + "\n")
            self.proc.stdin.flush()
        except OSError:  # broken pipe: the reader thread sees the end of the output
            pass

    def answer(self, line: str) -> tuple[str, float, str | None] | None:
        """(group, seconds, error or None) of the group this line finishes, if any; other
        lines (anything printed before the process redirected its output) are ignored."""
        name, took = self.group, time.perf_counter() - self.started
        if line == "":  # the output ended: the process ended
            self.alive = False
            if name is None:
                return None
            self.group = None
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.log.seek(0)
            err = self.proc.log.read().strip()
            last = f": {err.splitlines()[-1]}" if err else ""
            return name, took, f"the process ended (exit code {self.proc.returncode}){last}"
        if name is None:
            return None
        if line.startswith(f"ok {name}"):
            self.group = None
            return name, took, None
        if line.startswith(f"failed {name} "):
            self.group = None
            return name, took, line.split(" ", 2)[2].strip()
        return None

    def stop(self) -> None:
        """End the process (idle: by closing its input; compiling: terminated, which is safe,
        numba writes each cache entry whole) and close its pipes and log."""
        if self.proc.poll() is None:
            if self.group is None:
                try:
                    self.proc.stdin.close()
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.terminate()
            else:
                self.proc.terminate()
        self.proc.wait()
        self.reader.join(timeout=5)  # the output has ended with the process
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.log):
            try:
                stream.close()
            except OSError:
                pass


def _serve() -> None:
    """A warm-up process: for each group name read from stdin, run the group and answer one
    line on stdout, ``ok NAME`` or ``failed NAME ERROR``; anything the workloads print goes to
    stderr, so it cannot garble the answers."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        try:
            run_group(name)
        except Exception as error:  # noqa: BLE001 - answered; the parent reports it
            message = " ".join(ascii(error).split())  # one line, any console encoding
            answers.write(f"failed {name} {message}\n")
        else:
            answers.write(f"ok {name}\n")
