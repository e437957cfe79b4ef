"""End-to-end runs of example scripts on small generated data (their documented CLI contract)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.slow  # each test runs an example script end to end


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fashion_mnist_example_on_other_idx_files(idx_bars, capsys):
    train, test = idx_bars(shape=(12, 14))
    accuracy = _load("fashion_mnist").main(
        ["--train", str(train), "--test", str(test), "--dim", "2048", "--epochs", "10"]
    )
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == f"accuracy: {accuracy:.4f}"
    assert "ConvolutionEncoder" in out and "image_shape=(12, 14)" in out
    assert accuracy >= 0.85  # chance is 0.5


def test_fashion_mnist_example_rejects_mismatched_images(tmp_path, write_idx):
    for split, shape in (("train", (5, 8, 8)), ("t10k", (5, 9, 9))):
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", np.zeros(shape))
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", np.zeros(5))
    with pytest.raises(SystemExit, match="train images are"):
        _load("fashion_mnist").main([
            "--train", str(tmp_path / "train-images-idx3-ubyte.gz"),
            "--test", str(tmp_path / "t10k-images-idx3-ubyte.gz"),
        ])


def _last_line_is_accuracy(out: str, accuracy: float) -> None:
    assert out.strip().splitlines()[-1] == f"accuracy: {accuracy:.4f}"


def test_digits_example_on_npz_and_csv_files(tmp_path, capsys):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    np.savez(tmp_path / "train.npz", X=X[:600], y=y[:600])
    np.savetxt(tmp_path / "test.csv", np.column_stack([y[600:800], X[600:800]]), delimiter=",")
    accuracy = _load("digits").main(
        ["--train", str(tmp_path / "train.npz"), "--test", str(tmp_path / "test.csv")]
    )
    _last_line_is_accuracy(capsys.readouterr().out, accuracy)
    assert accuracy > 0.9
    with pytest.raises(SystemExit):
        _load("digits").main(["--train", str(tmp_path / "train.npz")])  # --test missing


def _write_letter(path: Path, rows: np.ndarray, labels: np.ndarray) -> None:
    with open(path, "w") as handle:
        for label, row in zip(labels, rows, strict=True):
            handle.write(",".join([label] + [str(int(v)) for v in row]) + "\n")


def test_letter_example_on_other_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centres = rng.integers(0, 16, size=(3, 16))
    labels = np.array(list("ABC"))[rng.integers(0, 3, size=400)]
    rows = np.clip(centres[np.searchsorted(list("ABC"), labels)] + rng.integers(-2, 3, (400, 16)),
                   0, 15)
    _write_letter(tmp_path / "train.data", rows[:300], labels[:300])
    _write_letter(tmp_path / "test.data", rows[300:], labels[300:])
    accuracy = _load("letter").main([
        "--train", str(tmp_path / "train.data"), "--test", str(tmp_path / "test.data"),
        "--dim", "1024", "--epochs", "5",
    ])
    _last_line_is_accuracy(capsys.readouterr().out, accuracy)
    assert accuracy > 0.9


def test_language_id_example_on_other_files(tmp_path, capsys):
    sentences = {
        "en": ["the cat sat on the mat", "where is the train station", "I like green tea",
               "the weather is nice today", "we walked to the old bridge"],
        "de": ["die Katze sitzt auf der Matte", "wo ist der Bahnhof", "ich trinke gern Tee",
               "das Wetter ist heute schön", "wir gingen zur alten Brücke"],
        "ru": ["кошка сидит на коврике", "где находится вокзал", "я люблю зелёный чай",
               "сегодня хорошая погода", "мы пошли к старому мосту"],
    }
    for name, part in (("train.tsv", slice(0, 4)), ("test.tsv", slice(4, 5))):
        lines = [f"{lang}\t{s}" for lang, texts in sentences.items() for s in texts[part]]
        (tmp_path / name).write_text("\n".join(lines * (4 if name == "train.tsv" else 1)) + "\n",
                                     encoding="utf-8")
    accuracy = _load("language_id").main([
        "--train", str(tmp_path / "train.tsv"), "--test", str(tmp_path / "test.tsv"),
        "--dim", "2048", "--epochs", "3",
    ])
    out = capsys.readouterr().out
    _last_line_is_accuracy(out, accuracy)
    assert "3 languages" in out and "balanced accuracy" in out
    assert accuracy >= 2 / 3  # chance is 1/3
