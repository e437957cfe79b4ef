"""Every ```python block of the README runs as written, each in a fresh interpreter.

A block whose imports need an optional dependency that is not installed (the ``dask`` extra) is
skipped with the reason; nothing in the README needs the shared data folder. The blocks are
end-to-end runs (each fits models on real data in an interpreter of its own), marked ``slow``
like the example scripts.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def imported_packages(code: str) -> set[str]:
    packages = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            packages |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            packages.add(node.module.split(".")[0])
    return packages


def test_the_readme_has_python_blocks():
    assert len(python_blocks()) >= 5


@pytest.mark.slow  # end to end: each block fits real models in an interpreter of its own
@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index, tmp_path):
    code = python_blocks()[index]
    missing = sorted(p for p in imported_packages(code) if importlib.util.find_spec(p) is None)
    if missing:
        pytest.skip(f"needs {', '.join(missing)}, not installed")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]), HDKIT_DATA=str(tmp_path / "no-shared-data"))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"README block {index + 1} failed:\n{code}\n{done.stderr}"
