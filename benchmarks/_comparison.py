"""hdkit's HDClassifier beside two torchhd baselines, every measurement in a fresh process.

The three pipelines, on the same rows, with the same encoding (record encoding: a random key per
feature bound to one of ``levels`` level hypervectors, bundled; D = ``dim``) and the same
retraining rule (AdaptHD: a misclassified sample is added to its class and subtracted from the
winning one, ``epochs`` passes after one bundling pass):

``hdkit``
    ``HDClassifier(encoder=RecordEncoder(dim, n_levels), epochs, lr=1, margin=0,
    average=False)``, numba threads set by ``numba.set_num_threads``. It stops after an epoch
    that makes no update (later epochs would make none either); the epochs run are reported.
``torchhd_shipped``
    ``torchhd.classifiers.AdaptHD(n_features, dim, n_classes, n_levels=levels, epochs=epochs)``
    called as torchhd's own example calls it (``examples/classifiers.py``): a ``DataLoader``
    with ``batch_size=12, shuffle=True``, ``model.fit(loader)``, prediction batch by batch. It
    re-encodes the training set every epoch and runs every epoch; torch's default allocator.
``torchhd_pipeline``
    what a careful torchhd user writes: encode once (``hash_table(keys, levels(x)).sign()`` in
    batches of ``encode_batch`` rows), ``Centroid.add`` of all rows, then up to ``epochs``
    passes of ``Centroid.add_adapt`` over shuffled batches of ``fit_batch`` rows, stopping after
    a pass that changes no weight (the rule hdkit follows). ``THP_MEM_ALLOC_ENABLE=1`` is set in
    its environment before torch starts (transparent huge pages for torch's allocations: far
    fewer page faults from its large float32 temporaries). Both batches are chosen per dataset
    before the measurements (:func:`select_batches`): the encoding batch by speed (the code does
    not depend on it), the fit batch - which changes the algorithm, one update per batch - by
    accuracy on a validation split of the training rows (20 %, seeded), then speed: the fastest
    batch within ``VAL_TOLERANCE`` of the best validation accuracy.

Every measurement is one fresh Python process per side, condition, thread setting and repeat
(what a user running a script sees: allocator and page-fault state start from nothing), and
inside it one
untimed warm-up on a few rows (numba's cache load, torch's thread pool), then the timed encode
(the training rows), fit (end to end from the raw features, encoding included) and predict (end
to end, the test rows). Two machine conditions (``CONDITIONS``): ``ambient`` (the machine as
it is) and ``busy`` (one more process of our own spinning in a busy loop on the last core, on top
of whatever else runs: the ratios must hold on a loaded machine too). The repeats are interleaved
(repeat 1 of every condition, thread setting and side, then repeat 2, ...) with the side order
rotated and the condition order alternated, so that a change of machine load falls on all sides
alike. Each record holds the load average (``os.getloadavg``) at the start and end of the
process, and the minor page faults and involuntary context switches (``resource.getrusage``)
of each timed phase.

Ratios are torchhd seconds / hdkit seconds within one repeat (same condition and thread
setting), summarised as min / median / max over the repeats.

``CLAIMS`` holds what the docs claim, per dataset, baseline and phase at ``CLAIM_THREADS``
thread(s), in both conditions: a lower bound of the ratio, the smallest ratio of the run that set
it divided by ``CLAIM_FACTOR`` and rounded down to a round number (``nice_floor``). No upper
bound is claimed: the largest ratio of that run times ``CLAIM_FACTOR`` was exceeded on the next
run (letter, busy, shipped encode: 738x against 300x; hdkit's 3 ms encode of 1,000 rows against
a torch process in a page-fault storm). ``--propose RUN.json ...`` prints bounds from result
files, ``--check RUN.json ...`` compares result files with ``CLAIMS`` (exit status 1 when a
ratio falls below its bound).
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Spinner  # noqa: E402  (the busy condition's competitor)

SIDES = ("hdkit", "torchhd_shipped", "torchhd_pipeline")
PHASES = ("encode", "fit", "predict")
CONDITIONS = ("ambient", "busy")
SHIPPED_BATCH = 12  # torchhd's examples/classifiers.py
ENCODE_BATCHES = (16, 64, 256)
FIT_BATCHES = (32, 128, 512)
ENCODE_BYTES = 2**29  # cap of one (batch, features, dim) float32 temporary
VAL_FRACTION = 0.2
VAL_TOLERANCE = 0.005
WARMUP_ROWS = 20
REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ data
def load_rows(name: str, n_train: int | None, n_test: int | None):
    """The first ``n_train`` training and ``n_test`` test rows of ``name`` (None: all), as
    float64 features and integer class indices (0 .. n_classes-1, from the training labels)."""
    from hdkit.datasets import load_dataset

    X_train, X_test, y_train, y_test = load_dataset(name)
    X_train = np.asarray(X_train, dtype=np.float64)[:n_train]
    X_test = np.asarray(X_test, dtype=np.float64)[:n_test]
    classes, y_train = np.unique(np.asarray(y_train)[:n_train], return_inverse=True)
    y_test = np.searchsorted(classes, np.asarray(y_test)[:n_test])
    return X_train, X_test, y_train.astype(np.int64), y_test.astype(np.int64), len(classes)


def to_unit_range(X_fit: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per-feature min-max scaling (from ``X_fit``) to [-1, 1] (torchhd's ``Level`` range)."""
    low, high = X_fit.min(axis=0), X_fit.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.clip(2 * (X - low) / span - 1, -1, 1).astype(np.float32)


def validation_split(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, validation rows): a seeded random ``VAL_FRACTION`` of ``range(n)`` held out."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(VAL_FRACTION * n)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


# ------------------------------------------------------------------------------ timing
class Phases:
    """Wall seconds, minor page faults and involuntary context switches (the process was
    descheduled: another one wanted the core) of named phases of this process."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.minor_faults: dict[str, int] = {}
        self.involuntary_switches: dict[str, int] = {}

    def run(self, name: str, fn):
        before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        out = fn()
        self.seconds[name] = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
        self.minor_faults[name] = after.ru_minflt - before.ru_minflt
        self.involuntary_switches[name] = after.ru_nivcsw - before.ru_nivcsw
        return out


# ------------------------------------------------------------------------------ the sides
def run_hdkit(spec: dict, data) -> dict:
    import numba

    numba.set_num_threads(spec["threads"])
    from encoders import RecordEncoder
    from hdc import HDClassifier

    X_train, X_test, y_train, y_test, _ = data
    dim, levels = spec["dim"], spec["levels"]

    def model():
        return HDClassifier(encoder=RecordEncoder(dim=dim, n_levels=levels), epochs=spec["epochs"],
                            lr=1.0, margin=0.0, average=False, random_state=spec["seed"])

    p = Phases()
    w = WARMUP_ROWS
    p.run("warmup", lambda: model().fit(X_train[:w], y_train[:w]).predict(X_test[:w]))
    p.run("encode", lambda: RecordEncoder(dim=dim, n_levels=levels,
                                          random_state=spec["seed"]).fit(X_train).transform(X_train))
    clf = p.run("fit", lambda: model().fit(X_train, y_train))
    pred = p.run("predict", lambda: clf.predict(X_test))
    return {"phases": p, "accuracy": float(np.mean(pred == y_test)),
            "epochs_run": len(clf.n_updates_), "threads_set": numba.get_num_threads()}


def _torch(spec: dict):
    import torch

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    return torch


def _tensors(torch, data):
    """Training rows, test rows (both scaled by the training rows) and training labels."""
    X_train, X_test, y_train = data[:3]
    return (torch.from_numpy(to_unit_range(X_train, X_train)),
            torch.from_numpy(to_unit_range(X_train, X_test)), torch.from_numpy(y_train))


def run_torchhd_shipped(spec: dict, data) -> dict:
    torch = _torch(spec)
    from torch.utils.data import DataLoader, TensorDataset
    from torchhd.classifiers import AdaptHD

    X_train, _, _, y_test, n_classes = data
    Xtr, Xte, ytr = _tensors(torch, data)
    n_features, dim, levels = X_train.shape[1], spec["dim"], spec["levels"]
    b = spec.get("shipped_batch", SHIPPED_BATCH)

    def model(epochs):
        return AdaptHD(n_features, dim, n_classes, n_levels=levels, epochs=epochs)

    def predict(m, X):
        return torch.cat([m.predict(x) for (x,) in DataLoader(TensorDataset(X), batch_size=b)])

    def encode(m, X):
        with torch.no_grad():
            return [m.encoder(x) for (x,) in DataLoader(TensorDataset(X), batch_size=b)]

    p = Phases()
    w = WARMUP_ROWS
    p.run("warmup", lambda: predict(model(1).fit([(Xtr[:w], ytr[:w])]), Xte[:w]))
    p.run("encode", lambda: encode(model(1), Xtr))
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=b, shuffle=True)
    clf = p.run("fit", lambda: model(spec["epochs"]).fit(loader))
    pred = p.run("predict", lambda: predict(clf, Xte))
    return {"phases": p, "accuracy": float(np.mean(pred.numpy() == y_test)),
            "epochs_run": spec["epochs"], "threads_set": torch.get_num_threads(),
            "batch": b}


class TorchPipeline:
    """Encode once, ``Centroid.add``, then ``add_adapt`` passes over shuffled batches."""

    def __init__(self, torch, n_features: int, n_classes: int, spec: dict) -> None:
        from torchhd import functional
        from torchhd.embeddings import Level, Random

        self.torch, self.functional = torch, functional
        self.keys = Random(n_features, spec["dim"])
        self.levels = Level(spec["levels"], spec["dim"], low=-1, high=1)
        self.n_classes, self.dim, self.epochs = n_classes, spec["dim"], spec["epochs"]

    def encode(self, X, batch: int):
        torch, hash_table = self.torch, self.functional.hash_table
        with torch.no_grad():
            return torch.cat([hash_table(self.keys.weight, self.levels(X[s : s + batch])).sign()
                              for s in range(0, len(X), batch)])

    def fit_encoded(self, H, y, batch: int):
        """(Centroid model, epochs run): bundling, then up to ``epochs`` adaptive passes."""
        from torchhd.models import Centroid

        torch = self.torch
        model = Centroid(self.dim, self.n_classes)
        epochs_run = 0
        with torch.no_grad():
            model.add(H, y)
            for _ in range(self.epochs):
                before = model.weight.clone()
                order = torch.randperm(len(H))
                for s in range(0, len(H), batch):
                    rows = order[s : s + batch]
                    model.add_adapt(H[rows], y[rows])
                epochs_run += 1
                if torch.equal(before, model.weight):
                    break
        return model, epochs_run

    def predict_encoded(self, model, H, batch: int):
        """Class indices: the most cosine-similar prototype of each row of ``H``."""
        with self.torch.no_grad():
            return self.torch.cat([model(H[s : s + batch]).argmax(1)
                                   for s in range(0, len(H), batch)])


def run_torchhd_pipeline(spec: dict, data) -> dict:
    torch = _torch(spec)
    X_train, _, _, y_test, n_classes = data
    Xtr, Xte, ytr = _tensors(torch, data)
    eb, fb = spec["encode_batch"], spec["fit_batch"]
    pipe = TorchPipeline(torch, X_train.shape[1], n_classes, spec)
    w = WARMUP_ROWS

    def fit(X, y):
        return pipe.fit_encoded(pipe.encode(X, eb), y, fb)

    def predict(fitted, X):
        return pipe.predict_encoded(fitted[0], pipe.encode(X, eb), eb)

    p = Phases()
    p.run("warmup", lambda: predict(fit(Xtr[:w], ytr[:w]), Xte[:w]))
    p.run("encode", lambda: pipe.encode(Xtr, eb))
    fitted = p.run("fit", lambda: fit(Xtr, ytr))
    pred = p.run("predict", lambda: predict(fitted, Xte))
    return {"phases": p, "accuracy": float(np.mean(pred.numpy() == y_test)),
            "epochs_run": fitted[1], "threads_set": torch.get_num_threads(),
            "encode_batch": eb, "fit_batch": fb,
            "thp": os.environ.get("THP_MEM_ALLOC_ENABLE")}


def encode_batch_candidates(n_features: int, dim: int, n_rows: int) -> list[int]:
    """``ENCODE_BATCHES`` that keep one (batch, features, dim) float32 within ``ENCODE_BYTES``
    and are at most ``n_rows`` (at least one candidate)."""
    cap = max(1, ENCODE_BYTES // (4 * n_features * dim))
    out = [b for b in ENCODE_BATCHES if b <= cap and b <= n_rows]
    return out or [max(1, min(cap, n_rows))]


def select_batches(spec: dict, data) -> dict:
    """The pipeline's encoding batch (fastest on up to 1,024 training rows) and fit batch
    (best validation accuracy, then speed) - see the module docstring."""
    torch = _torch(spec)
    X_train, _, y_train, _, n_classes = data
    Xtr = torch.from_numpy(to_unit_range(X_train, X_train))
    ytr = torch.from_numpy(y_train)
    pipe = TorchPipeline(torch, X_train.shape[1], n_classes, spec)
    probe = Xtr[:1024]
    pipe.encode(probe[:WARMUP_ROWS], WARMUP_ROWS)
    encode_s = {}
    for b in encode_batch_candidates(X_train.shape[1], spec["dim"], len(probe)):
        start = time.perf_counter()
        pipe.encode(probe, b)
        encode_s[b] = (time.perf_counter() - start) / len(probe)
    eb = min(encode_s, key=encode_s.get)
    H = pipe.encode(Xtr, eb)
    fit_rows, val_rows = (torch.from_numpy(r) for r in validation_split(len(Xtr), spec["seed"]))
    candidates = {}
    for fb in [b for b in spec.get("fit_batches", FIT_BATCHES) if b <= len(fit_rows)]:
        torch.manual_seed(spec["seed"])
        start = time.perf_counter()
        model, epochs_run = pipe.fit_encoded(H[fit_rows], ytr[fit_rows], fb)
        seconds = time.perf_counter() - start
        pred = pipe.predict_encoded(model, H[val_rows], eb)
        candidates[fb] = {"fit_s": seconds, "epochs_run": epochs_run,
                          "val_accuracy": float(torch.mean((pred == ytr[val_rows]).float()))}
    best = max(c["val_accuracy"] for c in candidates.values())
    good = [b for b, c in candidates.items() if c["val_accuracy"] >= best - VAL_TOLERANCE]
    fb = min(good, key=lambda b: candidates[b]["fit_s"])
    return {"encode_batch": eb, "encode_s_per_row": encode_s, "fit_batch": fb,
            "fit_candidates": candidates, "fit_rows": len(fit_rows), "val_rows": len(val_rows),
            "thp": os.environ.get("THP_MEM_ALLOC_ENABLE")}


RUNNERS = {"hdkit": run_hdkit, "torchhd_shipped": run_torchhd_shipped,
           "torchhd_pipeline": run_torchhd_pipeline, "select": select_batches}


def save_rows(name: str, n_train: int | None, n_test: int | None, folder: Path) -> Path:
    """:func:`load_rows` saved to ``folder/<name>.npz`` (read by the measurement processes, so
    that they import neither scikit-learn nor the dataset loaders)."""
    X_train, X_test, y_train, y_test, n_classes = load_rows(name, n_train, n_test)
    path = Path(folder) / f"{name}.npz"
    np.savez(path, X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
             n_classes=n_classes)
    return path


def read_rows(path: str | Path):
    with np.load(path) as f:
        return (f["X_train"], f["X_test"], f["y_train"], f["y_test"], int(f["n_classes"]))


def worker(spec: dict) -> dict:
    """Run one measurement (``spec["side"]``) in this process; a JSON-ready record."""
    load_start = os.getloadavg()
    data = (read_rows(spec["data_file"]) if spec.get("data_file")
            else load_rows(spec["dataset"], spec["n_train"], spec["n_test"]))
    out = RUNNERS[spec["side"]](spec, data)
    phases = out.pop("phases", None)
    spec = {k: v for k, v in spec.items() if k != "data_file"}
    record = {**spec, **out, "n_train_rows": len(data[0]), "n_test_rows": len(data[1]),
              "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
              "minor_faults_total": resource.getrusage(resource.RUSAGE_SELF).ru_minflt}
    if phases is not None:
        record["seconds"] = phases.seconds
        record["minor_faults"] = phases.minor_faults
        record["involuntary_switches"] = phases.involuntary_switches
    return record


# ------------------------------------------------------------------------------ the parent
def child_env(side: str) -> dict:
    """The environment of a measurement process: this one's, the checkout first on the path,
    torch's huge-page allocation on for the careful pipeline only (and its batch selection)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["TQDM_DISABLE"] = "1"  # AdaptHD.fit's progress bar
    env.pop("THP_MEM_ALLOC_ENABLE", None)
    if side in ("torchhd_pipeline", "select"):
        env["THP_MEM_ALLOC_ENABLE"] = "1"
    return env


def run_child(spec: dict) -> dict:
    """``worker(spec)`` in a fresh Python process; its record (ValueError on failure)."""
    cmd = [sys.executable, "-W", "ignore", str(Path(__file__).resolve()), "--worker",
           json.dumps(spec)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=child_env(spec["side"]),
                          cwd=REPO, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measurement {spec['side']} on {spec['dataset']} failed:\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def torchhd_available() -> str | None:
    """torch and torch-hd versions as a child process sees them, or None when not importable."""
    probe = ("import torch, torchhd; "
             "print(f'torch {torch.__version__}, torch-hd {torchhd.__version__}')")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], capture_output=True,
                          text=True, env=child_env("select"), cwd=REPO, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def compare(datasets: list[str], *, threads: list[int], repeats: int, dim: int, levels: int,
            epochs: int, rows: dict, seed: int = 0, fit_batches=FIT_BATCHES,
            conditions=CONDITIONS, log=None) -> dict:
    """Batch selection then the interleaved measurements of every dataset; the raw records.

    ``rows`` maps a dataset to ``(n_train, n_test)`` (None: all rows); ``conditions`` is a
    subset of ``CONDITIONS``.
    """
    import tempfile

    unknown = set(conditions) - set(CONDITIONS)
    if unknown or not conditions:
        raise ValueError(f"conditions must be a non-empty subset of {CONDITIONS}, "
                         f"got {conditions!r}")
    log = log or (lambda text: print(text, flush=True))
    with tempfile.TemporaryDirectory(prefix="hdkit-compare-") as folder:
        return _compare(datasets, threads, repeats, dim, levels, epochs, rows, seed,
                        fit_batches, tuple(conditions), log, Path(folder))


def _compare(datasets, threads, repeats, dim, levels, epochs, rows, seed, fit_batches,
             conditions, log, folder: Path) -> dict:
    out: dict = {"selection": {}, "records": []}
    for name in datasets:
        n_train, n_test = rows[name]
        base = {"dataset": name, "n_train": n_train, "n_test": n_test, "dim": dim,
                "levels": levels, "epochs": epochs, "seed": seed,
                "data_file": str(save_rows(name, n_train, n_test, folder))}
        sel = run_child({**base, "side": "select", "threads": max(threads),
                         "fit_batches": list(fit_batches)})
        out["selection"][name] = sel
        log(f"== {name}: {sel['n_train_rows']} training rows, {sel['n_test_rows']} test rows; "
            f"pipeline encode batch {sel['encode_batch']}, fit batch {sel['fit_batch']} "
            "(validation accuracy / fit s: "
            + ", ".join(f"{b}: {c['val_accuracy']:.4f} / {c['fit_s']:.2f}"
                        for b, c in sel["fit_candidates"].items()) + ")")
        for rep in range(repeats):
            order = SIDES[rep % 3:] + SIDES[: rep % 3]
            for condition in conditions[:: 1 if rep % 2 == 0 else -1]:
                with Spinner(condition == "busy") as spinner:
                    for t in threads:
                        for side in order:
                            spec = {**base, "side": side, "threads": t, "repeat": rep,
                                    "condition": condition, "spinner_core": spinner.core,
                                    "encode_batch": sel["encode_batch"],
                                    "fit_batch": sel["fit_batch"]}
                            rec = run_child(spec)
                            out["records"].append(rec)
                            log(_record_line(rec))
    return out


def _record_line(rec: dict) -> str:
    s = rec["seconds"]
    return (f"  rep {rec['repeat']} {rec['condition']:7s} threads {rec['threads']} "
            f"{rec['side']:17s} encode {s['encode']:8.3f}s fit {s['fit']:8.3f}s "
            f"predict {s['predict']:8.3f}s acc {rec['accuracy']:.4f} "
            f"epochs {rec['epochs_run']} load {rec['loadavg_start'][0]:.1f}")


def _span(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def _key(entry: dict) -> tuple:
    return (entry["dataset"], entry["threads"], entry.get("condition", "ambient"))


def summarize(records: list[dict]) -> list[dict]:
    """Per (dataset, threads, condition): each side's seconds, page faults, load, accuracy and
    epochs run, and the ratios torchhd / hdkit paired by repeat, as min / median / max."""
    groups: dict = {}
    for r in records:
        groups.setdefault(_key(r), {}).setdefault(r["side"], {})[r["repeat"]] = r
    out = []
    for (name, t, condition), sides in groups.items():
        entry: dict = {"dataset": name, "threads": t, "condition": condition, "sides": {},
                       "ratios": {}}
        for side, reps in sides.items():
            recs = list(reps.values())
            entry["sides"][side] = {
                "accuracy": sorted({r["accuracy"] for r in recs}),
                "epochs_run": sorted({r["epochs_run"] for r in recs}),
                "n_train": recs[0]["n_train_rows"], "n_test": recs[0]["n_test_rows"],
                "seconds": {ph: _span([r["seconds"][ph] for r in recs]) for ph in PHASES},
                "minor_faults": {ph: _span([r["minor_faults"][ph] for r in recs])
                                 for ph in PHASES},
                "loadavg_1min": _span([r["loadavg_start"][0] for r in recs]),
            }
        ours = sides.get("hdkit", {})
        for side in SIDES[1:]:
            peer = sides.get(side, {})
            reps = sorted(set(ours) & set(peer))
            if reps:
                entry["ratios"][side] = {
                    ph: _span([peer[k]["seconds"][ph] / ours[k]["seconds"][ph] for k in reps])
                    for ph in PHASES}
        out.append(entry)
    return out


def merge_ranges(summaries: list[list[dict]]) -> list[dict]:
    """Several runs' summaries into one: every min the min over runs, every max the max, the
    accuracies and epochs the union (the medians are dropped)."""
    merged: dict = {}
    for summary in summaries:
        for e in summary:
            key = _key(e)
            if key not in merged:
                merged[key] = json.loads(json.dumps(e))
                continue
            m = merged[key]
            for side, s in e["sides"].items():
                ms = m["sides"][side]
                ms["accuracy"] = sorted(set(ms["accuracy"]) | set(s["accuracy"]))
                ms["epochs_run"] = sorted(set(ms["epochs_run"]) | set(s["epochs_run"]))
                for part in ("seconds", "minor_faults"):
                    for ph in PHASES:
                        _widen(ms[part][ph], s[part][ph])
                _widen(ms["loadavg_1min"], s["loadavg_1min"])
            for side, r in e["ratios"].items():
                for ph in PHASES:
                    _widen(m["ratios"][side][ph], r[ph])
    for m in merged.values():
        _drop_medians(m)
    return list(merged.values())


def _widen(into: dict, other: dict) -> None:
    into["min"] = min(into["min"], other["min"])
    into["max"] = max(into["max"], other["max"])


def _drop_medians(node) -> None:
    if isinstance(node, dict):
        node.pop("median", None)
        for v in node.values():
            _drop_medians(v)


def _range(span: dict, fmt) -> str:
    """"min-max" (or one value when they print alike); ``fmt`` a format spec or a function."""
    show = fmt if callable(fmt) else (lambda x: format(x, fmt))
    lo, hi = show(span["min"]), show(span["max"])
    return lo if lo == hi else f"{lo}-{hi}"


def _ratio(x: float) -> str:
    return f"{x:.1f}" if x < 9.95 else f"{x:.0f}"  # 9.97 -> "10", not "10.0"


def _acc(values: list[float]) -> str:
    return "/".join(f"{v:.4f}" for v in values)


def _ratio_text(ratios: dict | None) -> str:
    return ", ".join(_range(ratios[ph], _ratio) + "x" for ph in PHASES) if ratios else "-"


def markdown_table(summary: list[dict]) -> str:
    """One row per (dataset, threads, condition): accuracies, epochs run, hdkit's seconds, the
    ratio ranges and the load."""
    head = ("| dataset | threads | condition | rows train / test "
            "| accuracy hdkit / shipped / pipeline | epochs run hdkit / shipped / pipeline "
            "| hdkit encode / fit / predict (s) | shipped AdaptHD: encode, fit, predict (x) "
            "| pipeline: encode, fit, predict (x) | load (1 min) |")
    lines = [head, "|" + "---|" * 10]
    for e in summary:
        sides, ratios = e["sides"], e["ratios"]
        ours = sides.get("hdkit")
        if ours is None:
            continue
        acc = " / ".join(_acc(sides[s]["accuracy"]) if s in sides else "-" for s in SIDES)
        epochs = " / ".join("/".join(map(str, sides[s]["epochs_run"])) if s in sides else "-"
                            for s in SIDES)
        secs = " / ".join(_range(ours["seconds"][ph], ".3g") for ph in PHASES)
        load = _range(_span([sides[s]["loadavg_1min"][k] for s in sides
                             for k in ("min", "max")]), ".1f")
        lines.append(f"| {e['dataset']} | {e['threads']} | {e.get('condition', 'ambient')} "
                     f"| {ours['n_train']} / {ours['n_test']} | {acc} | {epochs} | {secs} "
                     f"| {_ratio_text(ratios.get('torchhd_shipped'))} "
                     f"| {_ratio_text(ratios.get('torchhd_pipeline'))} | {load} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ claims
# What the docs claim: {dataset: {baseline: {phase: lower bound}}} of the ratio torchhd
# seconds / hdkit seconds at CLAIM_THREADS thread(s), in every condition. Set by ``--propose``
# from run 1 of 2026-12-03 (benchmarks/results/bench_learn_torchhd_run1.json).
CLAIM_THREADS = 1
CLAIM_FACTOR = 3.0
CLAIMS: dict[str, dict[str, dict[str, float]]] = {
    "letter": {
        "torchhd_shipped": {"encode": 8, "fit": 8, "predict": 4},
        "torchhd_pipeline": {"encode": 20, "fit": 1.5, "predict": 5},
    },
    "fashion-mnist": {
        "torchhd_shipped": {"encode": 20, "fit": 200, "predict": 20},
        "torchhd_pipeline": {"encode": 6, "fit": 8, "predict": 10},
    },
}
NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _nice_candidates(x: float) -> list[float]:
    """The round numbers ``n * 10**k`` (n in ``NICE``) of the decade of ``x`` and its
    neighbours."""
    k = math.floor(math.log10(x))
    return [float(f"{n * 10.0 ** e:.6g}") for e in (k - 1, k, k + 1) for n in NICE]


def nice_floor(x: float) -> float:
    """The largest ``n * 10**k`` (n in ``NICE``) at most ``x`` (0 for ``x <= 0``).

    >>> nice_floor(4.6), nice_floor(27.0), nice_floor(0.73)
    (4.0, 20.0, 0.6)
    """
    if x <= 0:
        return 0.0
    return max(v for v in _nice_candidates(x) if v <= x)


def _round(x: float) -> float | int:
    return int(x) if x == int(x) else round(x, 6)


def propose(summaries: list[list[dict]], threads: int = CLAIM_THREADS,
            factor: float = CLAIM_FACTOR) -> dict:
    """Lower bounds from measured summaries: per dataset, baseline and phase over every
    condition of ``threads`` threads, the smallest ratio / ``factor`` rounded down, as in
    ``CLAIMS``."""
    smallest: dict = {}
    for e in merge_ranges(summaries):
        if e["threads"] != threads:
            continue
        for side, phases in e["ratios"].items():
            for ph, span in phases.items():
                into = smallest.setdefault(e["dataset"], {}).setdefault(side, {})
                into[ph] = min(into.get(ph, math.inf), span["min"])
    return {name: {side: {ph: _round(nice_floor(low / factor)) for ph, low in phases.items()}
                   for side, phases in sides.items()}
            for name, sides in smallest.items()}


def claims_source(claims: dict) -> str:
    """``claims`` as the Python assignment of ``CLAIMS``, one baseline a line."""
    lines = ["CLAIMS = {"]
    for name, sides in claims.items():
        lines.append(f"    {json.dumps(name)}: {{")
        for side, phases in sides.items():
            ranges = ", ".join(f"{json.dumps(ph)}: {low!r}" for ph, low in phases.items())
            lines.append(f"        {json.dumps(side)}: {{{ranges}}},")
        lines.append("    },")
    return "\n".join(lines + ["}"])


def check(summary: list[dict], claims: dict | None = None,
          threads: int = CLAIM_THREADS) -> list[dict]:
    """Every measured ratio range of ``threads`` threads beside its claimed lower bound: one
    row per (dataset, condition, baseline, phase) with ``ok`` False when the smallest ratio is
    below the bound, None when no claim covers it."""
    claims = CLAIMS if claims is None else claims
    rows = []
    for e in summary:
        if e["threads"] != threads:
            continue
        for side, phases in e["ratios"].items():
            for ph, span in phases.items():
                bound = claims.get(e["dataset"], {}).get(side, {}).get(ph)
                ok = None if bound is None else span["min"] >= bound
                rows.append({"dataset": e["dataset"], "condition": e.get("condition", "ambient"),
                             "side": side, "phase": ph, "min": span["min"], "max": span["max"],
                             "claim": bound, "ok": ok})
    return rows


def check_text(rows: list[dict]) -> str:
    """:func:`check`'s rows as aligned lines, then a count of the ratios below bound."""
    lines = []
    for r in rows:
        claim = "no claim" if r["claim"] is None else f"claim >= {r['claim']:g}x"
        verdict = {True: "ok", False: "BELOW", None: "-"}[r["ok"]]
        lines.append(f"{r['dataset']:14s} {r['condition']:8s} {r['side']:17s} {r['phase']:8s} "
                     f"measured {r['min']:8.3g}-{r['max']:<8.3g}x {claim:22s} {verdict}")
    failed = sum(r["ok"] is False for r in rows)
    checked = sum(r["ok"] is not None for r in rows)
    lines.append(f"{failed} of {checked} claimed ratio ranges below their bounds")
    return "\n".join(lines)


def _summaries(paths: list[str]) -> list[list[dict]]:
    return [json.loads(Path(p).read_text())["torchhd"]["summary"] for p in paths]


def main(argv: list[str] | None = None) -> int:
    """``--worker SPEC``: one measurement (used by :func:`run_child`); ``--ranges A.json
    B.json ...``: the merged ranges of several runs of bench_learn as a markdown table;
    ``--propose A.json ...``: ranges for ``CLAIMS`` from those runs; ``--check A.json ...``:
    each run against ``CLAIMS`` (exit status 1 when a ratio falls below its bound)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        record = worker(json.loads(argv[1]))
        print(json.dumps(record, default=float))
    elif argv[:1] == ["--ranges"] and argv[1:]:
        print(markdown_table(merge_ranges(_summaries(argv[1:]))))
    elif argv[:1] == ["--propose"] and argv[1:]:
        print(f"# from {', '.join(argv[1:])}: {CLAIM_THREADS} thread(s), every condition, "
              f"smallest ratio / {CLAIM_FACTOR:g}, rounded down")
        print(claims_source(propose(_summaries(argv[1:]))))
    elif argv[:1] == ["--check"] and argv[1:]:
        failed = 0
        for path, summary in zip(argv[1:], _summaries(argv[1:]), strict=True):
            rows = check(summary)
            print(f"== {path}\n{check_text(rows)}")
            failed += sum(r["ok"] is False for r in rows)
        return 1 if failed else 0
    else:
        raise SystemExit("usage: _comparison.py --worker SPEC_JSON | --ranges RUN.json ... | "
                         "--propose RUN.json ... | --check RUN.json ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
