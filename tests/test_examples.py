"""End-to-end runs of example scripts on small generated data (their documented CLI contract)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


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
