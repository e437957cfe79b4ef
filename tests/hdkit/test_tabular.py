"""Tests of hdkit.tabular: CSV reading, column kinds, models, folds and summaries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hdkit import tabular


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def mixed_csv(tmp_path):
    """12 rows: a numeric column with a missing value, a categorical one with a missing value,
    an integer column, and the label last."""
    rows = ["size,colour,count,label"]
    colours = ["red", "blue", "", "red", "green", "blue", "red", "blue", "green", "red", "blue",
               "red"]
    for i in range(12):
        size = "" if i == 4 else f"{0.5 * i:.1f}"
        rows.append(f"{size},{colours[i]},{i % 3},{'yes' if i % 2 else 'no'}")
    return _write(tmp_path / "mixed.csv", "\n".join(rows) + "\n")


def test_read_csv_kinds_missing_values_and_labels(mixed_csv):
    table = tabular.read_csv(mixed_csv)
    assert table.name == "mixed"
    assert table.columns == ("size", "colour", "count")
    assert table.categorical.tolist() == [False, True, False]
    assert table.X.dtype == object and table.X.shape == (12, 3)
    assert np.isnan(table.X[4, 0]) and table.X[5, 0] == 2.5
    assert isinstance(table.X[0, 0], float) and isinstance(table.X[7, 2], float)
    assert table.X[2, 1] is None and table.X[0, 1] == "red"
    assert table.y.tolist()[:3] == ["no", "yes", "no"]
    assert table.numeric_index.tolist() == [0, 2]
    assert table.categorical_index.tolist() == [1]
    assert table.missing_share() == pytest.approx(2 / 36)


def test_read_csv_all_numeric_is_float_and_target_by_name(tmp_path):
    path = _write(tmp_path / "num.csv", "a,label,b\n1,x,2e3\n NA ,y,-4\n3,x,inf\n")
    table = tabular.read_csv(path, target="label")
    assert table.X.dtype == np.float64
    assert table.columns == ("a", "b")
    assert np.isnan(table.X[1, 0]) and table.X[0, 1] == 2000.0 and np.isinf(table.X[2, 1])
    assert table.y.tolist() == ["x", "y", "x"]


def test_kind_overrides(mixed_csv):
    table = tabular.read_csv(mixed_csv, categorical=["count"])
    assert table.categorical.tolist() == [False, True, True]
    assert table.X[1, 2] == "1"
    with pytest.raises(ValueError, match="column 'colour' is numeric but row 1 holds 'red'"):
        tabular.read_csv(mixed_csv, numeric=["colour"])
    with pytest.raises(ValueError, match="does not have"):
        tabular.read_csv(mixed_csv, categorical=["nope"])


def test_infer_categorical():
    assert not tabular.infer_categorical(["1", " 2.5", None, "-3e2", "nan"])
    assert tabular.infer_categorical(["1", "two"])
    assert not tabular.infer_categorical([1, 2.5, np.float32(3), None, float("nan")])
    assert tabular.infer_categorical([1, True])


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "is empty"),
        ("a,label\n", {}, "no data rows"),
        ("a,label\n1,x\n2\n", {}, "line 3: 1 fields"),
        ("a,label\n1,x\n", {"target": "class"}, r"target column 'class' not found.*'a', 'label'"),
        ("a,b,label\n,1,x\n,2,y\n", {}, "column 'a' is entirely missing"),
        ("a,label\n1,\n2,y\n", {}, "target column 'label' is missing in 1 rows"),
        ("a,a,label\n1,2,x\n", {}, "repeated column names"),
    ],
)
def test_read_csv_errors(tmp_path, text, kwargs, message):
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(ValueError, match=message):
        tabular.read_csv(path, **kwargs)


def test_read_csv_non_utf8_names_the_encoding_option(tmp_path):
    path = _write(tmp_path / "latin.csv", "name,label\ncaf\u00e9,x\nthe,y\n", encoding="latin-1")
    with pytest.raises(ValueError, match="encoding='latin-1'"):
        tabular.read_csv(path)
    table = tabular.read_csv(path, encoding="latin-1")
    assert table.X[0, 0] == "caf\u00e9"


def test_read_table_parquet_keeps_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = pa.table({"n": [1.0, None, 3.0], "code": [1, 2, 1], "c": ["a", None, "b"],
                     "label": ["x", "y", "x"]})
    pq.write_table(data, tmp_path / "t.parquet")
    table = tabular.read_table(tmp_path / "t.parquet", categorical=["code"])
    assert table.categorical.tolist() == [False, True, True]
    assert np.isnan(table.X[1, 0]) and table.X[1, 2] is None and table.X[0, 1] == "1"


def test_table_from_arrays_accepts_python_and_numpy_values():
    table = tabular.table_from_arrays(
        [[1, np.nan, 2.5], ["a", None, "b"]], ["n", "c"], ["u", "v", "u"]
    )
    assert table.categorical.tolist() == [False, True]
    assert np.isnan(table.X[1, 0]) and table.X[1, 1] is None


def _generated_table(n=60, seed=0):
    """Mixed table with a learnable label: numeric x, categorical c, missing values in both."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    c = rng.choice(["p", "q", "r"], size=n)
    y = np.where(x + (c == "p") > 0.3, "hi", "lo")
    x_cells = [None if i % 11 == 0 else float(v) for i, v in enumerate(x)]
    c_cells = [None if i % 13 == 0 else str(v) for i, v in enumerate(c)]
    return tabular.table_from_arrays([x_cells, c_cells], ["x", "c"], y, name="gen")


def test_folds_are_the_same_for_every_model_and_stratified():
    table = _generated_table()
    first = tabular.stratified_folds(table.y, 5, 0)
    again = tabular.stratified_folds(table.y.copy(), 5, 0)
    assert len(first) == 5
    for (a_train, a_test), (b_train, b_test) in zip(first, again, strict=True):
        assert np.array_equal(a_train, b_train) and np.array_equal(a_test, b_test)
    tests = np.concatenate([test for _, test in first])
    assert np.array_equal(np.sort(tests), np.arange(table.n_rows))
    share = np.mean(table.y == "hi")
    for _, test in first:
        assert abs(np.mean(table.y[test] == "hi") - share) < 0.15
    # run_benchmark scores every model on the same test rows
    results = tabular.run_benchmark(["lr", "knn"], [table], n_splits=3)
    by_model = {m: [(r.fold, r.n_test) for r in results if r.model == m] for m in ("lr", "knn")}
    assert by_model["lr"] == by_model["knn"]


def test_stratified_folds_errors():
    with pytest.raises(ValueError, match="one class"):
        tabular.stratified_folds(np.array(["a"] * 10))
    with pytest.raises(ValueError, match="as many classes as rows"):
        tabular.stratified_folds(np.arange(10))
    with pytest.raises(ValueError, match="no class has 5 rows"):
        tabular.stratified_folds(np.array(["a", "a", "b", "b", "c", "c"]))


@pytest.mark.parametrize("name", ["svc", "lr", "rf", "hgb", "knn", "hdc", "gln", "kernel"])
def test_every_model_runs_on_a_mixed_table_with_missing_values(name):
    table = _generated_table()
    scores = tabular.cross_validate(name, table, n_splits=3)
    assert [s.fold for s in scores] == [0, 1, 2]
    for s in scores:
        assert 0.0 <= s.accuracy <= 1.0 and 0.0 <= s.balanced_accuracy <= 1.0
        assert s.fit_seconds >= 0 and s.predict_seconds >= 0 and s.model_bytes > 0
        assert s.n_train + s.n_test == table.n_rows
    if name in ("svc", "lr", "rf", "hgb", "hdc"):
        assert np.mean([s.accuracy for s in scores]) > 0.7


def test_hdc_takes_the_table_as_it_is():
    from hdc import HDClassifier

    table = _generated_table()
    model = tabular.build_model("hdc", table)
    assert isinstance(model, HDClassifier)  # no preprocessing pipeline
    model.fit(table.X, table.y)
    assert model.encoder_.categorical_.tolist() == table.categorical.tolist()


def test_models_handle_categories_unseen_in_training():
    table = _generated_table()
    train = np.flatnonzero(table.X[:, 1] != "r")
    X_test = table.X[:5].copy()
    X_test[:, 1] = "never-seen"
    for name in ("svc", "rf", "hgb", "hdc", "gln", "kernel"):
        model = tabular.build_model(name, table).fit(table.X[train], table.y[train])
        assert model.predict(X_test).shape == (5,)


def test_unknown_model_names():
    with pytest.raises(ValueError, match="unknown model"):
        tabular.build_model("nope", _generated_table())
    with pytest.raises(ValueError, match="unknown models"):
        tabular.run_benchmark(["nope"], [_generated_table()])


def test_register_model_and_callable_models():
    from sklearn.dummy import DummyClassifier

    spec = tabular.ModelSpec("dummy-test", "DummyClassifier()",
                             lambda table, seed: DummyClassifier(), "none")
    tabular.register_model(spec)
    try:
        scores = tabular.cross_validate("dummy-test", _generated_table(), n_splits=3)
        assert scores[0].model == "dummy-test"
    finally:
        del tabular.MODELS["dummy-test"]
    scores = tabular.cross_validate(lambda t, s: DummyClassifier(), _generated_table(), n_splits=3,
                                    model_name="majority")
    assert {s.model for s in scores} == {"majority"}


def _score(model, dataset, fold, acc, fit=1.0):
    return tabular.FoldScore(dataset, model, fold, acc, acc, fit, 0.1, 100, 8, 2)


def test_summarize_means_ranks_and_fit_totals():
    results = [
        _score("a", "s1", 0, 0.9), _score("a", "s1", 1, 0.7),
        _score("b", "s1", 0, 0.8), _score("b", "s1", 1, 0.8),
        _score("a", "s2", 0, 0.5, fit=2.0), _score("b", "s2", 0, 0.6, fit=3.0),
    ]
    s = tabular.summarize(results)
    assert s.accuracy["a"]["s1"] == pytest.approx(0.8)
    assert s.accuracy_std["a"]["s1"] == pytest.approx(0.1)
    assert s.mean_accuracy["a"] == pytest.approx(0.65)
    assert s.mean_accuracy["b"] == pytest.approx(0.7)
    assert s.mean_rank == {"a": 1.75, "b": 1.25}  # tie on s1: both rank 1.5
    assert s.total_fit_seconds == {"a": 4.0, "b": 5.0}
    text = tabular.format_summary(s, std=True)
    assert "mean rank" in text and "0.8000±0.100" in text
    json.dumps(s.as_dict())


def test_plot_results_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    results = [_score(m, d, 0, acc) for m, acc in (("svc", 0.9), ("hdc", 0.8))
               for d in ("s1", "s2")]
    out = tmp_path / "plot.png"
    tabular.plot_results(tabular.summarize(results), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
