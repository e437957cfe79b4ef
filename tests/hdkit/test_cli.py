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


def test_compare_rejects_unknown_model(capsys):
    with pytest.raises(ValueError, match="models"):
        cli.main(["compare", "--models", "hdc,forest"])


def test_compare_missing_dataset_says_how_to_get_it(tmp_path, capsys):
    code = cli.main(["compare", "--dataset", "fashion-mnist", "--path", str(tmp_path)])
    assert code == 2
    assert "apt-get install -y dataset-fashion-mnist" in capsys.readouterr().err


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
    png = tmp_path / "m.png"
    assert cli.main(["match", str(p1), str(p2), "--homography", str(ph), "-o", str(png)]) == 0
    text = capsys.readouterr().out
    assert "matches" in text and "precision" in text
    assert png.stat().st_size > 0


def test_match_missing_file(tmp_path, capsys):
    assert cli.main(["match", str(tmp_path / "nope.png"), str(tmp_path / "nope2.png")]) == 2
    assert "nope.png" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys):
    png = tmp_path / "demo.png"
    assert cli.main(["demo", "--dim", "256", "-o", str(png)]) == 0
    text = capsys.readouterr().out
    for model in ("hdc", "kernel", "gln"):
        assert f"digits        {model}" in text
    assert "inliers" in text and "precision" in text
    assert png.stat().st_size > 10_000


@pytest.mark.slow
def test_demo_runs_without_scikit_image_or_shared_data(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "skimage", None)  # import skimage -> ImportError
    monkeypatch.setenv("HDKIT_DATA", str(tmp_path))  # a data folder without images/
    image, source = cli._demo_image()
    assert source.startswith("a drawn scene") and image.dtype == "uint8" and image.ndim == 2
    np.testing.assert_array_equal(cli._demo_image()[0], image)  # deterministic
    png = tmp_path / "demo.png"
    assert cli.main(["demo", "--dim", "256", "-o", str(png)]) == 0
    text = capsys.readouterr().out
    assert "a drawn scene" in text and "inliers" in text
