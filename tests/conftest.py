"""Shared test set-up: hypothesis profiles, and small image data sets written as gzipped IDX
files (Fashion-MNIST's format).

Hypothesis profiles, chosen by the environment variable ``HYPOTHESIS_PROFILE``:

- ``ci`` (the default): every property test with its full number of examples;
- ``dev``: at most 10 examples per property test, for quick runs while editing.

A test that sets its own ``max_examples`` caps it by the profile's:
``@settings(max_examples=min(40, settings.default.max_examples))``.

``--fuzz-long``: the fuzz suite (``tests/fuzz/``) runs many more cases per entry point.

On a cold numba cache (a fresh checkout), one background process compiles the kernels that the
later test files need (vision, symbolic, learning, baselines: ``hdkit.warmup``) while the first
ones run, so that both cores compile; it is stopped when the session ends. Under pytest-xdist
(``-n``) the cold groups are compiled before the workers start instead, one process per core
(every worker would otherwise compile nearly every kernel again). ``HDKIT_TEST_WARMUP=0``
turns both off. Under xdist's default ``--dist load`` the fuzz suite and the Dask tests each go
to one worker as a whole (:func:`pytest_xdist_make_scheduler`). With as many workers as cores
(``-n auto``), each worker's OpenBLAS and OpenMP pools have one thread unless
``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` are set (``_ONE_THREAD_PER_WORKER``; a test may
still raise them with threadpoolctl).
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-long", action="store_true", default=False,
        help="run the fuzz suite (tests/fuzz) with many more cases per entry point",
    )


#: Native thread pools held to one thread in each pytest-xdist worker when there are as many
#: workers as cores (numpy's and scipy's OpenBLAS, scikit-learn's OpenMP; numba's threads are
#: not affected): every worker has a core of its own, and pools of several threads per worker
#: only compete with the other workers.
_ONE_THREAD_PER_WORKER = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def _set_environ(config, name: str, value: str) -> None:
    """os.environ[name] = value until the session ends (pytest_unconfigure restores it)."""
    before = config.__dict__.setdefault("hdkit_environ_before", {})
    before.setdefault(name, os.environ.get(name))
    os.environ[name] = value


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    # the pytest-xdist controller (``-n N`` or ``--tx``): xdist has set ``dist`` by now
    controller = getattr(config.option, "dist", "no") != "no"
    workers = getattr(config.option, "numprocesses", None) or 0
    if controller and workers >= (os.cpu_count() or 1):
        # the workers inherit this environment; a value set by the user stays
        for name in _ONE_THREAD_PER_WORKER:
            if name not in os.environ:
                _set_environ(config, name, "1")
    if os.environ.get("HDKIT_TEST_WARMUP", "1") == "0":
        return
    from hdkit import warmup

    if controller:
        cold = warmup.cold_groups()
        if cold:
            print(f"hdkit: compiling the numba kernels of {', '.join(cold)} once, before the "
                  "workers start (HDKIT_TEST_WARMUP=0 skips this)", file=sys.stderr, flush=True)
            try:  # a group that fails or hangs shows up in its tests instead
                warmup.warmup(cold, progress=False, timeout=600)
            except (RuntimeError, TimeoutError, OSError) as exc:
                print(f"hdkit: warm-up before the workers failed ({exc}); the tests compile "
                      "what is left", file=sys.stderr, flush=True)
        return
    # in the reverse order of the test files that use them: the first files compile the core
    config.hdkit_warmup = warmup.start_background(["vision", "symbolic", "resonator", "learn",
                                                   "baselines"])
    if config.hdkit_warmup is not None:  # it compiles SIFT too: no second helper for that
        _set_environ(config, "HDKIT_BACKGROUND_COMPILE", "0")


def pytest_unconfigure(config):
    proc = getattr(config, "hdkit_warmup", None)
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait()
    for name, previous in getattr(config, "hdkit_environ_before", {}).items():
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def _bar_images(n: int, shape: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Images of a vertical (class 0) or horizontal (class 1) bar at a random place.

    The background is blank, as in Fashion-MNIST (on a noisy background ConvolutionEncoder needs
    a ``quantile`` above the share of background positions; see its docstring).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    images = np.zeros((n, *shape), dtype=np.uint8)
    for i in range(n):
        if y[i] == 0:
            images[i, :, rng.integers(0, shape[1])] = 255
        else:
            images[i, rng.integers(0, shape[0]), :] = 255
    return images, y


@pytest.fixture
def idx_bars(tmp_path):
    """``make(shape, n_train, n_test)``: write bar images as ``train-*`` / ``t10k-*`` IDX files
    in ``tmp_path`` (Fashion-MNIST's names) and return the two images files' paths."""

    def make(shape=(12, 14), n_train=200, n_test=60):
        paths = []
        for split, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
            images, labels = _bar_images(n, shape, seed)
            _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
            _write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels)
            paths.append(tmp_path / f"{split}-images-idx3-ubyte.gz")
        return paths

    return make


@pytest.fixture
def write_idx():
    return _write_idx


#: Test files and folders (under tests/) whose module fixtures start processes of their own:
#: under pytest-xdist each goes to one worker as a whole, so that the fixture runs once.
_ON_ONE_WORKER = (
    "fuzz/",  # every fuzz case at once, in two processes
    "hdc/test_distributed.py",  # a two-process Dask LocalCluster (the slow tests)
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist's default ``--dist load``: every test is scheduled on its own, except
    those of :data:`_ON_ONE_WORKER`, each group on one worker. Their module fixtures start
    processes of their own, and every worker that got one of their tests would start them
    again. (``--dist loadgroup`` would do this with a mark, but it does not group on pytest
    9.2: pytest-xdist issue #1386.)"""
    if config.getvalue("dist") != "load":
        return None
    try:  # node ids are relative to the rootdir, wherever that is
        tests = Path(__file__).parent.relative_to(config.rootpath).as_posix()
    except ValueError:  # a rootdir beside the tests: node ids we cannot tell apart
        return None
    prefixes = [part if tests == "." else f"{tests}/{part}" for part in _ON_ONE_WORKER]
    from xdist.scheduler import LoadScopeScheduling

    class GroupsOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix in prefixes:
                if nodeid.startswith(prefix):
                    return prefix
            return nodeid

    return GroupsOnOneWorker(config, log)
