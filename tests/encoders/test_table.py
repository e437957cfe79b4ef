"""Tables: mixed numeric / categorical columns with missing values in RecordEncoder,
TableRFFEncoder and TableEncoder; the bundling kernel against a naive reference on unpacked
bits; fitting from merged partition statistics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import RecordEncoder, TableEncoder, TableRFFEncoder
from encoders._columns import TableColumns, as_table, categorical_mask, read_columns, vocabulary
from encoders._kernels import record_bundle_present
from hdc._rbf_width import gamma_sample_rows, neighbour_gamma
from hdc._validation import readonly


def _mixed(n: int = 40, seed: int = 0) -> np.ndarray:
    """Object table: a float column, a string column, an integer-valued column; NaN / None."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n).tolist()
    X[:, 1] = rng.choice(["a", "b", "c"], size=n).tolist()
    X[:, 2] = rng.integers(0, 5, size=n).astype(float).tolist()
    X[3, 0] = np.nan
    X[5, 1] = None
    X[7, 2] = None
    return X


# ------------------------------------------------------------------ the bundling kernel
def _naive_bundle_present(index, keys, table, tie):
    """Per bit: majority over the present features of key XOR table row; ties from tie."""
    K, T, t = hdc.unpack(keys).astype(int), hdc.unpack(table).astype(int), hdc.unpack(tie)
    out = []
    for row in index:
        votes = np.zeros(K.shape[1], dtype=int)
        present = 0
        for f, q in enumerate(row):
            if q >= 0:
                votes += K[f] ^ T[q]
                present += 1
        out.append(np.where(2 * votes > present, 1, np.where(2 * votes < present, 0, t)))
    return hdc.pack(np.array(out, dtype=np.uint8))


def _bundle_present(index, keys, table, tie, n_planes):
    """The kernel with its inputs as the encoder passes them: word-major and read-only."""
    out = np.empty((index.shape[0], keys.shape[1]), dtype=np.uint64)
    record_bundle_present(readonly(index), readonly(np.ascontiguousarray(keys.T)),
                          readonly(np.ascontiguousarray(table.T)), readonly(tie), n_planes, out)
    return out


@pytest.mark.parametrize("n_features", [1, 2, 3, 15, 16, 17, 32, 40])
def test_bundle_present_matches_naive_reference(n_features):
    rng = np.random.default_rng(n_features)
    keys = hdc.random(n_features, 192, random_state=1)
    table = hdc.random(7, 192, random_state=2)
    tie = hdc.random(None, 192, random_state=3)
    index = rng.integers(-1, 7, size=(30, n_features))
    index[0] = -1  # no present feature: the row is tie
    index[1] = 0  # every feature present (ties for even n_features)
    index[2, : n_features // 2] = -1
    out = _bundle_present(index, keys, table, tie, max(4, n_features.bit_length()))
    np.testing.assert_array_equal(out, _naive_bundle_present(index, keys, table, tie))
    np.testing.assert_array_equal(out[0], tie)


def test_bundle_present_with_two_present_features_ties_to_tie_bits():
    keys = hdc.random(4, 128, random_state=0)
    table = hdc.random(3, 128, random_state=1)
    tie = hdc.random(None, 128, random_state=2)
    index = np.array([[0, -1, 2, -1]])
    out = _bundle_present(index, keys, table, tie, 4)
    a, b = keys[0] ^ table[0], keys[2] ^ table[2]
    np.testing.assert_array_equal(out[0], (a & b) | ((a ^ b) & tie))


# ------------------------------------------------------------------ columns
def test_column_kinds_of_arrays_and_names():
    X = _mixed()
    columns = read_columns(as_table(X))
    assert [kind for kind, _ in columns] == ["infer", "infer", "infer"]
    enc = RecordEncoder(dim=64, random_state=0).fit(X)
    assert enc.categorical_.tolist() == [False, True, False]
    assert RecordEncoder(dim=64).fit(np.zeros((3, 2))).categorical_.tolist() == [False, False]
    assert categorical_mask(X, [2]).tolist() == [False, False, True]
    assert categorical_mask(X, [-1]).tolist() == [False, False, True]
    assert categorical_mask(X, [True, False, False]).tolist() == [True, False, False]
    with pytest.raises(ValueError, match="3 entries"):
        categorical_mask(X, [True, False])
    with pytest.raises(ValueError, match="columns 0..2"):
        categorical_mask(X, [3])
    with pytest.raises(ValueError, match="DataFrame"):
        categorical_mask(X, ["colour"])
    strings = as_table([["a", 1.0], ["b", 2.5]])  # a list of mixed rows keeps its numbers
    assert strings.dtype == object and strings[1, 1] == 2.5


def test_vocabulary_is_sorted_whatever_the_order_and_handles_odd_values():
    assert vocabulary(["b", None, "a", 2, "b", np.nan]) == {"a": 0, "b": 1, 2: 2}
    assert vocabulary([2, "a"]) == vocabulary(["a", 2])
    odd = vocabulary([[1, 2], {"k": 1}, True])  # unhashable values are known by their repr
    assert len(odd) == 3


def test_forced_categorical_numbers_and_numeric_errors():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [1.0, 30.0]])
    enc = RecordEncoder(dim=64, categorical=[0], random_state=0).fit(X)
    assert enc.vocabularies_ == [{1.0: 0, 2.0: 1}]
    assert enc.quantize([[2.0, 10.0], [3.0, 10.0]])[:, 0].tolist() == [1, -1]
    with pytest.raises(ValueError, match="column 1 of X is numeric but holds 'x'"):
        RecordEncoder(dim=64, categorical=[0]).fit(np.array([[1, 2.0], [2, "x"]], dtype=object))


# ------------------------------------------------------------------ record encoder, mixed
def _naive_record(enc: RecordEncoder, X) -> np.ndarray:
    """Majority over present columns of key XOR (level or category ID), per bit."""
    local = enc.quantize(X)
    votes = np.zeros((local.shape[0], enc.dim_), dtype=np.int64)
    present = (local >= 0).sum(axis=1)
    for f in range(local.shape[1]):
        table = enc.ids_ if enc.categorical_[f] else enc.levels_
        for i in np.flatnonzero(local[:, f] >= 0):
            value = table[local[i, f]]
            if enc.binding == "permute":
                value = hdc.permute(value, f)
            votes[i] += hdc.unpack(enc.keys_[f] ^ value)
    tie = hdc.unpack(enc.tie_)
    bits = np.where(2 * votes > present[:, None], 1,
                    np.where(2 * votes < present[:, None], 0, tie))
    return hdc.pack(bits.astype(np.uint8))


@pytest.mark.parametrize("binding", ["id", "permute"])
@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
def test_mixed_records_match_naive_reference(binding, quantization):
    X = _mixed(25)
    enc = RecordEncoder(dim=256, n_levels=6, binding=binding, quantization=quantization,
                        batch_size=7, random_state=0).fit(X)
    np.testing.assert_array_equal(enc.transform(X), _naive_record(enc, X))


def test_missing_value_is_left_out_of_the_majority():
    X = _mixed()
    enc = RecordEncoder(dim=640, random_state=0).fit(X)
    row = X[:1].copy()
    row[0, 1] = None  # two present columns: their agreement, ties from tie_
    local = enc.quantize(row)[0]
    a = enc.keys_[0] ^ enc.levels_[local[0]]
    b = enc.keys_[2] ^ enc.levels_[local[2]]
    np.testing.assert_array_equal(enc.transform(row)[0], (a & b) | ((a ^ b) & enc.tie_))


def test_unseen_category_counts_as_missing_and_all_missing_row_is_tie():
    X = _mixed()
    enc = RecordEncoder(dim=256, random_state=0).fit(X)
    unseen, missing = X[:2].copy(), X[:2].copy()
    unseen[:, 1] = "never-seen"
    missing[:, 1] = None
    np.testing.assert_array_equal(enc.transform(unseen), enc.transform(missing))
    empty = np.array([[np.nan, None, None]], dtype=object)
    np.testing.assert_array_equal(enc.transform(empty)[0], enc.tie_)


def test_all_missing_column_warns_and_contributes_nothing():
    X = _mixed()
    X[:, 2] = None
    X[:, 1] = None
    with pytest.warns(UserWarning, match=r"columns \[1, 2\] of X have no value in fit"):
        enc = RecordEncoder(dim=256, random_state=0).fit(X)
    assert enc.categorical_.tolist() == [False, False, False]  # no value says nothing
    filled = X.copy()
    filled[:, 2] = 3.0  # values never seen in fit change nothing
    np.testing.assert_array_equal(enc.quantize(filled)[:, 1:], -1)
    H = enc.transform(filled)
    np.testing.assert_array_equal(H, enc.transform(X))
    # one present column: the code is its bound pair
    level = enc.quantize(X)[0, 0]
    np.testing.assert_array_equal(H[0], enc.keys_[0] ^ enc.levels_[level])


def test_column_of_one_value_and_one_row_tables():
    X = np.array([[1.0, "a"], [1.0, "a"], [1.0, "a"]], dtype=object)
    for enc in (RecordEncoder(dim=128, random_state=0), TableRFFEncoder(dim=128, random_state=0),
                TableEncoder(dim=256, random_state=0)):
        H = enc.fit(X).transform(np.array([[1.0, "a"], [5.0, "b"], [-3.0, None]], dtype=object))
        assert H.shape[0] == 3
        assert enc.fit(X[:1]).transform(X).shape[0] == 3


def test_pandas_frame_gives_the_codes_of_the_object_array():
    pd = pytest.importorskip("pandas")
    X = _mixed()
    frame = pd.DataFrame({
        "x": X[:, 0].astype(float),
        "c": pd.array(list(X[:, 1]), dtype="string"),
        "k": pd.array([None if v is None else int(v) for v in X[:, 2]], dtype="Int64"),
    })
    assert frame["c"].isna().sum() == 1 and frame["k"].isna().sum() == 1  # pd.NA
    for encoder in (RecordEncoder(dim=256, random_state=0),
                    RecordEncoder(dim=256, quantization="quantile", random_state=0),
                    TableRFFEncoder(dim=256, random_state=0),
                    TableEncoder(dim=512, random_state=0)):
        a = clone(encoder).fit(X).transform(X)
        fitted = clone(encoder).fit(frame)
        np.testing.assert_array_equal(a, fitted.transform(frame))
        with pytest.warns(UserWarning, match="feature names"):
            np.testing.assert_array_equal(a, fitted.transform(X))
        assert list(fitted.feature_names_in_) == ["x", "c", "k"]
    named = RecordEncoder(dim=64, categorical=["c", "k"]).fit(frame)  # the others: numeric
    assert named.categorical_.tolist() == [False, True, True]
    typed = RecordEncoder(dim=64).fit(frame.astype({"k": "category"}))
    assert typed.categorical_.tolist() == [False, True, True]


# ------------------------------------------------------------------ RFF code and the table code
def test_rff_scaling_missing_and_unseen_values():
    X = _mixed(60)
    enc = TableRFFEncoder(dim=256, random_state=0).fit(X)
    numeric = np.array([X[:, 0], X[:, 2]], dtype=float).T
    present = [c[~np.isnan(c)] for c in numeric.T]
    np.testing.assert_allclose(enc.low_, [np.percentile(c, 1) for c in present])
    np.testing.assert_allclose(enc.high_, [np.percentile(c, 99) for c in present])
    np.testing.assert_allclose(enc.centre_, [np.median(c) for c in present])
    row = np.array([[np.nan, "zzz", np.nan]], dtype=object)
    # nothing present: the projection is 0, every bit is the sign of cos(phase)
    expected = np.cos(2 * np.pi * enc.phase_.astype(np.float64)) > 0
    np.testing.assert_array_equal(hdc.unpack(enc.transform(row))[0], expected)
    far = np.array([[1e9, "a", -1e9]], dtype=object)
    edge = np.array([[enc.high_[0], "a", enc.low_[1]]], dtype=object)
    np.testing.assert_array_equal(enc.transform(far), enc.transform(edge))  # clipped


def test_rff_width_is_the_neighbour_rule_in_the_scaled_space():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 4)) * [1, 100, 0.01, 5]
    enc = TableRFFEncoder(dim=128, random_state=3).fit(X)
    seed = int(np.random.default_rng(3).integers(2**31 - 1))
    rows = gamma_sample_rows(1500, seed)
    Z = (np.clip(X, enc.low_, enc.high_) - enc.centre_) / enc.scale_
    assert enc.gamma_ == pytest.approx(neighbour_gamma(Z[rows]))
    scaled = TableRFFEncoder(dim=128, random_state=3).fit(X * [7, 0.1, 1e4, 2] + 3)
    assert scaled.gamma_ == pytest.approx(enc.gamma_)  # units do not matter


def test_table_encoder_is_record_and_rff_codes_side_by_side():
    X = _mixed(50)
    enc = TableEncoder(dim=1000, n_levels=16, random_state=4).fit(X)
    assert enc.dim_ == 1024 and enc.record_.dim_ == 512 and enc.rff_.dim_ == 512
    H = enc.transform(X)
    np.testing.assert_array_equal(H[:, :8], enc.record_.transform(X))
    np.testing.assert_array_equal(H[:, 8:], enc.rff_.transform(X))
    assert enc.record_.quantization == "quantile" and enc.record_.n_levels == 16
    assert TableEncoder(dim=1000, record_share=0.25).fit(X).record_.dim_ == 256
    assert TableEncoder(dim=10).fit(X).dim_ == 128  # at least one word per code


@parametrize_with_checks([
    RecordEncoder(dim=128, categorical=[0]),
    TableRFFEncoder(dim=128),
    TableEncoder(dim=256),
])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="columns .* have no value in fit")
        check(estimator)


@pytest.mark.parametrize("params, error, match", [
    ({"categorical": "some"}, ValueError, "categorical must be"),
    ({"categorical": 3}, TypeError, "categorical must be"),
    ({"record_share": 1.0}, ValueError, "record_share"),
    ({"n_levels": 0}, ValueError, "n_levels"),
])
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        TableEncoder(**params).fit(_mixed())


# ------------------------------------------------------------------ statistics over partitions
def _fit_in_parts(encoder, X, bounds):
    plan = encoder._statistics_plan(*X.shape)
    parts = [encoder._partition_statistics(X[a:b], a, plan) for a, b in bounds]
    merged = parts[0]
    for part in parts[1:]:
        merged = encoder._merge_statistics(merged, part)
    return encoder._fit_from_statistics(merged, plan)


@pytest.mark.parametrize("make", [
    lambda: RecordEncoder(dim=192, quantization="quantile", random_state=1),
    lambda: RecordEncoder(dim=192, binding="permute", random_state=1),
    lambda: TableRFFEncoder(dim=192, random_state=1),
    lambda: TableEncoder(dim=256, random_state=1),
])
def test_partitioned_fit_equals_fit_with_sampled_rows(make, monkeypatch):
    X = _mixed(300, seed=2)
    X[250:, 1] = "d"  # a category that only the last partition holds
    # fewer sampled rows than rows, so the sample is drawn
    monkeypatch.setattr(type(make()), "_sample_size", lambda self, n_columns: 60)
    fitted = make().fit(X)
    parts = _fit_in_parts(make(), X, [(0, 97), (97, 97), (97, 200), (200, 300)])
    np.testing.assert_array_equal(parts.transform(X), fitted.transform(X))
    assert parts.vocabularies_ == fitted.vocabularies_
    assert parts.vocabularies_[0]["d"] == 3


def test_columns_mixing_numbers_and_values_across_partitions_need_categorical():
    X = np.array([[1.0], [2.0], ["a"], ["b"]], dtype=object)
    enc = RecordEncoder(dim=64, random_state=0)
    with pytest.raises(ValueError, match="name the categorical columns"):
        _fit_in_parts(enc, X, [(0, 2), (2, 4)])
    forced = _fit_in_parts(RecordEncoder(dim=64, categorical=[0], random_state=0), X,
                           [(0, 2), (2, 4)])
    np.testing.assert_array_equal(forced.transform(X), RecordEncoder(
        dim=64, random_state=0).fit(X).transform(X))  # in memory: one column of 4 categories


def test_columns_layout_codes():
    layout = TableColumns(np.array([False, True]), [{"x": 0, "y": 1}])
    numeric, codes = layout.split(np.array([[1.5, "y"], [None, "q"]], dtype=object))
    np.testing.assert_array_equal(numeric, [[1.5], [np.nan]])
    np.testing.assert_array_equal(codes, [[1], [-1]])
    with pytest.raises(ValueError, match="fitted on 2"):
        layout.split(np.zeros((2, 3)))
