"""Fuzz suite: every public entry point of hdc, encoders and vision (and the estimators) on
inputs of every dtype, byte order, layout, shape and extreme value, in worker subprocesses.

Each case must end in a TypeError/ValueError naming the fuzzed argument, or a result equal to
the one on a clean contiguous native copy of the input (see ``_cases.py``). A crash of the
worker is reported as a failure naming the case; pytest itself never dies. The default run
draws a few cases per entry point (well under 60 s); ``--fuzz-long`` draws many more. The
counts quoted in docs/reliability.md come from ``tests/fuzz/report.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cases import entries  # noqa: E402
from _runner import run, summary  # noqa: E402

_DEFAULT_EXAMPLES = 12
_LONG_EXAMPLES = 150
# share of the bad-input cases that must give a clean error naming the argument
_TARGET_SHARE = 0.95


@pytest.fixture(scope="module")
def outcomes(request):
    long = request.config.getoption("--fuzz-long")
    return run(_LONG_EXAMPLES if long else _DEFAULT_EXAMPLES)


def _cases_of(outcomes, status, entry=None):
    return [o for o in outcomes if o["status"] in status and (entry is None or o["entry"] == entry)]


@pytest.mark.parametrize("entry", sorted(entries()))
def test_no_crash_and_no_silent_wrong_result(outcomes, entry):
    bad = _cases_of(outcomes, ("crash", "silent_wrong"), entry)
    assert not bad, "\n".join(f"[{o['status']}] {entry} on {o['input']}: {o['detail']}"
                              for o in bad)


def test_bad_input_errors_name_the_argument(outcomes):
    counts = summary(outcomes)
    unclear = _cases_of(outcomes, ("unclear_error",))
    listing = "\n".join(f"{o['entry']} on {o['input']}: {o['detail']}" for o in unclear[:20])
    assert counts["clean_error_share"] >= _TARGET_SHARE, f"{counts}\n{listing}"


def test_every_entry_point_was_exercised(outcomes):
    assert {o["entry"] for o in outcomes} == set(entries())
