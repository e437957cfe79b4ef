"""Behaviour of the issue-12 prototypes (benchmarks/_tabular_proto.py) that phase 2 ports."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _tabular_proto as proto  # noqa: E402

from encoders import RecordEncoder  # noqa: E402
from hdc import unpack  # noqa: E402


def _mixed(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n).tolist()
    X[:, 1] = rng.choice(["a", "b", "c"], size=n).tolist()
    X[:, 2] = rng.integers(0, 5, size=n).astype(float).tolist()
    X[3, 0] = np.nan
    X[5, 1] = None
    return X, np.where(X[:, 1] == "a", 1, 0)


def test_column_kinds():
    X, _ = _mixed()
    assert proto.column_kinds(X).tolist() == [False, True, False]
    assert proto.column_kinds(np.zeros((3, 2))).tolist() == [False, False]
    assert proto.column_kinds(X, categorical=[2]).tolist() == [False, False, True]


def test_record_equals_record_encoder_on_numeric_data():
    X = np.random.default_rng(1).normal(size=(30, 7))
    ours = proto.MixedRecordEncoder(dim=512, random_state=3).fit(X).transform(X)
    reference = RecordEncoder(dim=512, quantization="quantile", random_state=3).fit(X)
    assert np.array_equal(ours, reference.transform(X))


def test_missing_value_is_left_out_of_the_majority():
    X, _ = _mixed()
    enc = proto.MixedRecordEncoder(dim=640, random_state=0).fit(X)
    row = X[:1].copy()
    row[0, 1] = None  # two present columns: the majority of two bound pairs (ties: tie_)
    bits = unpack(enc.transform(row))[0].astype(int)
    levels = enc._index(X[:1])[0]  # numeric columns first (0 and 2), then categorical ones
    pairs = [enc.keys_[0] ^ enc.levels_[levels[0]], enc.keys_[2] ^ enc.levels_[levels[1]]]
    a, b = (unpack(p[None])[0].astype(int) for p in pairs)
    tie = unpack(enc.tie_[None])[0].astype(int)
    expected = np.where(a == b, a, tie)
    assert np.array_equal(bits, expected)


def test_unseen_category_counts_as_missing_and_all_missing_row_is_tie():
    X, _ = _mixed()
    enc = proto.MixedRecordEncoder(dim=256, random_state=0).fit(X)
    unseen = X[:2].copy()
    unseen[:, 1] = "never-seen"
    missing = X[:2].copy()
    missing[:, 1] = None
    assert np.array_equal(enc.transform(unseen), enc.transform(missing))
    empty = np.array([[np.nan, None, np.nan]], dtype=object)
    assert np.array_equal(enc.transform(empty)[0], enc.tie_)


def test_pandas_frame_gives_the_same_codes():
    pd = pytest.importorskip("pandas")
    X, _ = _mixed()
    frame = pd.DataFrame({"x": pd.array(X[:, 0].astype(float)),
                          "c": pd.array([v for v in X[:, 1]], dtype="string"),
                          "k": X[:, 2].astype(float)})
    frame.loc[5, "c"] = pd.NA
    for encoder in (proto.MixedRecordEncoder(dim=256, random_state=0),
                    proto.TabularProjectionEncoder(dim=256, random_state=0)):
        a = encoder.fit(X).transform(X)
        b = encoder.fit(frame).transform(frame)
        assert np.array_equal(a, b)


def test_projection_missing_and_unseen_add_nothing():
    X, _ = _mixed()
    enc = proto.TabularProjectionEncoder(dim=256, random_state=0).fit(X)
    Z, codes = enc._features(np.array([[np.nan, "zzz", 1.0]], dtype=object))
    assert Z[0, 0] == 0.0 and codes[0, 0] == -1


def test_auto_hdc_fits_mixed_records_without_preprocessing():
    X, y = _mixed(80)
    clf = proto.tabular_hdc("concat", dim=1024, random_state=0, scaling="robust-minmax",
                            average="auto").fit(X, y)
    assert clf.score(X, y) > 0.9
    assert isinstance(clf.average_, bool)
    assert proto.auto_average(np.array([-0.1, 0.0, 0.2])) is True
    assert proto.auto_average(np.array([0.1, 0.2, -0.3])) is False
