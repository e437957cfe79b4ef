"""Evaluation metrics on hand-constructed cases, drawing, synthetic warps and the pipeline."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import vision
from vision import evaluate, synthetic_warp

from ._images import texture

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "images"
SHIFT = np.array([[1.0, 0.0, 10.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # x -> x + 10


def test_project_and_match_errors():
    H = np.array([[2.0, 0.0, 1.0], [0.0, 2.0, -1.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(evaluate.project([[1.0, 1.0], [0.0, 3.0]], H), [[3, 1], [1, 5]])
    persp = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.01, 0, 1.0]])
    np.testing.assert_allclose(evaluate.project([[100.0, 50.0]], persp), [[50.0, 25.0]])
    err = evaluate.match_errors([[0, 0], [1, 1]], [[3, 5], [0, 0]], [[0, 0], [1, 1], [0, 1]], H)
    np.testing.assert_allclose(err, [np.hypot(2, 6), np.hypot(3, 1), np.hypot(1, 1)])


def test_repeatability_hand_made():
    # image 1 -> image 2 is a shift by +10 px in x; both images 50x50
    xy1 = np.array([[5.0, 5.0], [20.0, 20.0], [30.0, 40.0], [45.0, 10.0], [20.0, 20.0]])
    # 45 + 10 = 55 is outside image 2; the duplicate location (20, 20) counts once
    xy2 = np.array([[15.5, 5.0], [31.0, 22.0], [40.0, 44.5], [2.0, 2.0], [49.0, 49.0]])
    # (2, 2) maps back to x = -8: outside image 1. In the common region: 3 and 3 locations;
    # repeated within 3 px: (5,5)->(15,5) 0.5 px yes, (20,20)->(30,20) vs (31,22) 2.24 px yes,
    # (30,40)->(40,40) vs (40,44.5) 4.5 px no; (49,49) <-> (39,49) no.
    assert evaluate.repeatability(xy1, xy2, SHIFT, (50, 50), (50, 50)) == pytest.approx(2 / 3)
    assert evaluate.repeatability(xy1, xy2, SHIFT, (50, 50), (50, 50), 5.0) == pytest.approx(1.0)
    assert evaluate.repeatability(xy1, xy2, SHIFT, (50, 50), (50, 50), 0.25) == 0.0
    assert evaluate.repeatability(xy1[:0], xy2, SHIFT, (50, 50), (50, 50)) == 0.0


def test_repeatability_is_symmetric_in_counting():
    # two keypoints of image 2 near one of image 1: only one location of image 1 is repeated
    xy1 = np.array([[10.0, 10.0], [30.0, 30.0]])
    xy2 = np.array([[10.5, 10.0], [11.0, 10.0]])
    assert evaluate.repeatability(xy1, xy2, np.eye(3), (40, 40), (40, 40)) == 0.5


def test_precision_score_and_mma_hand_made():
    xy1 = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]])
    xy2 = np.array([[10.5, 0.0], [21.5, 0.0], [32.5, 0.0], [48.0, 0.0]])
    matches = np.array([[0, 0], [1, 1], [2, 2], [3, 3]])  # errors 0.5, 1.5, 2.5, 8
    assert evaluate.matching_precision(xy1, xy2, matches, SHIFT) == 0.75
    assert evaluate.matching_precision(xy1, xy2, matches, SHIFT, threshold=1.0) == 0.25
    assert evaluate.correct_matches(xy1, xy2, matches, SHIFT).tolist() == [True, True, True,
                                                                            False]
    # common region (images 10 px tall, 50 px wide): xy1 all visible in image 2 (x + 10 < 50);
    # xy2 all map back inside image 1 -> 3 correct / min(4, 4)
    assert evaluate.matching_score(xy1, xy2, matches, SHIFT, (10, 50), (10, 50)) == 0.75
    mma = evaluate.mean_matching_accuracy(xy1, xy2, matches, SHIFT)
    np.testing.assert_allclose(mma, [0.25, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75, 1.0, 1.0, 1.0])
    assert evaluate.matching_precision(xy1, xy2, np.empty((0, 2), int), SHIFT) == 0.0
    assert evaluate.mean_matching_accuracy(xy1, xy2, [], SHIFT, [1, 2]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error", "word"),
    [
        (lambda: evaluate.project([[0, 0]], np.eye(2)), ValueError, "3x3"),
        (lambda: evaluate.project([[0, 0]], np.zeros((3, 3))), ValueError, "invertible"),
        (lambda: evaluate.match_errors([[0, 0]], [[0, 0]], [[0, 1]], np.eye(3)), ValueError,
         "out of range"),
        (lambda: evaluate.match_errors([[0, 0]], [[0, 0]], [[0.5, 0]], np.eye(3)), ValueError,
         "integer"),
        (lambda: evaluate.repeatability([[0, 0, 0]], [[0, 0]], np.eye(3), (9, 9), (9, 9)),
         ValueError, "xy1"),
        (lambda: evaluate.repeatability([[0, 0]], [[0, 0]], np.eye(3), (9,), (9, 9)),
         ValueError, "shape1"),
        (lambda: evaluate.mean_matching_accuracy([[0, 0]], [[0, 0]], [[0, 0]], np.eye(3), [0]),
         ValueError, "thresholds"),
        (lambda: evaluate.matching_precision([[0, 0]], [[0, 0]], [[0, 0]], np.eye(3), -1),
         ValueError, "threshold"),
    ],
)
def test_evaluate_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_draw_matches_writes_png(tmp_path):
    img1 = np.zeros((30, 40), np.uint8)
    img2 = np.full((20, 50, 3), 255, np.uint8)
    out = tmp_path / "sub" / "m.png"
    canvas = vision.draw_matches(img1, img2, [[5, 5], [10, 20]], [[1, 1], [30, 15]],
                                 [[0, 0], [1, 1]], out, correct=[True, False])
    # a header band with the legend sits above the two images
    header = canvas.shape[0] - 30
    assert header > 0 and canvas.shape[1:] == (90, 3) and canvas.dtype == np.uint8
    back = cv2.imread(str(out), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(back, canvas)
    b, g, r = (canvas[header:, :40, i].astype(int) for i in range(3))  # the black left image
    assert ((g > 100) & (r < 50)).any() and ((r > 100) & (g < 50)).any()  # green and red lines
    with pytest.raises(ValueError, match="correct"):
        vision.draw_matches(img1, img2, [[5, 5]], [[1, 1]], [[0, 0]], correct=[True, True])


def _lines_drawn(canvas: np.ndarray, left_width: int) -> int:
    """Yellow pixels in the right image: the matches' ends and lines that reach it."""
    b, g, r = (canvas[:, left_width:, i].astype(int) for i in range(3))
    return int(((g > 150) & (r > 150) & (b < 100)).sum())


def test_draw_matches_draws_at_most_max_lines_evenly_and_says_so():
    rng = np.random.default_rng(0)
    img = np.zeros((200, 300), np.uint8)
    xy1 = rng.uniform(0, 199, (400, 2))
    xy2 = rng.uniform(0, 199, (400, 2))
    matches = np.column_stack([np.arange(400), np.arange(400)])
    few = vision.draw_matches(img, img, xy1, xy2, matches[:50])
    assert few.shape == (200, 600, 3)  # every match drawn, nothing to say: no header
    capped = vision.draw_matches(img, img, xy1, xy2, matches)  # default: at most 100
    header = capped.shape[0] - 200
    assert header > 0  # "100 of 400 matches drawn"
    every = vision.draw_matches(img, img, xy1, xy2, matches, max_lines=None)
    assert every.shape == (200, 600, 3)
    assert _lines_drawn(capped[header:], 300) < _lines_drawn(every, 300)
    np.testing.assert_array_equal(
        vision.draw_matches(img, img, xy1, xy2, matches, max_lines=400), every
    )
    with pytest.raises(ValueError, match="max_lines"):
        vision.draw_matches(img, img, xy1, xy2, matches, max_lines=0)


def test_draw_matches_title_and_legend_make_a_header():
    img = np.zeros((120, 160), np.uint8)
    plain = vision.draw_matches(img, img, [[5, 5]], [[6, 6]], [[0, 0]])
    titled = vision.draw_matches(img, img, [[5, 5]], [[6, 6]], [[0, 0]], title="1 match")
    both = vision.draw_matches(img, img, [[5, 5]], [[6, 6]], [[0, 0]], title="1 match",
                               legend=("inlier", "outlier"))
    assert plain.shape[0] < titled.shape[0] < both.shape[0]
    assert (titled[: titled.shape[0] - 120] > 200).any()  # white text on the dark band
    np.testing.assert_array_equal(titled[titled.shape[0] - 120 :], plain)
    with pytest.raises(ValueError, match="legend"):
        vision.draw_matches(img, img, [[5, 5]], [[6, 6]], [[0, 0]], legend=("only one",))


def test_synthetic_warp_homography_moves_a_blob():
    img = np.zeros((60, 80), np.float32)
    img[20, 50] = 1.0
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    warped, H = synthetic_warp(img, 30.0, 0.8, random_state=0)
    assert warped.shape == img.shape and warped.dtype == img.dtype
    r, c = np.unravel_index(np.argmax(warped), warped.shape)
    x, y = evaluate.project([[50.0, 20.0]], H)[0]
    assert abs(c - x) <= 1 and abs(r - y) <= 1
    _, H_again = synthetic_warp(img, 30.0, 0.8, random_state=0)
    np.testing.assert_array_equal(H, H_again)
    _, H_plain = synthetic_warp(img, 30.0, 0.8)
    assert not np.allclose(H[:, 2], H_plain[:, 2])  # random_state adds a translation
    with pytest.raises(ValueError, match="scale"):
        synthetic_warp(img, 30.0, 0.0)
    with pytest.raises(ValueError, match="angle_deg"):
        synthetic_warp(img, float("nan"), 1.0)
    with pytest.raises(ValueError, match="interpolation"):
        synthetic_warp(img, 10.0, 1.0, interpolation="nearest-ish")
    linear, H_lin = synthetic_warp(img, 30.0, 0.8, interpolation="linear")
    np.testing.assert_array_equal(H_lin, H_plain)
    assert not np.array_equal(linear, synthetic_warp(img, 30.0, 0.8)[0])


def test_match_images_on_a_synthetic_warp(tmp_path):
    img = cv2.resize(texture((80, 80), seed=9), (160, 160), interpolation=cv2.INTER_CUBIC)
    warped, H = synthetic_warp(img, 25.0, 0.85)
    out = tmp_path / "m.png"
    r = vision.match_images(img, warped, homography=H, output=out)
    assert out.is_file()
    assert r["matches"] >= 20 and r["inliers"] >= 0.8 * r["matches"]
    assert r["precision"] > 0.8 and r["repeatability"] > 0.5
    assert r["median_error"] < 0.5 and len(r["mma"]) == 10
    H_est = np.array(r["homography"])
    corners = np.array([[40.0, 40.0], [120.0, 40.0], [80.0, 120.0]])
    np.testing.assert_allclose(evaluate.project(corners, H_est), evaluate.project(corners, H),
                               atol=1.0)
    plain = vision.match_images(img, warped)
    assert "precision" not in plain and plain["matches"] == r["matches"]


def test_load_homography_formats(tmp_path):
    H = np.array([[1.0, 0.1, 5.0], [0.0, 1.2, -3.0], [1e-4, 0.0, 1.0]])
    fs = cv2.FileStorage(str(tmp_path / "h.xml"), cv2.FILE_STORAGE_WRITE)
    fs.write("H13", H)
    fs.release()
    np.testing.assert_allclose(vision.load_homography(tmp_path / "h.xml"), H)
    np.testing.assert_allclose(vision.load_homography(tmp_path / "h.xml", "H13"), H)
    np.savetxt(tmp_path / "H1to3p", H)
    np.testing.assert_allclose(vision.load_homography(tmp_path / "H1to3p"), H)
    with pytest.raises(ValueError, match="no such file"):
        vision.load_homography(tmp_path / "missing.xml")
    with pytest.raises(ValueError, match="no matrix node"):
        vision.load_homography(tmp_path / "h.xml", "H99")


def test_match_images_bad_input(tmp_path):
    with pytest.raises(ValueError, match="image1: no such image file"):
        vision.match_images(tmp_path / "nope.png", np.zeros((20, 20), np.uint8))
    with pytest.raises(TypeError, match="sift"):
        vision.match_images(texture(), texture(), sift="SIFT")


@pytest.mark.skipif(not (DATA / "graf1.png").is_file(), reason="shared data not available")
def test_graf1_smoke():
    img = cv2.imread(str(DATA / "graf1.png"), cv2.IMREAD_GRAYSCALE)
    kp, desc = vision.SIFT().detect_and_compute(img[:320, :400])
    assert len(kp) > 300 and desc.shape == (len(kp), 128)
    assert np.isfinite(desc).all()


def _example():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "examples" / "match_images.py"
    spec = importlib.util.spec_from_file_location("match_images_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_script_with_paths_and_homography(tmp_path, capsys):
    img = cv2.resize(texture((80, 80), seed=11), (160, 160), interpolation=cv2.INTER_CUBIC)
    warped, H = synthetic_warp(img, 20.0, 0.9)
    cv2.imwrite(str(tmp_path / "a.png"), img)
    cv2.imwrite(str(tmp_path / "b.png"), warped)
    fs = cv2.FileStorage(str(tmp_path / "H.xml"), cv2.FILE_STORAGE_WRITE)
    fs.write("H12", H)
    fs.release()
    result = _example().main([str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                              "--homography", str(tmp_path / "H.xml"),
                              "-o", str(tmp_path / "m.png")])
    out = capsys.readouterr().out
    assert "repeatability" in out and "inliers" in out and (tmp_path / "m.png").is_file()
    assert result["precision"] > 0.8


@pytest.mark.slow  # runs an example script end to end
def test_example_script_demo_mode(capsys):
    pytest.importorskip("skimage")
    result = _example().main([])
    assert "synthetic warp" in capsys.readouterr().out
    assert result["correct"] > 100 and result["median_error"] < 0.3
