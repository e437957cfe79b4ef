"""``hdkit warmup`` and the note that kernels compile once."""

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hdc import _compile_note
from hdkit import cli, warmup

ROOT = Path(__file__).resolve().parents[2]


def test_warmup_rejects_unknown_groups(capsys):
    with pytest.raises(ValueError, match="unknown warmup group"):
        warmup.warmup(["core", "nope"], progress=False)
    with pytest.raises(ValueError, match="unknown warmup group"):
        warmup.run_group("nope")
    assert cli.main(["warmup", "nope"]) == 2
    assert "unknown 'nope'" in capsys.readouterr().err


def test_every_group_is_listed_with_a_probe():
    assert set(warmup.GROUPS) == {"vision", "learn", "encoders", "baselines", "symbolic",
                                  "resonator", "core"}
    assert set(warmup.PROBES) == set(warmup.GROUPS)


def test_warmup_compiles_a_group_in_a_worker_process(monkeypatch):
    launched = []
    real_launch = warmup._launch
    monkeypatch.setattr(warmup, "_launch", lambda names, log=None: launched.append(
        real_launch(names, log)) or launched[-1])
    seconds = warmup.warmup(["core"], jobs=2, progress=False)
    assert list(seconds) == ["core"] and seconds["core"] > 0
    assert len(launched) == 1 and launched[0].poll() == 0  # one process, ended cleanly


def test_a_warmup_process_answers_every_group_and_reports_failures():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", "from hdkit.warmup import _serve; _serve()"],
                          input="nope\n\nnope\n", env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1]  # blank lines are skipped
    assert lines[0].startswith("failed nope ValueError(")
    assert "unknown warmup group 'nope'" in lines[0]


_ANSWER = "import sys\nfor line in sys.stdin:\n    print('ok', line.strip(), flush=True)\n"


def _fake_workers(monkeypatch, script):
    """Replace the warm-up processes by ``python -c script`` (stdin and stdout as pipes); the
    list of processes started."""
    launched = []

    def launch(names, log=None):
        assert names is None  # warmup() starts workers only
        log = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=log, text=True)
        proc.log = log
        launched.append(proc)
        return proc

    monkeypatch.setattr(warmup, "_launch", launch)
    return launched


def test_warmup_starts_no_more_processes_than_groups_or_jobs(monkeypatch):
    launched = _fake_workers(monkeypatch, _ANSWER)
    assert list(warmup.warmup(["core"], jobs=4, progress=False)) == ["core"]
    assert len(launched) == 1
    launched.clear()
    assert set(warmup.warmup(jobs=3, progress=False)) == set(warmup.GROUPS)
    assert len(launched) == 3 and all(p.poll() == 0 for p in launched)
    assert all(p.stdin.closed and p.stdout.closed for p in launched)


def test_warmup_ignores_stray_output_and_reports_a_crashed_process(monkeypatch):
    launched = _fake_workers(monkeypatch, "print('hello', flush=True)\n" + _ANSWER)
    assert list(warmup.warmup(["core"], jobs=1, progress=False)) == ["core"]
    crash = "import sys\nsys.stderr.write('boom\\n')\nsys.exit(3)\n"
    launched = _fake_workers(monkeypatch, crash)
    with pytest.raises(RuntimeError, match=r"core: the process ended \(exit code 3\): boom"):
        warmup.warmup(["core", "symbolic"], jobs=1, progress=False, timeout=60)
    assert len(launched) == 2  # a new process for the group after the crash
    assert all(p.poll() == 3 for p in launched)


def test_warmup_stops_its_processes_at_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # the child compiles from scratch
    launched = []
    real_launch = warmup._launch
    monkeypatch.setattr(warmup, "_launch", lambda names, log=None: launched.append(
        real_launch(names, log)) or launched[-1])
    with pytest.raises(TimeoutError, match="within 0.5 s: stopped core"):
        warmup.warmup(["core"], jobs=1, progress=False, timeout=0.5)
    assert len(launched) == 1 and launched[0].poll() is not None  # stopped, not left running


@pytest.mark.slow
def test_warmup_fills_an_empty_cache(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "hdkit", "warmup", "core", "-q"], env=env,
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "compiled and cached" in done.stdout
    assert any(tmp_path.rglob("*.nbi"))


class _Kernel:
    """Stands in for a numba dispatcher whose cache index is ``path``."""

    def __init__(self, path):
        self._cache = type("C", (), {"_cache_file": type("F", (), {"_index_path": path})})()


def test_note_once_when_a_cache_is_cold(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(_compile_note, "_state", {"cold": False, "noted": False})
    monkeypatch.setattr(logging.getLogger("hdkit"), "hdkit_compile_noted", False, raising=False)
    warm = tmp_path / "warm.nbi"
    warm.write_text("")
    with caplog.at_level(logging.INFO, logger="hdkit"):
        assert not _compile_note.note_if_cold(_Kernel(str(warm)))
        assert not _compile_note.compiling()
        assert _compile_note.note_if_cold(_Kernel(str(tmp_path / "cold.nbi")))
        assert _compile_note.note_if_cold(_Kernel(str(tmp_path / "cold2.nbi")))
    assert _compile_note.compiling()
    notes = [r for r in caplog.records if "compiling numba kernels" in r.getMessage()]
    assert len(notes) == 1 and "hdkit warmup" in notes[0].getMessage()
    assert not _compile_note.note_if_cold(object())  # other numba internals: silent


def test_cold_groups_checks_one_kernel_per_group(tmp_path, monkeypatch):
    warm = tmp_path / "warm.nbi"
    warm.write_text("")
    fake = type("M", (), {"warm": _Kernel(str(warm)), "cold": _Kernel(str(tmp_path / "c.nbi"))})
    monkeypatch.setitem(sys.modules, "fake_kernels", fake)
    monkeypatch.setattr(warmup, "PROBES", {"vision": ("fake_kernels", "cold"),
                                           "core": ("fake_kernels", "warm"),
                                           "learn": ("fake_kernels", "cold")})
    assert warmup.cold_groups(["core", "learn", "vision"]) == ["learn", "vision"]
    all_warm = {name: ("fake_kernels", "warm") for name in warmup.GROUPS}
    monkeypatch.setattr(warmup, "PROBES", all_warm)
    assert warmup.cold_groups() == []
    assert warmup.start_background() is None  # nothing cold: nothing starts


def test_every_group_has_a_real_probe():
    assert set(warmup.PROBES) == set(warmup.GROUPS)
    assert set(warmup.cold_groups()) <= set(warmup.GROUPS)  # every probe kernel exists


def test_start_background_compiles_the_cold_groups(monkeypatch):
    monkeypatch.setattr(warmup, "cold_groups", lambda groups=None: ["core", "symbolic"])
    proc = warmup.start_background(["core", "symbolic"])
    assert proc is not None and proc.wait(timeout=600) == 0


def test_run_groups_goes_on_after_a_failing_group(monkeypatch, capsys):
    ran = []
    monkeypatch.setitem(warmup.GROUPS, "core", lambda: 1 / 0)
    monkeypatch.setitem(warmup.GROUPS, "symbolic", lambda: ran.append("symbolic"))
    warmup.run_groups(["core", "symbolic"])
    assert ran == ["symbolic"] and "core failed" in capsys.readouterr().err
