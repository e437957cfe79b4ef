"""Each numba kernel of vision._kernels against a naive pure-numpy reference."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from vision import _kernels
from vision.sift import gradient_polar

from ._images import texture


# -- references ---------------------------------------------------------------------------------
def ref_extrema(dog, threshold, border):
    out = []
    n_levels, h, w = dog.shape
    for lev in range(1, n_levels - 1):
        for r in range(border, h - border):
            for c in range(border, w - border):
                v = dog[lev, r, c]
                cube = dog[lev - 1 : lev + 2, r - 1 : r + 2, c - 1 : c + 2]
                if (v > threshold and v >= cube.max()) or (v < -threshold and v <= cube.min()):
                    out.append((lev, r, c))
    return np.array(out, dtype=np.int32).reshape(-1, 3)


def ref_refine(gauss, cands, n_layers, contrast_threshold, edge_threshold, border, max_steps):
    dog = np.diff(gauss.astype(np.float64), axis=0)
    _, h, w = dog.shape
    ints, floats = [], []
    for lev, r, c in cands:
        ok = False
        for _ in range(max_steps):
            def D(dl, dr, dc, lev=lev, r=r, c=c):
                return dog[lev + dl, r + dr, c + dc]
            g = 0.5 * np.array([D(0, 0, 1) - D(0, 0, -1), D(0, 1, 0) - D(0, -1, 0),
                                D(1, 0, 0) - D(-1, 0, 0)])
            hxx = D(0, 0, 1) + D(0, 0, -1) - 2 * D(0, 0, 0)
            hyy = D(0, 1, 0) + D(0, -1, 0) - 2 * D(0, 0, 0)
            hss = D(1, 0, 0) + D(-1, 0, 0) - 2 * D(0, 0, 0)
            hxy = 0.25 * (D(0, 1, 1) - D(0, 1, -1) - D(0, -1, 1) + D(0, -1, -1))
            hxs = 0.25 * (D(1, 0, 1) - D(1, 0, -1) - D(-1, 0, 1) + D(-1, 0, -1))
            hys = 0.25 * (D(1, 1, 0) - D(1, -1, 0) - D(-1, 1, 0) + D(-1, -1, 0))
            hess = np.array([[hxx, hxy, hxs], [hxy, hyy, hys], [hxs, hys, hss]])
            x = np.linalg.solve(hess, -g)
            if np.all(np.abs(x) < 0.5):
                ok = True
                break
            c, r, lev = c + round(x[0]), r + round(x[1]), lev + round(x[2])
            if not (1 <= lev <= n_layers and border <= c < w - border and border <= r < h - border):
                break
        if not ok:
            continue
        contrast = dog[lev, r, c] + 0.5 * g @ x
        det = hxx * hyy - hxy**2
        if abs(contrast) * n_layers < contrast_threshold or det <= 0:
            continue
        if (hxx + hyy) ** 2 * edge_threshold >= (edge_threshold + 1) ** 2 * det:
            continue
        ints.append((lev, r, c))
        floats.append((*x, contrast))
    return np.array(ints, dtype=np.int32).reshape(-1, 3), np.array(floats).reshape(-1, 4)


def ref_orientation_hist(mag, ang, x, y, sigma, n_bins, sigma_factor, radius_factor):
    h, w = mag.shape
    sw = sigma_factor * sigma
    radius = int(round(radius_factor * sw))
    hist = np.zeros(n_bins)
    r0, c0 = int(round(y)), int(round(x))
    for rr in range(max(r0 - radius, 1), min(r0 + radius, h - 2) + 1):
        for cc in range(max(c0 - radius, 1), min(c0 + radius, w - 2) + 1):
            d2 = (cc - x) ** 2 + (rr - y) ** 2
            if d2 > (radius + 0.5) ** 2:
                continue
            wgt = math.exp(-d2 / (2 * sw * sw)) * mag[rr, cc]
            b = ang[rr, cc] * n_bins / (2 * math.pi)
            b0 = math.floor(b)
            hist[b0 % n_bins] += wgt * (1 - (b - b0))
            hist[(b0 + 1) % n_bins] += wgt * (b - b0)
    return hist


def ref_peaks(hist, ratio):
    n = len(hist)
    kernel = np.array([1, 4, 6, 4, 1]) / 16.0
    sm = sum(kernel[i] * np.roll(hist, 2 - i) for i in range(5))
    out = []
    for j in range(n):
        left, v, right = sm[j - 1], sm[j], sm[(j + 1) % n]
        if v > left and v >= right and v >= ratio * sm.max():
            off = 0.5 * (left - right) / (left - 2 * v + right)
            out.append(((j + off) * 2 * math.pi / n) % (2 * math.pi))
    return out


def ref_descriptor(mag, ang, x, y, sigma, theta, d=4, n_ori=8, scale=3.0, clamp=0.2):
    h, w = mag.shape
    hw = scale * sigma
    radius = min(int(round(hw * math.sqrt(2) * (d + 1) * 0.5)), int(math.hypot(h, w)))
    hist = np.zeros((d + 2, d + 2, n_ori))
    r0, c0 = int(round(y)), int(round(x))
    for rr in range(max(r0 - radius, 1), min(r0 + radius, h - 2) + 1):
        for cc in range(max(c0 - radius, 1), min(c0 + radius, w - 2) + 1):
            dx, dy = cc - x, rr - y
            u = (dx * math.cos(theta) + dy * math.sin(theta)) / hw  # along the orientation
            v = (-dx * math.sin(theta) + dy * math.cos(theta)) / hw
            rbin, cbin = v + d / 2 - 0.5, u + d / 2 - 0.5
            if not (-1 < rbin < d and -1 < cbin < d):
                continue
            wgt = mag[rr, cc] * math.exp(-(u * u + v * v) / (2 * (d / 2) ** 2))
            ob = ((ang[rr, cc] - theta) % (2 * math.pi)) * n_ori / (2 * math.pi)
            ri, ci, oi = math.floor(rbin), math.floor(cbin), math.floor(ob)
            for a, wa in ((0, 1 - (rbin - ri)), (1, rbin - ri)):
                for b, wb in ((0, 1 - (cbin - ci)), (1, cbin - ci)):
                    for o, wo in ((0, 1 - (ob - oi)), (1, ob - oi)):
                        hist[ri + 1 + a, ci + 1 + b, (oi + o) % n_ori] += wgt * wa * wb * wo
    vec = hist[1:-1, 1:-1].ravel()
    vec = vec / np.linalg.norm(vec)
    vec = np.minimum(vec, clamp)
    return vec / np.linalg.norm(vec)


def _gauss_with_dog(dog):
    """A Gaussian stack whose consecutive differences are ``dog`` (up to float32 rounding)."""
    first = np.zeros((1,) + dog.shape[1:])
    return np.concatenate([first, np.cumsum(dog.astype(np.float64), axis=0)]).astype(np.float32)


# -- tests ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_find_extrema_matches_reference(seed):
    rng = np.random.default_rng(seed)
    dog = rng.normal(size=(5, 24, 27)).astype(np.float32)
    dog[2, 10, 10] = 9.0  # a certain maximum
    dog[3, 15:18, 15:18] = -9.0  # a plateau of minima: every sample qualifies (>= semantics)
    gauss = _gauss_with_dog(dog)
    dog = np.diff(gauss, axis=0)  # the exact float32 differences the kernel sees
    got = _kernels.find_extrema(gauss, 0.5, 2)
    want = ref_extrema(dog, 0.5, 2)
    assert len(want) > 10
    np.testing.assert_array_equal(got, want)
    assert [2, 10, 10] in got.tolist() and [3, 16, 16] in got.tolist()



@pytest.mark.parametrize(("shape", "border"), [((7, 40, 53), 5), ((4, 13, 9), 1), ((6, 12, 70), 3)])
def test_find_extrema_matches_reference_on_other_shapes(shape, border):
    # more DoG levels than the ring of three rows, widths off the 8-sample flag words
    rng = np.random.default_rng(sum(shape))
    gauss = _gauss_with_dog(rng.normal(size=shape).astype(np.float32))
    got = _kernels.find_extrema(gauss, 0.3, border)
    want = ref_extrema(np.diff(gauss, axis=0), 0.3, border)
    assert len(want) > 0
    np.testing.assert_array_equal(got, want)

def test_find_extrema_threshold_and_constant():
    dog = np.zeros((4, 16, 16), np.float32)
    assert _kernels.find_extrema(_gauss_with_dog(dog), 0.0, 1).shape == (0, 3)
    dog[1, 8, 8] = 0.25
    assert _kernels.find_extrema(_gauss_with_dog(dog), 0.25, 1).shape == (0, 3)  # strictly above
    assert _kernels.find_extrema(_gauss_with_dog(dog), 0.24, 1).tolist() == [[1, 8, 8]]


def _quadratic_dog(l0, r0, c0, peak, curv_x=0.02, curv_y=0.02, curv_s=0.05, shape=(5, 24, 24)):
    lev, r, c = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in shape), indexing="ij")
    dog = peak - curv_x * (c - c0) ** 2 - curv_y * (r - r0) ** 2 - curv_s * (lev - l0) ** 2
    return _gauss_with_dog(dog)


def test_refine_recovers_subpixel_extremum_of_a_quadratic():
    dog = _quadratic_dog(2.3, 10.4, 9.7, peak=0.2)
    cands = np.array([[2, 10, 10], [2, 12, 12]], np.int32)  # the second has to move twice
    ints, floats = _kernels.refine_extrema(dog, cands, 3, 0.04, 10.0, 1, 5)
    assert ints.tolist() == [[2, 10, 10], [2, 10, 10]]
    np.testing.assert_allclose(ints[:, 2] + floats[:, 0], 9.7, atol=2e-4)
    np.testing.assert_allclose(ints[:, 1] + floats[:, 1], 10.4, atol=2e-4)
    np.testing.assert_allclose(ints[:, 0] + floats[:, 2], 2.3, atol=2e-4)
    np.testing.assert_allclose(floats[:, 3], 0.2, atol=1e-5)


def test_refine_matches_reference_on_smooth_noise():
    rng = np.random.default_rng(4)
    gauss = np.stack([cv2.GaussianBlur(rng.random((40, 44)).astype(np.float32), (0, 0), s)
                      for s in (1.0, 1.3, 1.6, 2.0, 2.5, 3.2)])
    cands = _kernels.find_extrema(gauss, 0.001, 2)
    assert len(cands) > 20
    ints, floats = _kernels.refine_extrema(gauss, cands, 3, 0.01, 10.0, 2, 5)
    want_i, want_f = ref_refine(gauss, cands, 3, 0.01, 10.0, 2, 5)
    assert 5 < len(want_i) < len(cands)  # some kept, some rejected
    np.testing.assert_array_equal(ints, want_i)
    np.testing.assert_allclose(floats, want_f, rtol=1e-6, atol=1e-9)


def test_solve3_symmetric_matches_numpy():
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.normal(size=(3, 3))
        m = a + a.T
        b = rng.normal(size=3)
        x0, x1, x2, ok = _kernels.solve3_symmetric(m[0, 0], m[1, 1], m[2, 2], m[0, 1], m[0, 2],
                                                   m[1, 2], *b)
        assert ok
        np.testing.assert_allclose([x0, x1, x2], np.linalg.solve(m, b), rtol=1e-9, atol=1e-9)
    assert not _kernels.solve3_symmetric(1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0)[3]


def test_refine_rejects_low_contrast_edges_and_escapes():
    weak = _quadratic_dog(2.3, 10.4, 9.7, peak=0.01)  # 0.01 * 3 < 0.04
    edge = _quadratic_dog(2.3, 10.4, 9.7, peak=0.2, curv_x=0.002, curv_y=0.1)  # ratio 50
    escape = _quadratic_dog(2.3, 10.4, 30.0, peak=0.2)  # the extremum is outside the image
    cand = np.array([[2, 10, 10]], np.int32)
    for dog in (weak, edge, escape):
        ints, floats = _kernels.refine_extrema(dog, cand, 3, 0.04, 10.0, 1, 5)
        assert len(ints) == 0 and floats.shape == (0, 4)
    ints, _ = _kernels.refine_extrema(edge, cand, 3, 0.04, 60.0, 1, 5)  # r = 60 accepts it
    assert len(ints) == 1


def test_gradient_polar_matches_numpy():
    g = texture((20, 24), seed=5).astype(np.float32) / 255.0
    mag, ang = gradient_polar(g)
    gx = np.zeros((20, 24))
    gy = np.zeros((20, 24))
    gx[:, 1:-1] = g[:, 2:] - g[:, :-2]
    gy[1:-1, :] = g[2:, :] - g[:-2, :]
    np.testing.assert_allclose(mag, np.hypot(gx, gy), rtol=1e-5, atol=1e-7)
    strong = np.hypot(gx, gy) > 1e-3
    diff = (ang - np.arctan2(gy, gx)) % (2 * np.pi)
    diff = np.minimum(diff, 2 * np.pi - diff)
    assert diff[strong].max() < 1e-2  # cartToPolar is accurate to about 0.3 degrees
    assert ang.min() >= 0 and ang.max() < 2 * np.pi



def test_gradient_polar_agrees_with_cv2_cart_to_polar():
    g = texture((33, 47), seed=9).astype(np.float32) / 255.0
    gx = np.zeros_like(g)
    gy = np.zeros_like(g)
    gx[:, 1:-1] = g[:, 2:] - g[:, :-2]
    gy[1:-1, :] = g[2:, :] - g[:-2, :]
    want_mag, want_ang = cv2.cartToPolar(gx, gy)
    buffers = (np.empty_like(g), np.empty_like(g))
    mag, ang = gradient_polar(g, out=buffers)
    assert mag is buffers[0] and ang is buffers[1]
    np.testing.assert_allclose(mag, want_mag, rtol=1e-6, atol=0)
    diff = np.abs(ang - want_ang)
    assert np.minimum(diff, 2 * np.pi - diff).max() < 2e-6  # same polynomial, 1 ulp

def _polar_texture(seed=7, shape=(48, 52)):
    return gradient_polar(texture(shape, seed=seed, blur=1.2).astype(np.float32) / 255)


KEYPOINTS = [  # x, y, sigma, theta: interior, larger, clipped by the image border
    (20.3, 22.7, 1.7, 0.3),
    (25.0, 24.0, 2.2, 4.0),
    (5.2, 6.1, 1.6, 2.0),
]


def test_orientation_histograms_match_reference():
    mag, ang = _polar_texture()
    xs, ys, sig, _ = (np.array(c) for c in zip(*KEYPOINTS, strict=True))
    got = _kernels.orientation_histograms(mag, ang, xs, ys, sig, 36, 1.5, 3.0)
    for k, (x, y, s, _) in enumerate(KEYPOINTS):
        want = ref_orientation_hist(mag, ang, x, y, s, 36, 1.5, 3.0)
        np.testing.assert_allclose(got[k], want, rtol=1e-5, atol=1e-9)


def test_orientation_peaks_match_reference():
    rng = np.random.default_rng(11)
    hist = rng.random((20, 36)) ** 4
    hist[3] = 0.0  # no gradient: no orientation
    idx, ang = _kernels.orientation_peaks(hist, 0.8)
    assert 3 not in idx.tolist()
    for k in range(20):
        np.testing.assert_allclose(ang[idx == k], ref_peaks(hist[k], 0.8), atol=1e-12)
    assert np.all(np.diff(idx) >= 0)


def test_single_peak_is_interpolated_between_bins():
    hist = np.zeros((1, 36))
    hist[0, 9] = 1.0
    hist[0, 10] = 1.0  # symmetric pair -> the peak lies half-way: 9.5 bins = 95 degrees
    idx, ang = _kernels.orientation_peaks(hist, 0.8)
    assert idx.tolist() == [0]
    assert math.degrees(ang[0]) == pytest.approx(95.0, abs=1e-9)


def test_sift_descriptors_match_reference():
    mag, ang = _polar_texture()
    xs, ys, sig, th = (np.array(c) for c in zip(*KEYPOINTS, strict=True))
    out = np.empty((len(KEYPOINTS), 128), np.float32)
    _kernels.sift_descriptors(mag, ang, xs, ys, sig, th, 4, 8, 3.0, 0.2, out)
    for k, (x, y, s, t) in enumerate(KEYPOINTS):
        want = ref_descriptor(mag, ang, x, y, s, t)
        np.testing.assert_allclose(out[k], want, atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_descriptor_clamp_caps_entries_before_renormalising():
    mag, ang = _polar_texture(seed=2)
    out = np.empty((1, 128), np.float32)
    args = (np.array([24.0]), np.array([24.0]), np.array([2.0]), np.array([1.0]), 4, 8, 3.0)
    _kernels.sift_descriptors(mag, ang, *args, 0.05, out)
    # after clamping at 0.05 and renormalising, every clamped entry shares the maximum value
    top = out[0].max()
    assert np.count_nonzero(np.isclose(out[0], top)) > 1
    want = ref_descriptor(mag, ang, 24.0, 24.0, 2.0, 1.0, clamp=0.05)
    np.testing.assert_allclose(out[0], want, atol=2e-6)


def test_describe_stage_helper_compiles_the_pipelines_signatures():
    """The helper that compiles SIFT's description kernels on a cold cache passes exactly the
    types the pipeline passes: afterwards every kernel has one signature."""
    from vision import SIFT, _compile, _kernels

    _compile.compile_describe_stage()
    image = (np.random.default_rng(0).random((64, 80)) * 255).astype(np.uint8)
    SIFT().detect_and_compute(image)
    SIFT(max_features=5).detect_and_compute(image)
    for name in ("gradient_polar", "orientation_histograms", "orientation_peaks",
                 "sift_descriptors", "find_extrema", "refine_extrema"):
        assert len(getattr(_kernels, name).signatures) == 1, name
    for name in ("_append_flagged", "_by_level"):  # helpers: compiled only on a cold cache
        assert len(getattr(_kernels, name).signatures) <= 1, name


def test_describe_stage_helper_starts_only_when_cold(monkeypatch):
    from vision import _compile

    monkeypatch.setattr(_compile, "note_if_cold", lambda kernel: False)
    assert _compile.start_describe_stage() is None
    monkeypatch.setattr(_compile, "note_if_cold", lambda kernel: True)
    monkeypatch.setenv("HDKIT_BACKGROUND_COMPILE", "0")
    assert _compile.start_describe_stage() is None
    monkeypatch.delenv("HDKIT_BACKGROUND_COMPILE")
    helper = _compile.start_describe_stage()
    assert helper is not None
    _compile.wait_describe_stage()
    assert helper.returncode == 0 and _compile.start_describe_stage() is not None
    _compile.wait_describe_stage()
