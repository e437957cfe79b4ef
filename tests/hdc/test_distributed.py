"""Fitting on Dask, no mocks.

The tests marked slow start a real LocalCluster on loopback (2 worker processes); while it runs
it is Dask's default scheduler, so the tests after them in this module run on it too. Without
it (``-m "not slow"``) they run on Dask's local threads.
"""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import hdc  # noqa: E402
from encoders import NGramEncoder, RecordEncoder  # noqa: E402
from hdc import HDClassifier  # noqa: E402
from hdc.distributed import fit_dask, predict_dask, transform_dask  # noqa: E402
from hdkit.datasets import load_dataset  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, memory_limit="1GiB",
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def digits():
    X_train, X_test, y_train, y_test = load_dataset("digits")
    return X_train[:600], X_test, y_train[:600], y_test


def _same_model(a, b):
    assert np.array_equal(a.classes_, b.classes_)
    assert np.array_equal(a.counters_, b.counters_)
    assert np.array_equal(a.prototypes_, b.prototypes_)
    assert np.array_equal(a.class_count_, b.class_count_)
    assert a.n_updates_ == b.n_updates_
    assert a.margin_ == b.margin_


@pytest.mark.slow  # a two-process LocalCluster
@pytest.mark.parametrize("prototypes", ["integer", "binary"])
def test_fit_on_cluster_equals_in_memory_fit_bit_for_bit(client, digits, prototypes):
    X, X_test, y, _ = digits
    params = dict(dim=1024, epochs=4, retraining="batch", prototypes=prototypes, random_state=3)
    in_memory = HDClassifier(**params).fit(X, y)
    on_dask = fit_dask(
        HDClassifier(**params), da.from_array(X, chunks=137), da.from_array(y, chunks=137),
        client=client,
    )
    _same_model(in_memory, on_dask)
    assert np.array_equal(in_memory.predict(X_test), on_dask.predict(X_test))


def test_fit_dispatches_dask_input_and_predict_is_lazy(digits):
    X, X_test, y, y_test = digits
    clf = HDClassifier(dim=1024, epochs=10, retraining="batch", random_state=0)
    clf.fit(da.from_array(X, chunks=200), da.from_array(y, chunks=200))
    lazy = clf.predict(da.from_array(X_test, chunks=100))
    assert isinstance(lazy, da.Array)
    predicted = lazy.compute()
    assert np.array_equal(predicted, clf.predict(X_test))
    assert np.mean(predicted == y_test) > 0.9
    assert np.array_equal(predict_dask(clf, da.from_array(X_test, chunks=50)).compute(), predicted)


def test_record_encoder_ranges_come_from_exact_min_max():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 6)) * [1, 10, 100, 0.1, 5, 2]
    y = (X[:, 0] + X[:, 1] / 10 > 0).astype(int)
    params = dict(encoder=RecordEncoder(dim=512, n_levels=16), epochs=2, retraining="batch",
                  random_state=1, dim=512)
    a = HDClassifier(**params).fit(X, y)
    b = fit_dask(HDClassifier(**params), da.from_array(X, chunks=90), da.from_array(y, chunks=90))
    _same_model(a, b)
    assert np.array_equal(a.encoder_.low_, b.encoder_.low_)


def test_packed_input_and_encoder_transform_on_dask():
    rng = np.random.default_rng(1)
    protos = hdc.random(3, 512, random_state=2)
    y = rng.integers(0, 3, size=300)
    H = hdc.flip(protos[y], 0.3, random_state=3)
    a = HDClassifier(epochs=2, retraining="batch", random_state=0).fit(H, y)
    b = HDClassifier(epochs=2, retraining="batch", random_state=0).fit(
        da.from_array(H, chunks=64), da.from_array(y, chunks=64)
    )
    _same_model(a, b)
    encoder = RecordEncoder(dim=256, random_state=0).fit(rng.normal(size=(50, 4)))
    Xd = da.from_array(rng.normal(size=(70, 4)), chunks=(25, 2))
    lazy = encoder.transform(Xd)
    assert isinstance(lazy, da.Array) and lazy.dtype == np.uint64
    assert np.array_equal(lazy.compute(), encoder.transform(Xd.compute()))
    assert np.array_equal(transform_dask(encoder, Xd).compute(), lazy.compute())
    texts = np.array(["hello world", "bonjour le monde", "hallo welt"] * 5, dtype=object)
    ngrams = NGramEncoder(dim=256, random_state=0).fit(list(texts))
    lazy_text = ngrams.transform(da.from_array(texts, chunks=4))
    assert np.array_equal(lazy_text.compute(), ngrams.transform(list(texts)))


@pytest.mark.parametrize("prototypes", ["integer", "binary"])
def test_partitioned_fit_in_process_equals_in_memory_fit_bit_for_bit(digits, prototypes):
    import dask

    X, X_test, y, _ = digits
    params = dict(dim=512, epochs=3, retraining="batch", prototypes=prototypes, random_state=4)
    in_memory = HDClassifier(**params).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        on_dask = fit_dask(HDClassifier(**params), da.from_array(X, chunks=91),
                           da.from_array(y, chunks=91))
    _same_model(in_memory, on_dask)
    assert np.array_equal(in_memory.predict(X_test), on_dask.predict(X_test))
    assert not hasattr(on_dask, "_partitioned_fit")


def test_errors():
    X = da.zeros((10, 3), chunks=5)
    y = da.zeros(10, chunks=5, dtype=int)
    with pytest.raises(ValueError, match="retraining='batch'"):
        fit_dask(HDClassifier(epochs=2), X, y)
    with pytest.raises(TypeError, match="HDClassifier"):
        fit_dask(object(), X, y)
    with pytest.raises(ValueError, match="different lengths"):
        fit_dask(HDClassifier(epochs=0), X, da.zeros(9, chunks=5))
    with pytest.raises(ValueError, match="another encoder"):
        from encoders import ProjectionEncoder

        fit_dask(HDClassifier(encoder=ProjectionEncoder(dim=64), epochs=0), X, y)
    with pytest.raises(TypeError, match="Dask"):
        transform_dask(RecordEncoder(dim=64), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="X must be a dask"):
        fit_dask(HDClassifier(epochs=0), np.zeros((4, 2)), np.zeros(4))


def _object_table(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    colour[::9] = None
    size = rng.normal(size=n) * 50 + 100
    size[::13] = np.nan
    X = np.empty((n, 3), dtype=object)
    X[:, 0], X[:, 1], X[:, 2] = size.tolist(), colour, rng.integers(0, 4, size=n).tolist()
    X[n - 30:, 1] = "violet"  # a category of the last partitions only
    y = ((X[:, 1] == "red") | (rng.normal(size=n) > 1)).astype(int)
    return X, y


@pytest.mark.parametrize("sample_rows", [10_000, 50])
def test_tables_with_categories_fit_on_dask_bit_for_bit(sample_rows, monkeypatch):
    import dask

    from encoders import TableEncoder

    # 50 sampled rows of 400: the quantiles, percentiles and width come from a sample
    monkeypatch.setattr(TableEncoder, "_sample_size", lambda self, n_columns: sample_rows)
    X, y = _object_table()
    params = dict(dim=512, epochs=3, retraining="batch", random_state=2)
    in_memory = HDClassifier(**params).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        on_dask = HDClassifier(**params).fit(da.from_array(X, chunks=70),
                                             da.from_array(y, chunks=70))
    _same_model(in_memory, on_dask)
    assert on_dask.encoder_.vocabularies_ == in_memory.encoder_.vocabularies_
    assert "violet" in on_dask.encoder_.vocabularies_[0]
    np.testing.assert_array_equal(on_dask.predict(X), in_memory.predict(X))


def test_dask_dataframe_of_a_mixed_table():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _object_table(200)
    frame = pd.DataFrame({"size": X[:, 0].astype(float), "colour": X[:, 1],
                          "count": X[:, 2].astype(float)})
    params = dict(dim=256, epochs=2, retraining="batch", random_state=0)
    in_memory = HDClassifier(**params).fit(X, y)
    on_dask = HDClassifier(**params).fit(dd.from_pandas(frame, npartitions=3),
                                         dd.from_pandas(pd.Series(y), npartitions=3))
    _same_model(in_memory, on_dask)


def test_one_class_on_dask_is_an_error():
    X = da.from_array(np.random.default_rng(0).normal(size=(20, 3)), chunks=10)
    with pytest.raises(ValueError, match="at least 2 classes"):
        HDClassifier(dim=64, epochs=0).fit(X, da.zeros(20, chunks=10, dtype=int))
