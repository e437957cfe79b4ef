"""AssociativeMemory under concurrent add and query (see its Notes on thread-safety)."""

import pickle
import sys
from pathlib import Path

import numpy as np

import hdc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from concurrent_memory import run  # noqa: E402


def test_concurrent_add_and_query_give_no_error_and_right_labels():
    result = run(queries=4000, readers=3, writers=2, dim=256, batch=4)
    assert result["errors"] == 0, result["first_errors"]
    assert result["wrong_labels"] == 0
    assert result["stored_at_end"] > 64  # the writers did add while queries ran


def test_snapshots_are_read_only_and_stable():
    memory = hdc.AssociativeMemory(128)
    x = hdc.random(40, 128, random_state=0)
    memory.add(x[:20], range(20))
    vectors, labels = memory.vectors, memory.labels
    memory.add(x[20:], range(20, 40))
    assert vectors.shape == (20, 2) and len(labels) == 20
    assert not vectors.flags.writeable
    assert len(memory) == 40 and np.array_equal(memory.vectors, x)


def test_pickle_round_trip_keeps_contents_and_a_working_lock():
    memory = hdc.AssociativeMemory(128)
    x = hdc.random(5, 128, random_state=1)
    memory.add(x, list("abcde"))
    copy = pickle.loads(pickle.dumps(memory))
    copy.add(hdc.random(1, 128, random_state=2), ["f"])
    assert len(copy) == 6 and len(memory) == 5
    assert copy.query(x[2])[0][0] == "c"
