"""First use of loaded models and read-only inputs after ``hdkit warmup``: what still compiles.

Run::

    python benchmarks/bench_loaded_first_use.py

numba compiles one version of a kernel per argument type, and a read-only array (a model loaded
with ``hdc.load(..., mmap_mode="r")``, a frozen structure, a read-only view) or an F-ordered
one is another type than the writable C-ordered arrays of a fresh fit. This benchmark fills an
empty ``NUMBA_CACHE_DIR`` with ``hdkit warmup``, then, in a fresh process, fits every estimator
and encoder, saves it, loads it memory-mapped and times its first ``predict`` / ``transform``
(and a few core calls on read-only inputs); it reports the seconds of each first use and the
kernel versions compiled meanwhile (new ``.nbc`` files in the cache). With one signature per
kernel, nothing compiles.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, print_table, run_info, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

_WORKLOAD = r"""
import json, os, sys, tempfile, time
import numpy as np
import encoders, hdc
from hdc._validation import readonly
from hdc.baselines import GLNClassifier, GLNRegressor, KernelMachineClassifier

folder = tempfile.mkdtemp()
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 8))
y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
Xs, images = X[:30, :5], rng.random((6, 64))
texts = ["the cat sat on the mat", "a b", "", "hello world"]
features = [(rng.random((n, 2)) * 100, rng.random((n, 128))) for n in (20, 0)]
cases = [(f"HDClassifier{s}", hdc.HDClassifier(dim=1024, random_state=0, **s).fit(X, y), "predict",
          X) for s in ({}, {"prototypes": "binary"}, {"lr": 0.5})]
cases += [(f"GLNClassifier(base={b!r})", GLNClassifier(base=b, random_state=0).fit(X, y),
           "predict", np.asfortranarray(X)) for b in ("minmax", "sigmoid")]
cases += [("GLNRegressor", GLNRegressor(random_state=0).fit(X, X[:, 0]), "predict", X),
          ("KernelMachineClassifier", KernelMachineClassifier(random_state=0).fit(X, y),
           "predict", X)]
cases += [(f"NGramEncoder({w!r})", encoders.NGramEncoder(512, ngram_range=(1, 3), weighting=w,
           random_state=0).fit(texts), "transform", texts) for w in ("count", "idf")]
cases += [(f"RecordEncoder({q!r})", encoders.RecordEncoder(512, quantization=q, random_state=0)
           .fit(Xs), "transform", Xs) for q in ("uniform", "quantile")]
cases += [(f"ProjectionEncoder({k!r})", encoders.ProjectionEncoder(512, kind=k, random_state=0)
           .fit(Xs), "transform", Xs) for k in ("sign", "rff")]
cases += [("TableEncoder", encoders.TableEncoder(512, random_state=0).fit(Xs), "transform", Xs),
          ("ConvolutionEncoder", encoders.ConvolutionEncoder(512, image_shape=(8, 8),
           random_state=0).fit(images), "transform", images),
          ("KeypointEncoder", encoders.KeypointEncoder(dim=512, random_state=0).fit(features),
           "transform", features)]

def count_compiled(mark):
    return sum(1 for root, _, files in os.walk(os.environ["NUMBA_CACHE_DIR"]) for f in files
               if f.endswith(".nbc") and os.path.getmtime(os.path.join(root, f)) > mark)

rows = []
for name, model, method, data in cases:
    path = hdc.save(model, os.path.join(folder, "model.npz"))
    loaded = hdc.load(path, mmap_mode="r")
    mark = time.time()
    start = time.perf_counter()
    getattr(loaded, method)(data)
    rows.append({"case": f"loaded {name}.{method}", "first_use_s": time.perf_counter() - start,
                 "compiled": count_compiled(mark)})

def core():
    x = readonly(hdc.random(300, 1024, random_state=0))
    hdc.hamming(x, x[:26])
    hdc.hamming(x[:2], x[:26])
    hdc.permute(x, 3)
    hdc.threshold(readonly(hdc.counts(x[:5])), 5)
    memory = hdc.AssociativeMemory(1024)
    memory.add(x[:50], np.arange(50))
    memory.query(x[:5], k=3)
    memory.query(x[:2], k=3)

mark = time.time()
start = time.perf_counter()
core()
rows.append({"case": "core ops on read-only inputs", "first_use_s": time.perf_counter() - start,
             "compiled": count_compiled(mark)})
print("ROWS " + json.dumps(rows))
"""


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(RESULTS_DIR / "loaded_first_use.json"))
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, MPLBACKEND="Agg",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hdkit", "warmup", "--quiet"], env=env, cwd=ROOT,
                       check=True)
        warmup_s = time.perf_counter() - start
        proc = subprocess.run([sys.executable, "-c", _WORKLOAD], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True)
    rows = next(json.loads(line[5:]) for line in proc.stdout.splitlines()
                if line.startswith("ROWS "))
    rows.append({"case": "total", "first_use_s": sum(r["first_use_s"] for r in rows),
                 "compiled": sum(r["compiled"] for r in rows)})
    print(f"hdkit warmup: {warmup_s:.1f} s")
    print_table(rows, ["case", "first_use_s", "compiled"])
    result = {
        **run_info("benchmarks/bench_loaded_first_use.py", argv),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "warmup_s": warmup_s,
        "rows": rows,
    }
    path = write_json(result, args.out)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
