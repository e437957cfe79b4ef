"""Importing a package is cheap: heavy modules load only when a name that needs them is used.

Each check runs in a fresh interpreter (``sys.modules`` of the test process already holds
everything) and asserts which modules are *not* loaded; it measures no time.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("numba", "sklearn", "scipy", "dask", "distributed", "matplotlib", "cv2", "pandas",
         "tqdm", "torch")
KERNELS = ("hdc._kernels", "hdc._learn_kernels", "hdc.baselines._gln_kernels",
           "encoders._kernels", "encoders._conv_kernels", "encoders._ngram_kernels",
           "encoders._keypoint_kernels", "vision._kernels")


def loaded_after(code: str) -> set[str]:
    """The top-level packages and kernel modules in ``sys.modules`` after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules)))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    return {m for m in modules if m.split(".")[0] in HEAVY or m in KERNELS}


@pytest.mark.parametrize(
    "code",
    ["import hdc", "import hdc.baselines", "import encoders", "import vision",
     "import hdkit", "from hdkit import cli; cli.build_parser().format_help()"],
)
def test_importing_a_package_loads_no_heavy_module(code):
    assert loaded_after(code) == set()


def test_the_command_parser_loads_not_even_numpy():
    code = (
        "from hdkit import cli\n"
        "parser = cli.build_parser()\n"
        "for command in ('info', 'data', 'compare', 'fit', 'predict', 'match', 'demo'):\n"
        "    try:\n"
        "        parser.parse_args([command, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "import sys\n"
        "assert 'numpy' not in sys.modules, 'numpy loaded'\n"
    )
    assert loaded_after(code) == set()


def test_first_use_loads_what_the_name_needs_only():
    # the algebra needs numba and its kernels (numba imports scipy's top package itself), not
    # scikit-learn, scipy's subpackages or OpenCV
    loaded = loaded_after("import hdc; hdc.bundle")
    assert "numba" in loaded and "hdc._kernels" in loaded
    unwanted = ("sklearn", "cv2", "scipy.stats", "scipy.sparse", "scipy.spatial")
    assert not [m for m in loaded if m.startswith(unwanted)]
    # the classifier subclasses scikit-learn's BaseEstimator: it loads scikit-learn
    assert "sklearn" in loaded_after("from hdc import HDClassifier")


def test_public_names_are_unchanged_and_listed():
    import encoders
    import hdc
    import hdc.baselines
    import vision

    # the names of the eager API stay public (more may be added, never removed)
    assert set(hdc.__all__) >= {
        "__version__", "AssociativeMemory", "HDClassifier", "bind", "bundle", "counts", "flip",
        "hamming", "item_memory", "level", "pack", "permute", "random", "similarity",
        "threshold", "unbind", "unpack",
    }
    for package in (hdc, hdc.baselines, encoders, vision):
        names = set(package.__all__)
        assert names <= set(dir(package)), package.__name__  # what tab completion lists
        for name in names:
            assert getattr(package, name) is not None
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            package.nope  # noqa: B018
    from hdc.classifier import HDClassifier

    assert hdc.HDClassifier is HDClassifier
    assert callable(vision.match) and vision.evaluate.__name__ == "vision.evaluate"


def test_a_function_named_like_its_module_stays_the_function():
    code = (
        "import hdc\n"
        "import hdc.baselines.kernel_machine  # imports the module hdc.similarity\n"
        "from hdc import similarity\n"
        "assert callable(hdc.similarity) and callable(similarity), hdc.similarity\n"
        "v = hdc.random(2, 64, random_state=0)\n"
        "assert hdc.similarity(v, v)[0, 0] == 1.0\n"
    )
    loaded_after(code)


def _lazy_tables(init: Path) -> tuple[set[str], set[str]]:
    """(names in the lazy table, names imported under TYPE_CHECKING) of a package __init__."""
    tree = ast.parse(init.read_text())
    lazy: set[str] = set()
    typed: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in (
            "_EXPORTS", "_SUBMODULE_OF"
        ):
            table = ast.literal_eval(node.value)
            for key, value in table.items():
                lazy |= {key} if isinstance(value, str) else set(value)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                typed |= {alias.asname or alias.name for alias in statement.names}
    return lazy, typed


@pytest.mark.parametrize(
    "init", ["hdc/__init__.py", "hdc/baselines/__init__.py", "encoders/__init__.py",
             "vision/__init__.py"],
)
def test_lazy_table_type_checking_imports_and_all_agree(init):
    lazy, typed = _lazy_tables(ROOT / init)
    all_names = next(
        ast.literal_eval(node.value) for node in ast.parse((ROOT / init).read_text()).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
    )
    assert lazy == typed == set(all_names) - {"__version__"}
