"""benchmarks/_comparison.py without torch: summaries per condition, the lower bounds the docs
state (``CLAIMS``), ``--propose`` / ``--check``, the busy-loop spinner, and the committed runs."""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
_spec = importlib.util.spec_from_file_location("_comparison", BENCHMARKS / "_comparison.py")
cmp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cmp)

COMMITTED_RUNS = sorted((BENCHMARKS / "results").glob("bench_learn_torchhd_run*.json"))


def record(side, seconds, *, repeat=0, condition="ambient", threads=1, dataset="letter"):
    """A measurement record as ``_comparison.worker`` writes it (the fields summarize reads)."""
    return {"dataset": dataset, "threads": threads, "condition": condition, "side": side,
            "repeat": repeat, "accuracy": 0.5, "epochs_run": 10, "n_train_rows": 100,
            "n_test_rows": 2000, "seconds": dict(zip(cmp.PHASES, seconds, strict=True)),
            "minor_faults": {ph: 10 for ph in cmp.PHASES}, "loadavg_start": [2.0, 1.0, 1.0]}


def measured(ratios_by_repeat, condition="ambient", threads=1, dataset="letter"):
    """Records where hdkit takes 1 s per phase and both baselines ``ratio`` s."""
    out = []
    for rep, ratio in enumerate(ratios_by_repeat):
        for side in cmp.SIDES:
            secs = (1.0, 1.0, 1.0) if side == "hdkit" else (ratio, 2 * ratio, 3 * ratio)
            out.append(record(side, secs, repeat=rep, condition=condition, threads=threads,
                              dataset=dataset))
    return out


@given(st.floats(1e-3, 1e6))
def test_nice_floor_is_the_round_number_just_below(x):
    low = cmp.nice_floor(x)
    assert x / 2 < low <= x  # neighbouring round numbers are at most 2x apart
    mantissa = low / 10 ** math.floor(math.log10(low) + 1e-9)
    assert any(math.isclose(mantissa, n) for n in cmp.NICE)
    assert cmp.nice_floor(0.0) == 0.0


def test_summarize_keeps_conditions_apart_and_pairs_repeats():
    records = measured([10, 20, 40]) + measured([5], condition="busy")
    summary = {e["condition"]: e for e in cmp.summarize(records)}
    assert set(summary) == {"ambient", "busy"}
    fit = summary["ambient"]["ratios"]["torchhd_shipped"]["fit"]
    assert (fit["min"], fit["median"], fit["max"]) == (20, 40, 80)
    assert summary["busy"]["ratios"]["torchhd_pipeline"]["encode"]["max"] == 5
    table = cmp.markdown_table(cmp.summarize(records))
    assert "| letter | 1 | busy | 100 / 2000 |" in table
    assert "10-40x, 20-80x, 30-120x" in table


def test_propose_takes_the_smallest_ratio_over_conditions_at_claim_threads():
    summary = cmp.summarize(measured([10, 20]) + measured([7], condition="busy")
                            + measured([0.5], threads=2))
    claims = cmp.propose([summary])
    # encode ratios 7 .. 20: 7 / 3 = 2.33 -> 2; fit 14 .. 40: 4.67 -> 4; predict 21 ..: 7 -> 6
    assert claims["letter"]["torchhd_shipped"] == {"encode": 2, "fit": 4, "predict": 6}
    assert claims["letter"]["torchhd_pipeline"]["fit"] == 4
    assert "CLAIMS = {" in cmp.claims_source(claims)


def test_check_flags_ratios_below_their_bound():
    summary = cmp.summarize(measured([10, 20]))
    claims = {"letter": {"torchhd_shipped": {"encode": 5, "fit": 25, "predict": 30}}}
    rows = {(r["side"], r["phase"]): r["ok"] for r in cmp.check(summary, claims)}
    assert rows[("torchhd_shipped", "encode")] is True  # 10 >= 5
    assert rows[("torchhd_shipped", "fit")] is False  # 20 < 25
    assert rows[("torchhd_shipped", "predict")] is True  # 30 >= 30
    assert rows[("torchhd_pipeline", "encode")] is None  # no claim
    assert "1 of 3 claimed ratio ranges below" in cmp.check_text(cmp.check(summary, claims))


def test_main_check_exit_status(tmp_path, monkeypatch, capsys):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"torchhd": {"summary": cmp.summarize(measured([10, 20]))}}))
    low = {"letter": {s: {ph: 1 for ph in cmp.PHASES} for s in cmp.SIDES[1:]}}
    monkeypatch.setattr(cmp, "CLAIMS", low)
    assert cmp.main(["--check", str(path)]) == 0
    monkeypatch.setattr(cmp, "CLAIMS", {"letter": {"torchhd_shipped": {"fit": 50}}})
    assert cmp.main(["--check", str(path)]) == 1
    assert "BELOW" in capsys.readouterr().out
    assert cmp.main(["--propose", str(path)]) == 0
    assert '"torchhd_pipeline"' in capsys.readouterr().out


def test_claims_cover_both_datasets_and_say_hdkit_is_faster():
    assert set(cmp.CLAIMS) == {"letter", "fashion-mnist"}
    for sides in cmp.CLAIMS.values():
        assert set(sides) == set(cmp.SIDES[1:])
        for phases in sides.values():
            assert set(phases) == set(cmp.PHASES)
            assert all(low >= 1 for low in phases.values())


@pytest.mark.skipif(not COMMITTED_RUNS, reason="no committed torchhd runs")
@pytest.mark.parametrize("path", COMMITTED_RUNS, ids=lambda p: p.name)
def test_committed_runs_lie_within_the_claims(path):
    summary = json.loads(path.read_text())["torchhd"]["summary"]
    rows = cmp.check(summary)
    assert rows and all(r["ok"] for r in rows), cmp.check_text(rows)
    for entry in summary:
        assert entry["sides"]["hdkit"]["n_test"] >= 2000


def test_spinner_runs_a_process_only_while_busy():
    with cmp.Spinner(False) as idle:
        assert idle.process is None and idle.core is None
    with cmp.Spinner() as busy:
        process = busy.process
        assert process.poll() is None and busy.core in os.sched_getaffinity(0)
    assert process.poll() is not None


def test_compare_rejects_unknown_conditions():
    with pytest.raises(ValueError, match="conditions"):
        cmp.compare(["letter"], threads=[1], repeats=1, dim=64, levels=4, epochs=1,
                    rows={"letter": (10, 10)}, conditions=("quiet",))
