"""Keypoints container, descriptor matching and homography estimation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision import Keypoints, find_homography, match


# -- Keypoints ---------------------------------------------------------------------------------
def _keypoints():
    return Keypoints(
        [[1.5, 2.25], [10.0, 3.0], [7.75, 9.5]], size=[3.2, 6.4, 12.8],
        angle=[0.0, 359.5, 90.25], response=[0.01, 0.02, 0.03], octave=[-1, 0, 2],
    )


def test_keypoints_cv2_round_trip():
    kp = _keypoints()
    cv = kp.to_cv2()
    assert all(isinstance(k, cv2.KeyPoint) for k in cv)
    assert cv[1].pt == (10.0, 3.0) and cv[2].angle == pytest.approx(90.25)
    assert cv[0].octave & 0xFF == 0xFF  # -1 packed as OpenCV does
    assert Keypoints.from_cv2(cv) == kp


def test_keypoints_from_opencv_sift_unpacks_octaves():
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur((rng.random((80, 80)) * 255).astype(np.uint8), (0, 0), 1.5)
    cv = cv2.SIFT_create().detect(img, None)
    kp = Keypoints.from_cv2(cv)
    assert len(kp) == len(cv) > 0
    np.testing.assert_allclose(kp.xy, [k.pt for k in cv], rtol=1e-6)
    assert set(np.unique(kp.octave)) <= {-1, 0, 1, 2, 3}
    assert len(Keypoints.from_cv2([])) == 0


def test_keypoints_indexing_and_concatenation():
    kp = _keypoints()
    assert len(kp) == 3 and repr(kp) == "Keypoints(n=3)"
    assert kp[-1].octave.tolist() == [2] and kp[0].xy.tolist() == [[1.5, 2.25]]
    assert len(kp[np.array([True, False, True])]) == 2
    assert kp[[2, 0]].size.tolist() == pytest.approx([12.8, 3.2])
    assert Keypoints.concatenate([kp[:1], kp[1:]]) == kp
    with pytest.raises(IndexError):
        kp[3]
    assert kp.xy.dtype == np.float32 and kp.octave.dtype == np.int32


def test_keypoints_validation():
    with pytest.raises(ValueError, match=r"xy must have shape \(n, 2\)"):
        Keypoints(np.zeros((3, 3)), size=np.ones(3))
    with pytest.raises(ValueError, match="size must have 2 entries"):
        Keypoints(np.zeros((2, 2)), size=np.ones(3))
    empty = Keypoints.empty()
    assert len(empty) == 0 and empty.xy.shape == (0, 2)


# -- match --------------------------------------------------------------------------------------
def ref_match(d1, d2, ratio, mutual):
    dist = np.linalg.norm(d1[:, None, :].astype(np.float64) - d2[None, :, :], axis=2)
    out = []
    for i in range(len(d1)):
        order = np.argsort(dist[i], kind="stable")
        j = order[0]
        second = dist[i, order[1]] if len(order) > 1 else np.inf
        if ratio < 1 and not dist[i, j] < ratio * second:
            continue
        if mutual and np.argmin(dist[:, j]) != i:
            continue
        out.append((i, j))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


@pytest.mark.parametrize("ratio", [0.7, 0.8, 1.0])
@pytest.mark.parametrize("mutual", [True, False])
def test_match_equals_brute_force_reference(ratio, mutual):
    rng = np.random.default_rng(1)
    d2 = rng.random((300, 32)).astype(np.float32)
    d1 = d2[rng.permutation(300)[:200]] + rng.normal(0, 0.08, (200, 32)).astype(np.float32)
    d1 = np.vstack([d1, rng.random((50, 32)).astype(np.float32)])  # unmatched distractors
    got = match(d1, d2, ratio=ratio, mutual=mutual, chunk_size=64)
    want = ref_match(d1, d2, ratio, mutual)
    assert len(want) > 50
    np.testing.assert_array_equal(got, want)


def test_match_does_not_depend_on_chunk_size():
    rng = np.random.default_rng(2)
    d1 = rng.random((130, 16)).astype(np.float32)
    d2 = rng.random((90, 16)).astype(np.float32)
    ref = match(d1, d2, chunk_size=1024)
    for chunk in (1, 7, 64):
        np.testing.assert_array_equal(match(d1, d2, chunk_size=chunk), ref)


def test_match_edge_cases():
    a = np.eye(4, dtype=np.float32)
    assert match(a, a[[2, 0, 3, 1]]).tolist() == [[0, 1], [1, 3], [2, 0], [3, 2]]
    assert match(a, a[:1]).tolist() == [[0, 0]]  # one candidate: ratio test passes
    assert match(a[:0], a).shape == (0, 2) and match(a, a[:0]).shape == (0, 2)
    ints = np.array([[0, 0], [10, 10]], np.uint8)
    assert match(ints, ints).tolist() == [[0, 0], [1, 1]]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((np.zeros((3, 8)), np.zeros((3, 9))), {}, ValueError, ["same length", "8", "9"]),
        ((np.zeros(8), np.zeros((3, 8))), {}, ValueError, ["desc1", "(n, d)"]),
        (([[0.0]], np.zeros((1, 1))), {}, TypeError, ["desc1", "numpy array"]),
        ((np.zeros((2, 2)), np.zeros((2, 2))), {"ratio": 1.5}, ValueError, ["ratio", "1.5"]),
        ((np.zeros((2, 2)), np.zeros((2, 2))), {"ratio": 0}, ValueError, ["ratio"]),
        ((np.full((2, 2), np.nan), np.zeros((2, 2))), {}, ValueError, ["desc1", "NaN"]),
    ],
)
def test_match_bad_input(args, kwargs, error, words):
    with pytest.raises(error) as info:
        match(*args, **kwargs)
    for word in words:
        assert word in str(info.value)


# -- find_homography ----------------------------------------------------------------------------
def test_find_homography_recovers_a_known_homography_with_outliers():
    rng = np.random.default_rng(3)
    H = np.array([[0.9, -0.2, 30.0], [0.25, 1.1, -12.0], [1e-4, -2e-4, 1.0]])
    xy1 = rng.random((200, 2)) * 400
    q = np.c_[xy1, np.ones(200)] @ H.T
    xy2 = q[:, :2] / q[:, 2:] + rng.normal(0, 0.3, (200, 2))
    outliers = rng.permutation(200)[:60]
    xy2[outliers] = rng.random((60, 2)) * 400
    H_est, inliers = find_homography(xy1, xy2)
    np.testing.assert_allclose(H_est / H_est[2, 2], H, rtol=0.02, atol=2e-3)
    expected = np.ones(200, bool)
    expected[outliers] = False
    assert (inliers == expected).mean() > 0.97
    H2, inl2 = find_homography(xy1, xy2)  # deterministic
    np.testing.assert_array_equal(H2, H_est)
    np.testing.assert_array_equal(inl2, inliers)


def test_find_homography_too_few_points_and_errors():
    H, inliers = find_homography(np.zeros((3, 2)), np.zeros((3, 2)))
    assert H is None and inliers.tolist() == [False] * 3
    with pytest.raises(ValueError, match="same length"):
        find_homography(np.zeros((5, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="method"):
        find_homography(np.zeros((5, 2)), np.zeros((5, 2)), method="magic")
    with pytest.raises(ValueError, match="xy1"):
        find_homography(np.zeros((5, 3)), np.zeros((5, 2)))
