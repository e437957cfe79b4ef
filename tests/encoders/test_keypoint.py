"""Tests of encoders.KeypointEncoder: kernels and encodings against naive numpy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import KeypointEncoder, ProjectionEncoder
from encoders import _keypoint_kernels as kk
from hdc._validation import readonly
from vision import SIFT, Keypoints

# The encoder takes a sequence of feature sets (or images), one per sample, and rejects a 2-D
# numeric array X instead of guessing what its rows are. The checks below feed such arrays;
# everything they verify on 2-D input is tested here on lists of feature sets instead
# (determinism, fit idempotence, sample order and subset invariance, pickling, NaN rejection,
# empty input). The API checks (get/set_params, clone, repr, tags, init, sparse rejection...)
# run and pass.
_REJECTS_2D = "X must be a sequence of feature sets or images; a 2-D numeric array is rejected"
EXPECTED_FAILED_CHECKS = {
    name: _REJECTS_2D
    for name in (
        "check_fit_score_takes_y",
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_complex_data",
        "check_dtype_object",
        "check_estimators_empty_data_messages",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_general",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
    )
}
EXPECTED_FAILED_CHECKS["check_transformer_data_not_an_array"] = (
    "X wrapped in sklearn's _NotAnArray is neither a sequence of feature sets nor an array"
)


@parametrize_with_checks(
    [KeypointEncoder(dim=256, n_tables=2, hash_bits=8)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------------ helpers
def _feature_sets(seed: int, sizes=(12, 7, 0, 30), d: int = 16, keypoints: bool = False):
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        xy = rng.uniform(0, 100, size=(n, 2))
        desc = rng.random((n, d)).astype(np.float32)
        if keypoints:
            out.append((Keypoints(xy, size=rng.uniform(2, 20, n)), desc))
        else:
            out.append((xy, desc))
    return out


def _naive_keys(enc: KeypointEncoder, desc: np.ndarray) -> np.ndarray:
    """Sign bits of the centred projection, table t reading its hash_bits field, in float64."""
    x = desc.astype(np.float64)
    if enc.root_sift:
        x = np.sqrt(x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12))
    x = x.astype(np.float32).astype(np.float64)
    bits = ((x - enc.projection_.mean_) @ enc.projection_.components_.astype(np.float64)) > 0
    b = enc.hash_bits
    per_word = 64 // b
    keys = np.zeros((len(desc), enc.n_tables), dtype=np.int64)
    for t in range(enc.n_tables):
        first = 64 * (t // per_word) + (t % per_word) * b
        field = bits[:, first : first + b]
        keys[:, t] = (field * (1 << np.arange(b))).sum(axis=1)
    return keys


def _naive_word(enc: KeypointEncoder, table: int, key: int) -> np.ndarray:
    vec = np.zeros(enc.dim_ // 64, dtype=np.uint64)
    for k in range(enc.word_memory_.shape[1]):
        vec = vec ^ enc.word_memory_[table, k, (key >> (8 * k)) & 255]
    return vec


def _naive_encode(enc: KeypointEncoder, xy, size, desc) -> np.ndarray:
    """Majority, one bit at a time, over the (distinct) words bound with their geometry."""
    if len(desc) == 0:
        return enc.tie_
    keys = _naive_keys(enc, desc)
    geo_ids = np.zeros(len(desc), dtype=np.int64)
    geo = [np.zeros(enc.dim_ // 64, dtype=np.uint64) for _ in range(len(desc))]
    if enc.position_levels:
        n = enc.position_levels
        for axis, table in ((0, enc.x_levels_), (1, enc.y_levels_)):
            v = xy[:, axis]
            span = v.max() - v.min()
            q = (
                np.clip(np.rint((v - v.min()) * (n - 1) / span), 0, n - 1).astype(int)
                if span > 0 else np.full(len(v), (n - 1) // 2)
            )
            geo_ids = geo_ids * n + q
            geo = [g ^ table[qi] for g, qi in zip(geo, q, strict=True)]
    if enc.scale_levels:
        n = enc.scale_levels
        rel = np.log2(size) - np.median(np.log2(size))
        q = np.clip(np.rint((rel + 2.0) * (n - 1) / 4.0), 0, n - 1).astype(int)
        geo_ids = geo_ids * n + q
        geo = [g ^ enc.scale_levels_[qi] for g, qi in zip(geo, q, strict=True)]
    seen, vectors = set(), []
    for i in range(len(desc)):
        for t in range(enc.n_tables):
            word = (int(geo_ids[i]), t, int(keys[i, t]))
            if enc.repeated_words == "once" and word in seen:
                continue
            seen.add(word)
            vectors.append(_naive_word(enc, t, int(keys[i, t])) ^ geo[i])
    votes = hdc.unpack(np.array(vectors)).astype(np.int64).sum(axis=0)
    m = len(vectors)
    tie = hdc.unpack(enc.tie_)
    bits = np.where(2 * votes > m, 1, np.where(2 * votes < m, 0, tie))
    return hdc.pack(bits.astype(np.uint8))


# ------------------------------------------------------------------------------ kernels
@pytest.mark.parametrize("n_words", [1, 3])
def test_sign_hash_matches_numpy(n_words):
    rng = np.random.default_rng(n_words)
    X = rng.random((40, 24)).astype(np.float32)
    mean = X.mean(axis=0).astype(np.float64)
    C = rng.standard_normal((24, 64 * n_words)).astype(np.float32)
    out = np.empty((40, n_words), dtype=np.uint64)
    kk.sign_hash(readonly(X), readonly(mean), readonly(C), out)  # as the encoder passes them
    expected = hdc.pack(((X.astype(np.float64) - mean) @ C.astype(np.float64) > 0).astype(np.uint8))
    np.testing.assert_array_equal(out, expected)


def test_sign_hash_agrees_with_projection_encoder():
    X = np.random.default_rng(5).random((200, 32)).astype(np.float32)
    proj = ProjectionEncoder(dim=128, random_state=0).fit(X)
    out = np.empty((200, 2), dtype=np.uint64)
    kk.sign_hash(readonly(X), readonly(proj.mean_), readonly(proj.components_), out)
    # same projection; only float32 vs float64 rounding at a zero crossing may differ
    assert (hdc.unpack(out) != hdc.unpack(proj.transform(X))).mean() < 1e-3


def test_word_vectors_kernel_matches_numpy():
    rng = np.random.default_rng(0)
    memory = hdc.random(3 * 2 * 256, 192, rng).reshape(3, 2, 256, 3)
    tables = rng.integers(0, 3, 50)
    keys = rng.integers(0, 2**16, 50)
    out = np.empty((50, 3), dtype=np.uint64)
    kk.word_vectors(readonly(tables), readonly(keys), readonly(memory), out)
    expected = memory[tables, 0, keys & 255] ^ memory[tables, 1, keys >> 8]
    np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------------------ encodings
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"hash_bits": 5, "n_tables": 7},
        {"hash_bits": 20, "n_tables": 3, "repeated_words": "count"},
        {"hash_bits": 3, "n_tables": 2},  # few buckets: many repeated words
        {"hash_bits": 3, "n_tables": 2, "repeated_words": "count"},
        {"position_levels": 4},
        {"position_levels": 3, "scale_levels": 5, "hash_bits": 6},
        {"scale_levels": 4, "root_sift": True},
    ],
)
def test_matches_naive_reference(params):
    feats = _feature_sets(0, keypoints=True)
    enc = KeypointEncoder(dim=192, batch_size=3, random_state=1, **params).fit(feats)
    H = enc.transform(feats)
    for row, (kp, desc) in zip(H, feats, strict=True):
        expected = _naive_encode(enc, kp.xy.astype(np.float64), kp.size.astype(np.float64), desc)
        np.testing.assert_array_equal(row, expected)


def test_keys_match_naive_reference():
    feats = _feature_sets(3, sizes=(50,), d=128)
    enc = KeypointEncoder(dim=128, n_tables=9, hash_bits=13, random_state=0).fit(feats)
    desc = feats[0][1]
    keys = enc.keys(desc)
    assert keys.min() >= 0 and keys.max() < 2**13
    np.testing.assert_array_equal(keys, _naive_keys(enc, desc))
    words = enc.word_vectors(desc)
    assert words.shape == (50, 9, 2)
    np.testing.assert_array_equal(words[4, 7], _naive_word(enc, 7, int(keys[4, 7])))


def test_empty_feature_set_is_tie_vector():
    feats = _feature_sets(1, sizes=(5, 0))
    enc = KeypointEncoder(dim=128, random_state=0).fit(feats)
    H = enc.transform(feats + [(np.empty((0, 2)), np.empty((0, 16)))])
    np.testing.assert_array_equal(H[1], enc.tie_)
    np.testing.assert_array_equal(H[2], enc.tie_)
    assert not np.array_equal(H[0], enc.tie_)


def test_fit_on_only_empty_sets():
    feats = [(np.empty((0, 2)), np.empty((0, 8)))]
    enc = KeypointEncoder(dim=64, random_state=0).fit(feats)
    assert enc.n_descriptor_features_ == 8
    np.testing.assert_array_equal(enc.transform(feats)[0], enc.tie_)


def test_deterministic_and_seed_dependent():
    feats = _feature_sets(2)
    a = KeypointEncoder(dim=256, random_state=7).fit_transform(feats)
    b = clone(KeypointEncoder(dim=256, random_state=7)).fit(feats).transform(feats)
    c = KeypointEncoder(dim=256, random_state=8).fit_transform(feats)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    enc = KeypointEncoder(dim=256, random_state=7).fit(feats)
    np.testing.assert_array_equal(enc.fit(feats).transform(feats), a)  # fit is idempotent


def test_batches_subsets_and_order_do_not_matter():
    feats = _feature_sets(4, sizes=(9, 3, 0, 14, 6))
    enc = KeypointEncoder(dim=128, batch_size=2, random_state=0).fit(feats)
    H = enc.transform(feats)
    np.testing.assert_array_equal(enc.set_params(batch_size=100).transform(feats), H)
    np.testing.assert_array_equal(enc.transform(feats[::-1]), H[::-1])
    np.testing.assert_array_equal(enc.transform(feats[1:3]), H[1:3])


def test_pickle_roundtrip():
    import pickle

    feats = _feature_sets(6)
    enc = KeypointEncoder(dim=128, position_levels=3, random_state=0).fit(feats)
    again = pickle.loads(pickle.dumps(enc))
    np.testing.assert_array_equal(again.transform(feats), enc.transform(feats))


@settings(max_examples=min(20, settings.default.max_examples))
@given(st.integers(1, 25), st.integers(0, 2**31 - 1))
def test_bag_laws(n, seed):
    """Keypoint order never matters; with repeated_words='once' duplicates change nothing."""
    rng = np.random.default_rng(seed)
    xy, desc = rng.random((n, 2)) * 50, rng.random((n, 16))
    enc = KeypointEncoder(dim=128, n_tables=3, hash_bits=6, random_state=0).fit([(xy, desc)])
    perm = rng.permutation(n)
    dup = np.concatenate([np.arange(n), rng.integers(0, n, n)])
    H = enc.transform([(xy, desc), (xy[perm], desc[perm]), (xy[dup], desc[dup])])
    np.testing.assert_array_equal(H[1], H[0])
    np.testing.assert_array_equal(H[2], H[0])


def test_shared_descriptors_raise_similarity():
    rng = np.random.default_rng(9)
    base = rng.random((200, 128))
    other = rng.random((200, 128))
    partial = np.vstack([base[:100], rng.random((100, 128))])
    noisy = np.clip(base + rng.normal(0, 0.01, base.shape), 0, None)
    sets = [(np.zeros((200, 2)), d) for d in (base, partial, noisy, other)]
    enc = KeypointEncoder(dim=4096, random_state=0).fit(sets)
    H = enc.transform(sets)
    s = hdc.similarity(H[0], H)
    assert s[2] > s[1] > s[3] + 0.05
    assert abs(s[3] - 0.5) < 0.05


def test_position_binding_invariances():
    rng = np.random.default_rng(10)
    xy, desc = rng.random((40, 2)) * 80, rng.random((40, 16))
    moved = xy * 1.7 + [13.0, -4.0]  # translation and uniform scaling
    enc = KeypointEncoder(dim=256, position_levels=5, random_state=0).fit([(xy, desc)])
    H = enc.transform([(xy, desc), (moved, desc), (xy[:, ::-1], desc)])
    np.testing.assert_array_equal(H[0], H[1])
    assert not np.array_equal(H[0], H[2])  # transposed layout differs
    plain = KeypointEncoder(dim=256, random_state=0).fit([(xy, desc)])
    G = plain.transform([(xy, desc), (xy[:, ::-1], desc)])
    np.testing.assert_array_equal(G[0], G[1])  # without binding positions are ignored


def _blob_image(seed: int, side: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side]
    img = np.zeros((side, side))
    for _ in range(6):
        cx, cy, s = rng.uniform(10, side - 10), rng.uniform(10, side - 10), rng.uniform(2, 5)
        img += rng.uniform(0.4, 1.0) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
    return (255 * img / img.max()).astype(np.uint8)


def test_images_equal_their_sift_features():
    sift = SIFT(max_features=30)
    images = [_blob_image(0), _blob_image(1), np.zeros((32, 32), np.uint8)]
    feats = [sift.detect_and_compute(im) for im in images]
    assert len(feats[0][0]) > 0 and len(feats[2][0]) == 0
    enc = KeypointEncoder(dim=256, scale_levels=3, sift=sift, random_state=0)
    from_images = enc.fit_transform(images)
    np.testing.assert_array_equal(enc.transform(images), from_images)
    np.testing.assert_array_equal(enc.transform(feats), from_images)
    np.testing.assert_array_equal(from_images[2], enc.tie_)  # constant image: no keypoints
    stack = np.stack([images[0], images[1]])
    np.testing.assert_array_equal(enc.transform(stack), from_images[:2])


def test_default_detector_is_vision_sift():
    image = _blob_image(3)
    enc = KeypointEncoder(dim=128, random_state=0).fit([image])
    np.testing.assert_array_equal(
        enc.transform([image]), enc.transform([SIFT().detect_and_compute(image)])
    )


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_tables": 0}, ValueError, "n_tables"),
        ({"hash_bits": 33}, ValueError, "hash_bits"),
        ({"hash_bits": 2.5}, TypeError, "hash_bits"),
        ({"repeated_words": "twice"}, ValueError, "repeated_words"),
        ({"root_sift": "yes"}, TypeError, "root_sift"),
        ({"position_levels": -1}, ValueError, "position_levels"),
        ({"sift": object()}, TypeError, "sift"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"dim": 0}, ValueError, "dim"),
    ],
)
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        KeypointEncoder(**params).fit(_feature_sets(0))


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((5, 128)), ValueError, "wrap a single image"),
        ((np.zeros((20, 2)), np.ones((20, 16))), TypeError, "single .* pair"),
        ("image.png", TypeError, "list"),
        ([], ValueError, "empty"),
        ([42], TypeError, r"X\[0\]"),
        ([(np.zeros((3, 2)), np.zeros((4, 16)))], ValueError, "3 keypoints but 4 descriptors"),
        ([(np.zeros((3, 3)), np.zeros((3, 16)))], ValueError, r"xy\) must have shape \(n, 2\)"),
        ([(np.zeros((2, 2)), np.array([[np.nan] * 4] * 2))], ValueError, "NaN"),
        ([(np.zeros((2, 2)), np.ones((2, 4))), (np.zeros((2, 2)), np.ones((2, 5)))],
         ValueError, "same length"),
        ([(np.zeros((2, 2)), "desc")], TypeError, "descriptors"),
        ([np.zeros((4, 4, 4, 4))], ValueError, "image must be 2-D"),
        (np.zeros((40, 40, 3), np.uint8), ValueError, "single colour image"),
        ([np.zeros((8, 8), np.uint8)], ValueError, r"X\[0\] \(an image\): .*16x16"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        KeypointEncoder(dim=64).fit(X)


def test_root_sift_needs_non_negative_descriptors():
    feats = [(np.zeros((2, 2)), -np.ones((2, 4)))]
    with pytest.raises(ValueError, match="root_sift"):
        KeypointEncoder(dim=64, root_sift=True).fit(feats)
    assert KeypointEncoder(dim=64).fit(feats).transform(feats).shape == (1, 1)


def test_transform_errors():
    feats = _feature_sets(0)
    enc = KeypointEncoder(dim=64, random_state=0)
    with pytest.raises(Exception, match="not fitted"):
        enc.transform(feats)
    enc.fit(feats)
    with pytest.raises(ValueError, match="length 8, but this encoder was fitted on .* 16"):
        enc.transform([(np.zeros((2, 2)), np.ones((2, 8)))])
    scaled = KeypointEncoder(dim=64, scale_levels=3, random_state=0)
    with pytest.raises(ValueError, match="scale_levels=3 needs keypoint sizes"):
        scaled.fit(feats)
