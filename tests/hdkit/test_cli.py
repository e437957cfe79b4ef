"""The hdkit command end to end (tiny dimensions, small data)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from hdkit import cli


def test_info_json(capsys):
    assert cli.main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["hdkit"] and info["numba_threads"] >= 1
    assert "numba_threading_layer" in info


def test_python_dash_m_hdkit_runs_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "hdkit", "info"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "numpy" in done.stdout


def test_compare_digits_writes_json(tmp_path, capsys):
    out = tmp_path / "cmp.json"
    code = cli.main(
        ["compare", "--dataset", "digits", "--models", "hdc,gln", "--dim", "512",
         "--max-train", "400", "--json", str(out)]
    )
    assert code == 0
    rows = json.loads(out.read_text())
    assert [r["model"] for r in rows] == ["hdc", "gln"]
    for row in rows:
        assert 0.5 < row["accuracy"] <= 1.0
        assert row["n_train"] == 400 and row["n_test"] == 450
        assert row["model_bytes"] > 0
    text = capsys.readouterr().out
    assert "digits" in text and "accuracy" in text


def one_line_error(capsys, argv) -> str:
    """Run ``hdkit argv``: it must fail with exit status 2, one ``hdkit: error:`` line on stderr
    and nothing on stdout (nothing was started); return the message."""
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdkit: error: "), captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "COMMAND"),
        (["nope"], "invalid choice"),
        (["compare", "--models", "hdc,svm"], "unknown 'svm'"),
        (["compare", "--models", ","], "nothing given"),
        (["compare", "--max-train", "0"], "--max-train"),
        (["compare", "--dim", "ten"], "--dim"),
        (["compare", "--dataset", "mnist"], "invalid choice"),
        (["compare", "--random-state", "-1"], "--random-state"),
        (["compare", "--max-train", "1"], "single class"),
        (["compare", "--path", "."], "takes no path"),
        (["match", "nope.png", "nope2.png"], "nope.png does not exist"),
        (["demo", "--dim", "0"], "--dim"),
    ],
)
def test_expected_errors_are_one_line_and_exit_2(capsys, argv, words):
    assert words in one_line_error(capsys, argv)


def test_bad_output_paths_are_refused_before_any_work(tmp_path, capsys):
    for option in ("--json", "--plot"):
        message = one_line_error(capsys, ["compare", option, str(tmp_path / "no" / "x.out")])
        assert "no folder" in message
        assert "is a folder" in one_line_error(capsys, ["compare", option, str(tmp_path)])


def test_match_errors_are_one_line(tmp_path, capsys):
    image = tmp_path / "a.png"
    cv2 = pytest.importorskip("cv2")
    cv2.imwrite(str(image), np.zeros((64, 64), np.uint8))
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    assert "nope.xml does not exist" in one_line_error(
        capsys, ["match", str(image), str(image), "--homography", str(tmp_path / "nope.xml")]
    )
    assert "could not decode" in one_line_error(capsys, ["match", str(image), str(text)])
    assert "9 numbers" in one_line_error(
        capsys, ["match", str(image), str(image), "--homography", str(text)]
    )


@pytest.mark.parametrize(
    ("option", "module", "extra"),
    [("--plot", "matplotlib", "plot"), ("--progress", "tqdm", "progress")],
)
def test_missing_optional_dependency_fails_before_fitting(tmp_path, capsys, monkeypatch,
                                                         option, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # not installed, as importlib sees it
    argv = ["compare", option] + ([str(tmp_path / "c.png")] if option == "--plot" else [])
    message = one_line_error(capsys, argv)
    assert f"{option} needs {module}" in message and f"pip install {module}" in message
    assert extra in message


def test_missing_dataset_says_where_it_looked_and_how_to_get_it(tmp_path, capsys, monkeypatch):
    message = one_line_error(
        capsys, ["compare", "--dataset", "fashion-mnist", "--path", str(tmp_path)]
    )
    assert str(tmp_path) in message
    from hdkit import datasets

    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "debian-package")
    message = one_line_error(capsys, ["compare", "--dataset", "fashion-mnist"])
    assert "apt-get install -y dataset-fashion-mnist" in message
    assert str(tmp_path / "fashion-mnist") in message and "debian-package" in message
    message = one_line_error(capsys, ["compare", "--dataset", "letter"])
    assert str(tmp_path / "tabular" / "letter-recognition.data") in message
    assert "HDKIT_DATA" in message and "--path" in message


def test_unexpected_errors_keep_their_traceback(monkeypatch):
    from hdkit import compare

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(compare, "compare_models", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["compare", "--models", "gln", "--max-train", "100"])


def _subcommands():
    parser = cli.build_parser()
    (action,) = [a for a in parser._actions if a.dest == "command"]
    return action.choices


def test_every_option_has_help_with_its_default():
    for name, parser in _subcommands().items():
        assert parser.description, name
        for action in parser._actions:
            if action.dest == "help" or not action.option_strings:
                continue
            assert action.help and "default" in action.help, (name, action.dest)


@pytest.mark.parametrize("command", ["compare", "data", "demo"])
def test_help_of_commands_that_read_data_names_hdkit_data(command):
    assert "HDKIT_DATA" in _subcommands()[command].format_help()


def test_compare_labels_the_dim_actually_used(tmp_path, capsys):
    out = tmp_path / "cmp.json"
    code = cli.main(["compare", "--models", "hdc", "--dim", "7", "--max-train", "300",
                     "--json", str(out)])
    assert code == 0
    # dim=7 is rounded up: to 64 bits for each of the default encoder's two codes
    from sklearn.datasets import load_digits

    from hdc import HDClassifier

    X, y = load_digits(return_X_y=True)
    used = HDClassifier(dim=7, epochs=0).fit(X[:50], y[:50]).dim_
    assert used > 7 and used % 64 == 0
    assert f"HDClassifier(D={used})" in capsys.readouterr().out
    (row,) = json.loads(out.read_text())
    assert row["description"] == f"HDClassifier(D={used})"


def test_compare_prints_rounded_values_and_json_keeps_full_precision(tmp_path, capsys):
    out = tmp_path / "cmp.json"
    assert cli.main(["compare", "--models", "gln", "--max-train", "500", "--json",
                     str(out)]) == 0
    (row,) = json.loads(out.read_text())
    text = capsys.readouterr().out
    assert f"{row['accuracy']:.4f}" in text and repr(row["accuracy"]) not in text
    assert f"{row['fit_seconds']:.2f}" in text and "full precision" in text


class _Recorder:
    """A stream that records what is written to it, tagged, in one shared list."""

    def __init__(self, tag, log):
        self.tag, self.log = tag, log

    def write(self, text):
        if text:
            self.log.append((self.tag, text))
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def test_progress_bars_advance_per_epoch_and_never_mix_with_the_table(monkeypatch):
    pytest.importorskip("tqdm")
    log: list = []
    monkeypatch.setattr(sys, "stdout", _Recorder("out", log))
    monkeypatch.setattr(sys, "stderr", _Recorder("err", log))
    assert cli.main(["compare", "--models", "hdc,gln", "--dim", "256", "--max-train", "300",
                     "--progress"]) == 0
    errors = "".join(text for tag, text in log if tag == "err")
    assert "HDClassifier epochs" in errors and "/30" in errors  # one step per epoch
    assert "compare on digits" in errors and "2/2" in errors  # one step per model
    table_start = next(
        i for i, (tag, text) in enumerate(log) if tag == "out" and "accuracy" in text
    )
    assert all(tag == "out" for tag, _ in log[table_start:])  # no bar once the table begins
    table = "".join(text for tag, text in log[table_start:])
    assert "digits        hdc" in table and "digits        gln" in table


def test_compare_fashion_mnist_uses_the_image_encoder(idx_bars, tmp_path, capsys):
    folder = idx_bars(shape=(28, 28), n_train=300, n_test=60)[0].parent
    out = tmp_path / "cmp.json"
    code = cli.main(
        ["compare", "--dataset", "fashion-mnist", "--path", str(folder), "--models", "hdc",
         "--dim", "4096", "--json", str(out)]
    )
    assert code == 0
    assert "ConvolutionEncoder(D=4096) + HDClassifier" in capsys.readouterr().out
    (row,) = json.loads(out.read_text())
    assert row["n_train"] == 300 and row["accuracy"] >= 0.8  # chance is 0.5


def test_data_lists_what_is_found_where(tmp_path, capsys, monkeypatch):
    (tmp_path / "langid").mkdir()
    for split in ("train", "dev"):
        (tmp_path / "langid" / f"{split}.tsv").write_text("en\tthe cat\n", encoding="utf-8")
    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))
    assert cli.main(["data"]) == 0
    text = capsys.readouterr().out
    assert "HDKIT_DATA is set" in text and str(tmp_path) in text
    lines = {line.split()[0]: line for line in text.splitlines() if line[:1].isalpha()}
    assert "found" in lines["langid"] and str(tmp_path / "langid") in lines["langid"]
    assert "bundled with scikit-learn" in lines["digits"]
    assert "MISSING" in lines["letter"] and "letter-recognition.data" in text
    assert cli.main(["data", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shared_data_folders"] == [str(tmp_path)]
    assert report["datasets"]["langid"]["found"] and not report["datasets"]["letter"]["found"]


def test_match_two_images(tmp_path, capsys):
    cv2 = pytest.importorskip("cv2")
    import vision

    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur((rng.random((160, 160)) * 255).astype(np.uint8), (0, 0), 2.0)
    warped, H = vision.synthetic_warp(image, 15.0, 0.9)
    p1, p2, ph = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "H.txt"
    cv2.imwrite(str(p1), image)
    cv2.imwrite(str(p2), warped)
    np.savetxt(ph, H)
    png, out = tmp_path / "m.png", tmp_path / "m.json"
    assert cli.main(["match", str(p1), str(p2), "--homography", str(ph), "-o", str(png),
                     "--max-lines", "5", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert f"matches          {report['matches']} (mutual nearest neighbours" in text
    assert f"(precision {report['precision']:.3f})" in text and "share correct    1 px:" in text
    assert "time             " in text and str(report["seconds"]) not in text
    picture = cv2.imread(str(png))
    assert picture.shape[0] > 160 and picture.shape[1] == 320  # a header above the images


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys):
    png = tmp_path / "demo.png"
    assert cli.main(["demo", "--dim", "256", "-o", str(png)]) == 0
    text = capsys.readouterr().out
    for model in ("hdc", "kernel", "gln"):
        assert f"digits        {model}" in text
    assert "RANSAC inliers" in text and "precision" in text
    assert png.stat().st_size > 10_000


@pytest.mark.slow
def test_demo_runs_without_scikit_image_or_shared_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)  # import skimage -> ImportError
    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))  # a data folder without images/
    image, source = cli._demo_image()
    assert source.startswith("a drawn scene") and image.dtype == "uint8" and image.ndim == 2
    np.testing.assert_array_equal(cli._demo_image()[0], image)  # deterministic
    png = tmp_path / "demo.png"
    assert cli.main(["demo", "--dim", "256", "-o", str(png)]) == 0
    text = capsys.readouterr().out
    assert "a drawn scene" in text and "RANSAC inliers" in text
