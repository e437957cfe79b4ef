"""SIFT and scale_space_blobs on synthetic images with known answers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.spatial import cKDTree

from vision import SIFT, Keypoints, scale_space_blobs

from ._images import gaussian_blob, texture


@pytest.mark.parametrize(("x0", "y0", "sigma"), [(30.3, 20.6, 4.0), (40.0, 40.0, 2.0),
                                                 (50.7, 45.2, 6.0)])
def test_blob_found_at_its_position_and_scale(x0, y0, sigma):
    img = gaussian_blob((96, 96), x0, y0, sigma)
    blobs = scale_space_blobs(img)
    x, y, s, resp = blobs[np.argmax(np.abs(blobs[:, 3]))]
    assert abs(x - x0) < 0.05 and abs(y - y0) < 0.05
    assert s == pytest.approx(sigma, rel=0.03)
    assert resp < 0  # bright blob: negative DoG
    dark = scale_space_blobs(1.0 - img)
    xd, yd, sd, rd = dark[np.argmax(np.abs(dark[:, 3]))]
    assert rd > 0 and abs(xd - x0) < 0.05 and abs(yd - y0) < 0.05
    assert sd == pytest.approx(s, rel=1e-4)


def test_blob_positions_are_unbiased_without_upsampling_too():
    img = gaussian_blob((80, 80), 37.25, 41.5, 3.0)
    for upsample in (True, False):
        b = scale_space_blobs(img, upsample=upsample)
        x, y = b[np.argmax(np.abs(b[:, 3])), :2]
        assert abs(x - 37.25) < 0.05 and abs(y - 41.5) < 0.05


def test_two_blobs_of_different_scales():
    img = gaussian_blob((128, 128), 35.0, 40.0, 2.5) + gaussian_blob((128, 128), 90.0, 80.0, 7.0)
    b = scale_space_blobs(img / img.max())
    strong = b[np.abs(b[:, 3]) > 0.5 * np.abs(b[:, 3]).max()]
    found = {(round(float(x)), round(float(y))): float(s) for x, y, s, _ in strong}
    assert found.keys() == {(35, 40), (90, 80)}
    assert found[(35, 40)] == pytest.approx(2.5, rel=0.05)
    assert found[(90, 80)] == pytest.approx(7.0, rel=0.05)


def test_detect_and_compute_shapes_and_descriptor_properties():
    img = texture()
    kp, desc = SIFT(root_sift=False).detect_and_compute(img)
    assert isinstance(kp, Keypoints) and len(kp) > 50
    assert desc.shape == (len(kp), 128) and desc.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(desc, axis=1), 1.0, atol=1e-5)
    assert desc.min() >= 0
    assert np.all((kp.angle >= 0) & (kp.angle < 360))
    assert np.all(kp.size > 0) and np.all(kp.response > 0)
    assert set(np.unique(kp.octave)) <= set(range(-1, 6))
    h, w = img.shape
    assert np.all((kp.xy >= 0) & (kp.xy <= [w - 1, h - 1]))


def test_root_sift_is_sqrt_of_l1_normalised_sift():
    img = texture(seed=4)
    kp, plain = SIFT(root_sift=False).detect_and_compute(img)
    kp2, root = SIFT(root_sift=True).detect_and_compute(img)
    assert kp == kp2
    want = np.sqrt(plain / plain.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(root, want, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(root, axis=1), 1.0, atol=1e-5)


def test_compute_reproduces_detect_and_compute():
    img = texture(seed=2)
    sift = SIFT()
    kp, desc = sift.detect_and_compute(img)
    assert sift.detect(img) == kp
    again = sift.compute(img, kp)
    np.testing.assert_allclose(again, desc, atol=2e-4)


def test_compute_accepts_opencv_keypoints_and_upright_default():
    img = texture(seed=3)
    kps = Keypoints.from_cv2(cv2.SIFT_create().detect(img, None))
    desc = SIFT().compute(img, kps)
    assert desc.shape == (len(kps), 128)
    np.testing.assert_allclose(np.linalg.norm(desc, axis=1), 1.0, atol=1e-5)
    upright = SIFT().compute(img, Keypoints(kps.xy, kps.size))  # angle -1 -> 0 degrees
    zero = SIFT().compute(img, Keypoints(kps.xy, kps.size, np.zeros(len(kps))))
    np.testing.assert_array_equal(upright, zero)


def _rotation_agreement(kp, desc, kp_r, desc_r, mapped, radius, max_angle, max_desc):
    tree = cKDTree(kp_r.xy)
    good = np.zeros(len(kp), bool)
    for i, near in enumerate(tree.query_ball_point(mapped, r=radius)):
        near = np.array(near, dtype=np.int64)
        if len(near) == 0:
            continue
        dang = (kp_r.angle[near] - (kp.angle[i] - 90.0)) % 360.0
        dang = np.minimum(dang, 360.0 - dang)
        ddesc = np.linalg.norm(desc_r[near] - desc[i], axis=1)
        same_size = np.isclose(kp_r.size[near], kp.size[i], rtol=0.05)
        good[i] = np.any((dang < max_angle) & (ddesc < max_desc) & same_size)
    return good


def test_rotation_by_90_degrees_maps_keypoints_angles_and_descriptors():
    img = texture(seed=1)
    sift = SIFT()
    kp, desc = sift.detect_and_compute(img)
    kp_r, desc_r = sift.detect_and_compute(np.rot90(img).copy())
    w = img.shape[1]
    mapped = np.stack([kp.xy[:, 1], w - 1 - kp.xy[:, 0]], axis=1)  # np.rot90: (x, y) -> (y, w-1-x)
    # the up-sampled octave of an even-sized image is sampled symmetrically: exact equivariance
    base = kp.octave == -1
    exact = _rotation_agreement(kp[base], desc[base], kp_r, desc_r, mapped[base], 0.01, 1.0, 0.05)
    assert base.sum() > 100 and exact.mean() > 0.95
    # decimated octaves sample a shifted grid after rotation: close, not identical
    close = _rotation_agreement(kp, desc, kp_r, desc_r, mapped, 0.5, 5.0, 0.25)
    assert close.mean() > 0.85


def test_deterministic():
    img = texture(seed=6)
    kp1, d1 = SIFT().detect_and_compute(img)
    kp2, d2 = SIFT().detect_and_compute(img)
    assert kp1 == kp2
    np.testing.assert_array_equal(d1, d2)


def test_input_types_give_the_same_keypoints():
    img = texture(seed=5)
    ref = SIFT().detect(img)
    assert SIFT().detect(img[:, :, None]) == ref
    for other in (img.astype(np.float32) / 255, img.astype(np.float64) / 255,
                  img.astype(np.uint16) * 257, np.dstack([img, img, img])):
        kp = SIFT().detect(other)  # float rounding differs in the last bit
        assert len(kp) == len(ref)
        np.testing.assert_allclose(kp.xy, ref.xy, atol=1e-3)
        np.testing.assert_allclose(kp.size, ref.size, rtol=1e-4)


def test_colour_is_converted_like_opencv():
    rng = np.random.default_rng(0)
    bgr = cv2.GaussianBlur((rng.random((64, 64, 3)) * 255).astype(np.uint8), (0, 0), 1.5)
    a = SIFT().detect(bgr)
    b = SIFT().detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    assert abs(len(a) - len(b)) <= 0.1 * len(b)  # OpenCV rounds to uint8 gray; we do not


def test_mask_and_max_features():
    img = texture(seed=7)
    full = SIFT().detect(img)
    mask = np.zeros(img.shape, np.uint8)
    mask[:, : img.shape[1] // 2] = 1
    half = SIFT().detect(img, mask=mask)
    assert 0 < len(half) < len(full)
    assert np.all(np.rint(half.xy[:, 0]) < img.shape[1] // 2)
    top = SIFT(max_features=10).detect(img)
    assert len(top) == 10
    assert top.response.min() >= np.sort(full.response)[-10]


def test_constant_and_small_images():
    for value in (0, 128, 255):
        kp, desc = SIFT().detect_and_compute(np.full((40, 50), value, np.uint8))
        assert len(kp) == 0 and desc.shape == (0, 128)
    assert scale_space_blobs(np.zeros((16, 16))).shape == (0, 4)
    kp, desc = SIFT().detect_and_compute(texture((16, 16)))  # smallest accepted size
    assert desc.shape == (len(kp), 128)


@pytest.mark.parametrize(
    ("image", "error", "words"),
    [
        (np.zeros((15, 40), np.uint8), ValueError, ["at least 16x16", "15x40"]),
        (np.zeros((0, 0), np.uint8), ValueError, ["at least"]),
        (np.zeros((20, 20, 2), np.uint8), ValueError, ["shape", "(20, 20, 2)"]),
        (np.zeros((20, 20), bool), TypeError, ["dtype", "bool"]),
        (np.zeros((20, 20), np.int64), TypeError, ["dtype", "int64"]),
        (np.full((20, 20), np.nan), ValueError, ["NaN"]),
        (np.full((20, 20), 200.0), ValueError, ["[0, 1]", "200"]),
        ([[0] * 20] * 20, TypeError, ["numpy array", "list"]),
    ],
)
def test_bad_images_raise_clear_errors(image, error, words):
    with pytest.raises(error) as info:
        SIFT().detect_and_compute(image)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("params", "error", "name"),
    [
        ({"sigma": -1.0}, ValueError, "sigma"),
        ({"n_octave_layers": 2.5}, TypeError, "n_octave_layers"),
        ({"contrast_threshold": float("nan")}, ValueError, "contrast_threshold"),
        ({"peak_ratio": 1.5}, ValueError, "peak_ratio"),
        ({"max_features": 0}, ValueError, "max_features"),
        ({"n_hist": True}, TypeError, "n_hist"),
    ],
)
def test_bad_parameters_are_named(params, error, name):
    with pytest.raises(error, match=name):
        SIFT(**params).detect(texture((32, 32)))


def test_bad_mask_and_keypoints():
    img = texture((32, 32))
    with pytest.raises(ValueError, match="mask"):
        SIFT().detect(img, mask=np.ones((10, 10)))
    with pytest.raises(TypeError, match="Keypoints"):
        SIFT().compute(img, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="size"):
        SIFT().compute(img, Keypoints([[5.0, 5.0]], size=[0.0]))


def test_compute_on_odd_keypoints_does_not_crash():
    img = texture((40, 40))
    kps = Keypoints([[500.0, -300.0], [20.0, 20.0], [20.0, 20.0], [1.0, 39.0]],
                    size=[4.0, 1e9, 0.01, 3.0], angle=[10.0, 725.0, -1.0, 359.99],
                    octave=[0, 90, -7, 0])
    desc = SIFT().compute(img, kps)
    assert desc.shape == (4, 128) and np.isfinite(desc).all()
    assert not desc[0].any()  # window outside the image: zero descriptor
    assert not desc[2].any()  # window smaller than a pixel, between samples: zero descriptor
    np.testing.assert_allclose(np.linalg.norm(desc[[1, 3]], axis=1), 1.0, atol=1e-5)


def test_max_features_keeps_the_descriptors_of_the_strongest_keypoints():
    img = texture(seed=8)
    kp_all, d_all = SIFT().detect_and_compute(img)
    kp_top, d_top = SIFT(max_features=15).detect_and_compute(img)
    assert len(kp_top) == 15 and d_top.shape == (15, 128)
    for i in range(15):
        same = np.flatnonzero(np.all(kp_all.xy == kp_top.xy[i], axis=1)
                              & (kp_all.angle == kp_top.angle[i]))
        assert len(same) == 1
        np.testing.assert_array_equal(d_all[same[0]], d_top[i])
