"""End-to-end run of benchmarks/bench_learn.py's torchhd comparison on tiny sizes (``--quick``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow  # a few fresh Python processes importing torch


def test_torchhd_comparison_quick(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torchhd")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import _common
    import bench_learn

    monkeypatch.setattr(_common, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(bench_learn, "RESULTS_DIR", tmp_path)
    bench_learn.main(["--sections", "torchhd", "--quick", "--compare-datasets", "digits",
                      "--out", "quick.json"])
    result = json.loads((tmp_path / "quick.json").read_text())["torchhd"]
    sides = {r["side"] for r in result["records"]}
    assert sides == {"hdkit", "torchhd_shipped", "torchhd_pipeline"}
    assert {(r["condition"], r["spinner_core"] is None) for r in result["records"]} == {
        ("ambient", True), ("busy", False)}
    for record in result["records"]:
        assert record["n_test_rows"] == 60 and 0 <= record["accuracy"] <= 1
        assert set(record["seconds"]) >= {"encode", "fit", "predict"}
        assert record["threads_set"] == 1 and len(record["loadavg_start"]) == 3
    pipeline = next(r for r in result["records"] if r["side"] == "torchhd_pipeline")
    assert pipeline["thp"] == "1"
    ratios = result["summary"][0]["ratios"]
    assert set(ratios) == {"torchhd_shipped", "torchhd_pipeline"}
    out = capsys.readouterr().out
    assert "| digits | 1 | ambient |" in out and "| digits | 1 | busy |" in out
    assert {r["condition"] for r in result["claims_check"]} == {"ambient", "busy"}
    assert sys.modules["_comparison"].SIDES[0] == "hdkit"
