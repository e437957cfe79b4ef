"""Tests of encoders.ConvolutionEncoder against a naive numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import ConvolutionEncoder

# The encoder reads every row of X as an image. scikit-learn's checks feed rows of 1 to 10
# features that are mostly not square images (or are smaller than a 3x3 patch); the encoder then
# raises a ValueError asking for image_shape, and those checks cannot run. Everything they
# verify is tested below on image data (determinism, batches, pickling, NaN rejection, Dask).
_NOT_IMAGES = "rows of the check's data are not square images of at least 3x3 pixels"
EXPECTED_FAILED_CHECKS = {
    name: _NOT_IMAGES
    for name in (
        "check_estimators_dtypes",
        "check_fit_score_takes_y",
        "check_estimators_fit_returns_self",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_dtype_object",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
        "check_n_features_in_after_fitting",
        "check_readonly_memmap_input",
        "check_positive_only_tag_during_fit",
        "check_requires_y_none",
    )
}


@parametrize_with_checks(
    [ConvolutionEncoder(dim=128)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _images(n=20, shape=(11, 9), seed=0):
    X = np.random.default_rng(seed).random((n, *shape))
    X[X < 0.3] = 0.0  # blank pixels take the kernel's zero-skipping branch
    return X


def _naive(enc: ConvolutionEncoder, images: np.ndarray) -> np.ndarray:
    """Responses by einsum over all windows, max-pooling by loops, bits in filter-major order."""
    k, pool = enc.patch_size, enc.pool_size
    windows = sliding_window_view(images.astype(np.float32), (k, k), axis=(1, 2))
    responses = np.einsum("nyxab,fab->nyxf", windows, enc.filters_)
    n, oh, ow, n_filters = responses.shape
    gh, gw = enc.grid_shape_
    best = np.full((n, gh, gw, n_filters), -np.inf)
    for y in range(oh):
        for x in range(ow):
            cell = best[:, y // pool, x // pool]
            np.maximum(cell, responses[:, y, x], out=cell)
    bits = best > enc.thresholds_
    bits = bits.reshape(n, gh * gw, n_filters).transpose(0, 2, 1).reshape(n, -1)
    return hdc.pack(bits[:, : enc.dim_].astype(np.uint8))


@pytest.mark.parametrize(
    "shape, patch, pool, dim",
    [((11, 9), 3, 2, 300), ((8, 8), 2, 1, 64), ((12, 12), 5, 3, 1000), ((9, 14), 4, 4, 130)],
)
def test_matches_naive_reference(shape, patch, pool, dim):
    X = _images(shape=shape)
    enc = ConvolutionEncoder(
        dim=dim, patch_size=patch, pool_size=pool, batch_size=7, random_state=0
    ).fit(X)
    oh, ow = shape[0] - patch + 1, shape[1] - patch + 1
    assert enc.grid_shape_ == (-(-oh // pool), -(-ow // pool))
    assert enc.n_filters_ * enc.n_cells_ >= enc.dim_ > (enc.n_filters_ - 1) * enc.n_cells_
    np.testing.assert_array_equal(enc.transform(X), _naive(enc, X))


def test_filters_are_zero_mean_and_thresholds_are_quantiles():
    X = _images(n=30)
    enc = ConvolutionEncoder(dim=256, quantile=0.6, random_state=1).fit(X)
    np.testing.assert_allclose(enc.filters_.sum(axis=(1, 2)), 0.0, atol=1e-5)
    windows = sliding_window_view(X.astype(np.float32), (3, 3), axis=(1, 2))
    responses = np.einsum("nyxab,fab->nyxf", windows, enc.filters_).reshape(-1, enc.n_filters_)
    share = (responses > enc.thresholds_).mean(axis=0)
    np.testing.assert_allclose(share, 0.4, atol=0.01)


def test_thresholds_from_a_bounded_sample_hold_on_all_images():
    # small images and many filters: fit samples 2**24 // (36 positions * 1117 filters) = 417 of
    # the 2,000 images, and the quantile still holds on all of them
    X = _images(n=2000, shape=(8, 8), seed=3)
    enc = ConvolutionEncoder(dim=10000, random_state=0).fit(X)
    assert enc.n_filters_ == 1117
    windows = sliding_window_view(X.astype(np.float32), (3, 3), axis=(1, 2))
    responses = np.einsum("nyxab,fab->nyxf", windows, enc.filters_[:50]).reshape(-1, 50)
    share = (responses > enc.thresholds_[:50]).mean(axis=0)
    np.testing.assert_allclose(share, 0.25, atol=0.02)


def test_brightness_offset_does_not_change_the_code():
    # zero-mean filters: adding a constant to an image leaves every response unchanged
    X = np.round(_images(n=10) * 8) / 8  # dyadic values: the offset sums are exact
    enc = ConvolutionEncoder(dim=512, random_state=0).fit(X)
    np.testing.assert_array_equal(enc.transform(X + 2.0), enc.transform(X))


def test_flat_rows_3d_stacks_and_image_shape_agree():
    X = _images(shape=(10, 10))
    a = ConvolutionEncoder(dim=256, random_state=3).fit(X)
    b = ConvolutionEncoder(dim=256, random_state=3).fit(X.reshape(20, -1))
    c = ConvolutionEncoder(dim=256, image_shape=(10, 10), random_state=3).fit(X.reshape(20, -1))
    expected = a.transform(X)
    np.testing.assert_array_equal(b.transform(X.reshape(20, -1)), expected)
    np.testing.assert_array_equal(c.transform(X), expected)
    np.testing.assert_array_equal(a.transform(list(X)), expected)
    assert a.image_shape_ == b.image_shape_ == (10, 10) and a.n_features_in_ == 100


def test_batches_determinism_and_seeds():
    X = _images(n=25)
    a = ConvolutionEncoder(dim=256, batch_size=4, random_state=5).fit_transform(X)
    b = ConvolutionEncoder(dim=256, batch_size=1000, random_state=5).fit_transform(X)
    c = ConvolutionEncoder(dim=256, random_state=6).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (25, 4) and a.dtype == np.uint64
    assert not np.array_equal(a, c)


def test_similar_images_get_similar_codes():
    X = _images(n=2, shape=(16, 16), seed=4)
    shifted = np.roll(X[0], 1, axis=1)[None]
    enc = ConvolutionEncoder(dim=2048, random_state=0).fit(np.concatenate([X, shifted]))
    H = enc.transform(np.concatenate([X, shifted]))
    # a one-pixel shift stays closer than an unrelated image
    assert hdc.hamming(H[0], H[2]) < hdc.hamming(H[0], H[1])


def test_dask_transform_matches():
    da = pytest.importorskip("dask.array")
    X = _images(n=12, shape=(8, 8)).reshape(12, -1)
    enc = ConvolutionEncoder(dim=192, random_state=0).fit(X)
    lazy = enc.transform(da.from_array(X, chunks=(5, 64)))
    np.testing.assert_array_equal(lazy.compute(), enc.transform(X))


def test_pickle_round_trip():
    import pickle

    X = _images(n=6)
    enc = ConvolutionEncoder(dim=128, random_state=0).fit(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(enc)).transform(X), enc.transform(X))


@pytest.mark.parametrize(
    "params, X, error, match",
    [
        ({}, np.zeros((3, 10)), ValueError, "not a square image"),
        ({"image_shape": (2, 5)}, np.zeros((3, 12)), ValueError, "10 pixels"),
        ({"image_shape": (3, -4)}, np.zeros((3, 12)), ValueError, "image_shape"),
        ({"image_shape": (4, 4)}, np.zeros((3, 5, 5)), ValueError, r"\(5, 5\) images"),
        ({"patch_size": 5}, np.zeros((3, 16)), ValueError, "patch_size=5"),
        ({"patch_size": 1}, np.zeros((3, 16)), ValueError, "patch_size"),
        ({"pool_size": 0}, np.zeros((3, 16)), ValueError, "pool_size"),
        ({"quantile": 1.0}, np.zeros((3, 16)), ValueError, "quantile"),
        ({"quantile": "0.5"}, np.zeros((3, 16)), ValueError, "quantile"),
        ({"patch_size": 2.5}, np.zeros((3, 16)), TypeError, "patch_size"),
        ({}, np.full((3, 16), np.nan), ValueError, "NaN"),
    ],
)
def test_bad_input(params, X, error, match):
    with pytest.raises(error, match=match):
        ConvolutionEncoder(dim=64, **params).fit(X)


def test_transform_checks_shape():
    enc = ConvolutionEncoder(dim=64, random_state=0).fit(_images(shape=(6, 6)))
    with pytest.raises(ValueError, match=r"\(5, 5\) images"):
        enc.transform(np.zeros((2, 5, 5)))
    with pytest.raises(ValueError, match="features"):
        enc.transform(np.zeros((2, 25)))
