"""`hdkit compare --data`, `hdkit fit` and `hdkit predict` end to end on small generated CSVs."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import hdc
from hdkit import cli, tabular


def _table_csv(path, n: int = 90, seed: int = 0, missing: bool = True, target: str = "label"):
    """Numeric, categorical and integer-coded columns with missing values; 3 classes that the
    features predict."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    code = rng.integers(1, 4, n)
    label = np.where(x > 0.4, "high", np.where(colour == "red", "red-low", "low"))
    lines = [f"x,colour,code,{target}"]
    for i in range(n):
        xs = "" if missing and i % 11 == 3 else f"{x[i]:.4f}"
        cs = "NA" if missing and i % 13 == 5 else colour[i]
        lines.append(f"{xs},{cs},{code[i]},{label[i]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line_error(capsys, argv) -> str:
    assert cli.main([str(a) for a in argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdkit: error: "), captured.err
    return lines[0]


def test_compare_data_equals_the_benchmark_on_the_same_folds(tmp_path, capsys):
    data = _table_csv(tmp_path / "t.csv")
    out = tmp_path / "cmp.json"
    argv = ["compare", "--data", data, "--target", "label", "--models", "hdc,lr", "--cv", "3",
            "--json", out]
    assert cli.main([str(a) for a in argv]) == 0
    text = capsys.readouterr().out
    assert "90 rows, 1 numeric + 2 categorical columns, 3 classes" not in text  # code: numeric
    assert "90 rows, 2 numeric + 1 categorical columns, 3 classes" in text
    assert "3-fold stratified cross-validation" in text and "1 thread per model" in text
    for word in ("accuracy", "balanced", "fit s", "predict s", "model KB", "±"):
        assert word in text
    report = json.loads(out.read_text())
    assert [r["model"] for r in report["models"]] == ["hdc", "lr"]
    assert len(report["folds"]) == 6
    table = tabular.read_csv(data, target="label")
    bench = tabular.run_benchmark(["hdc", "lr"], [table], n_splits=3, random_state=0, threads=1)
    got = [(f["model"], f["fold"], f["accuracy"], f["balanced_accuracy"], f["n_test"])
           for f in report["folds"]]
    assert got == [(s.model, s.fold, s.accuracy, s.balanced_accuracy, s.n_test) for s in bench]
    for row in report["models"]:
        accs = [s.accuracy for s in bench if s.model == row["model"]]
        assert row["accuracy"] == pytest.approx(np.mean(accs), abs=0)
        assert row["accuracy_std"] == pytest.approx(np.std(accs), abs=0)
        assert row["accuracy"] > 0.6 and row["model_bytes"] > 0


@pytest.mark.parametrize("plot", [False, True])
def test_compare_data_categorical_option_plot_and_progress(tmp_path, capsys, plot):
    if plot:
        pytest.importorskip("matplotlib")  # the plot extra
    data = _table_csv(tmp_path / "t.csv")
    png = tmp_path / "cmp.png"
    argv = ["compare", "--data", data, "--target", "label", "--models", "hdc", "--cv", "2",
            "--categorical", "code", "--dim", "256", "--progress"]
    assert cli.main([str(a) for a in argv + (["--plot", png] if plot else [])]) == 0
    captured = capsys.readouterr()
    assert "1 numeric + 2 categorical" in captured.out
    assert "HDClassifier(dim=256)" in captured.out
    assert png.exists() == plot and (not plot or png.stat().st_size > 1000)


def test_fit_and_predict_round_trip_equals_the_python_api(tmp_path, capsys):
    train = _table_csv(tmp_path / "train.csv", seed=0)
    new = _table_csv(tmp_path / "new.csv", n=40, seed=1)
    # the rows to predict: columns in another order, no target, an unseen category
    rows = list(csv.reader(new.open()))
    rows = [[r[2], r[1], r[0]] for r in rows]
    rows[5][1] = "purple"
    (tmp_path / "new_x.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    model = tmp_path / "model.npz"
    assert cli.main(["fit", "--data", str(train), "--target", "label", "-o", str(model)]) == 0
    assert "wrote" in capsys.readouterr().out
    out = tmp_path / "pred.csv"
    assert cli.main(["predict", "--model", str(model), "--data", str(tmp_path / "new_x.csv"),
                     "-o", str(out)]) == 0
    assert "wrote 40 predictions" in capsys.readouterr().out
    predicted = [r[0] for r in csv.reader(out.open())]
    assert predicted[0] == "label"
    # the Python API
    table = tabular.read_csv(train, target="label")
    clf = hdc.HDClassifier(random_state=0).fit(table.X, table.y)
    features = tabular.read_features(tmp_path / "new_x.csv", table.columns,
                                     [c for c, k in zip(table.columns, table.categorical,
                                                        strict=True) if k])
    assert predicted[1:] == clf.predict(features.X).tolist()
    assert hdc.load(model).get_params() == clf.get_params()
    # to stdout, with the accuracy on stderr when the file holds the target
    assert cli.main(["predict", "--model", str(model), "--data", str(new)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "label" and len(captured.out.splitlines()) == 41
    assert "holds the target column 'label': accuracy" in captured.err


def test_entirely_missing_column_is_left_out_with_a_warning(tmp_path, capsys):
    data = tmp_path / "t.csv"
    lines = _table_csv(tmp_path / "base.csv").read_text().splitlines()
    data.write_text("\n".join([lines[0] + ",empty"] + [line + "," for line in lines[1:]]) + "\n")
    assert cli.main(["fit", "--data", str(data), "--target", "label", "--dim", "256",
                     "-o", str(tmp_path / "m.npz")]) == 0
    captured = capsys.readouterr()
    assert "hdkit: warning:" in captured.err and "'empty' entirely missing: left out" in \
        captured.err
    assert hdc.persistence.read_metadata(tmp_path / "m.npz")["columns"] == ["x", "colour", "code"]


def test_non_utf8_csv_names_the_encoding_option(tmp_path, capsys):
    data = tmp_path / "latin.csv"
    text = _table_csv(tmp_path / "base.csv").read_text().replace("red", "rouge-été")
    data.write_bytes(text.encode("latin-1"))
    message = one_line_error(capsys, ["compare", "--data", data, "--target", "label"])
    assert "not valid utf-8" in message and "--encoding latin-1" in message
    assert cli.main(["fit", "--data", str(data), "--target", "label", "--encoding", "latin-1",
                     "--dim", "256", "-o", str(tmp_path / "m.npz")]) == 0


@pytest.mark.parametrize(
    ("content", "argv", "words"),
    [
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "y"],
         "target column 'y' not found; the columns are ['x', 'label']"),
        ("x,label\n1,a\n2,a\n3,a\n", ["--target", "label"],
         "target column 'label' has one class ('a')"),
        ("x,label\n1,a\n2,b\n3,c\n", ["--target", "label"], "as many classes as rows (3)"),
        ("", ["--target", "label"], "is empty"),
        ("x,label\n", ["--target", "label"], "header row but no data rows"),
        ("x,label\n1,a\n2\n", ["--target", "label"], "line 3: 1 fields"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--categorical", "z"],
         "categorical names columns that the table does not have: ['z']"),
        ("x,label\n1,a\n2,b\n3,a\n", [], "--data FILE needs --target COLUMN"),
        ("x,label\n1,a\n2,b\n3,a\n4,b\n", ["--target", "label"],
         "no class has 5 rows, so 5-fold stratified cross-validation is impossible"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--dataset", "digits"],
         "--dataset applies to the bundled datasets"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--models", "hdc,svm"],
         "unknown 'svm'"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--cv", "1"], "--cv"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--threads", "-1"], "--threads"),
        ("x,label\n1,a\n2,b\n3,a\n", ["--target", "label", "--encoding", "klingon"],
         "unknown encoding 'klingon'"),
    ],
)
def test_compare_data_errors_are_one_line(tmp_path, capsys, content, argv, words):
    data = tmp_path / "t.csv"
    data.write_text(content)
    assert words in one_line_error(capsys, ["compare", "--data", data, *argv])


def test_fit_errors_name_the_problem(tmp_path, capsys):
    data = tmp_path / "t.csv"
    data.write_text("x,label\n1,a\n2,b\n3,c\n")
    assert "as many classes as rows" in one_line_error(
        capsys, ["fit", "--data", data, "--target", "label", "-o", tmp_path / "m.npz"])
    assert "does not exist" in one_line_error(
        capsys, ["fit", "--data", tmp_path / "nope.csv", "--target", "label", "-o", "m.npz"])
    assert "is a folder" in one_line_error(
        capsys, ["fit", "--data", tmp_path, "--target", "label", "-o", "m.npz"])
    assert "-o/--output" in one_line_error(capsys, ["fit", "--data", data, "--target", "label"])


def test_bundled_dataset_options_stay_apart_from_data(capsys):
    assert "--target applies to --data FILE" in one_line_error(
        capsys, ["compare", "--target", "label"])
    assert "run on --data FILE only" in one_line_error(capsys, ["compare", "--models", "svc"])
    assert "--threads applies to --data FILE" in one_line_error(
        capsys, ["compare", "--threads", "2"])


def test_predict_errors_name_the_problem(tmp_path, capsys):
    train = _table_csv(tmp_path / "train.csv", n=60)
    model = tmp_path / "m.npz"
    assert cli.main(["fit", "--data", str(train), "--target", "label", "--dim", "256",
                     "-o", str(model)]) == 0
    capsys.readouterr()
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("x,code\n1.0,2\n")
    assert "lacks the column 'colour' that the model was fitted on" in one_line_error(
        capsys, ["predict", "--model", model, "--data", lacking])
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("x,colour,code\nabc,red,2\n")
    assert "column 'x' is numeric but row 1 holds 'abc'" in one_line_error(
        capsys, ["predict", "--model", model, "--data", wrong])
    not_a_model = tmp_path / "x.npz"
    not_a_model.write_text("hello")
    assert "not a readable hdkit model file" in one_line_error(
        capsys, ["predict", "--model", not_a_model, "--data", train])
    bare = hdc.save(hdc.HDClassifier(), tmp_path / "bare.npz")
    assert "write it with `hdkit fit`" in one_line_error(
        capsys, ["predict", "--model", bare, "--data", train])
    # a row whose every feature is missing still gets a prediction
    blank = tmp_path / "blank.csv"
    blank.write_text("x,colour,code\n,,\n")
    assert cli.main(["predict", "--model", str(model), "--data", str(blank)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_catalog_names_the_models_of_the_table_module():
    from hdkit import _catalog

    assert list(_catalog.TABLE_MODELS) == list(tabular.MODELS)
    assert set(_catalog.TABLE_DEFAULT_MODELS) <= set(tabular.MODELS)


def test_parquet_fit_and_predict(tmp_path, capsys):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = tabular.read_csv(_table_csv(tmp_path / "t.csv", n=60), target="label")
    columns = {name: table.X[:, j].tolist() for j, name in enumerate(table.columns)}
    columns["label"] = table.y.tolist()
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")
    model = tmp_path / "m.npz"
    assert cli.main(["fit", "--data", str(tmp_path / "t.parquet"), "--target", "label",
                     "--dim", "256", "-o", str(model)]) == 0
    assert "2 numeric + 1 categorical" in capsys.readouterr().out
    assert cli.main(["predict", "--model", str(model), "--data", str(tmp_path / "t.parquet")]) == 0
    from_parquet = capsys.readouterr().out
    assert cli.main(["predict", "--model", str(model), "--data", str(tmp_path / "t.csv")]) == 0
    assert capsys.readouterr().out == from_parquet
