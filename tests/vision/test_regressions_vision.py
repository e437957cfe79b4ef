"""Regression tests: vision inputs that once crashed the interpreter or gave wrong results."""

import subprocess
import sys

import numpy as np
import pytest

import vision

_HUGE = [1e19, -1e19, 9.3e18, 2.0**63, 3e38, -3e38]


def test_compute_with_huge_coordinates_gives_zero_descriptors_in_a_subprocess():
    # run in a child: before the fix this corrupted the heap and killed the interpreter
    code = f"""
import numpy as np, vision
rng = np.random.default_rng(0)
for n in (64, 16):
    img = (rng.random((n, n)) * 255).astype(np.uint8)
    for x in {_HUGE!r}:
        kp = vision.Keypoints([[x, 10.0], [10.0, x], [10.0, 10.0]], size=[8.0, 8.0, 8.0])
        d = vision.SIFT().compute(img, kp)
        assert d.shape == (3, 128) and not d[:2].any() and d[2].any(), (n, x)
print("done")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr[-2000:]


def test_far_keypoint_matches_one_just_outside_the_window():
    img = (np.random.default_rng(1).random((40, 40)) * 255).astype(np.uint8)
    near_and_far = vision.Keypoints([[400.0, 20.0], [1e30, 20.0]], size=[4.0, 4.0])
    d = vision.SIFT().compute(img, near_and_far)
    assert not d.any()


@pytest.mark.parametrize("name", ["orientation_sigma", "orientation_radius", "descriptor_scale"])
def test_absurd_window_factors_are_rejected(name):
    img = np.zeros((32, 32), np.uint8)
    with pytest.raises(ValueError, match=name):
        vision.SIFT(**{name: 1e300}).detect(img)


def test_keypoint_fields_out_of_range_name_the_field():
    with pytest.raises(ValueError, match="^octave must lie in"):
        vision.Keypoints([[1.0, 2.0]], size=[1.0], octave=[2**40])
    with pytest.raises(ValueError, match="^size must lie in"):
        vision.Keypoints([[1.0, 2.0]], size=[1e39])
    with pytest.raises(ValueError, match="^xy must lie in"):
        vision.Keypoints([[1e39, 2.0]], size=[1.0])
    with pytest.raises(ValueError, match="^octave must hold integers"):
        vision.Keypoints([[1.0, 2.0]], size=[1.0], octave=[1.5])


@pytest.mark.parametrize("dtype", [">u2", ">i2", ">f4", "int8", "int32"])
def test_synthetic_warp_keeps_values_of_any_byte_order_and_integer_type(dtype):
    rng = np.random.default_rng(0)
    img = (rng.random((32, 32)) * 60000).astype(np.uint16)
    if dtype == "int8":
        img = img // 1000
    image = img.astype(dtype)
    warped, H = vision.synthetic_warp(image, 30.0, 1.0)
    native, H2 = vision.synthetic_warp(image.astype(image.dtype.newbyteorder("=")), 30.0, 1.0)
    assert warped.dtype == image.dtype
    assert np.array_equal(warped.astype(np.float64), native.astype(np.float64))
    assert np.array_equal(H, H2)


def test_big_endian_uint16_image_is_the_same_image():
    img = (np.random.default_rng(2).random((48, 48)) * 65535).astype(np.uint16)
    kp1, d1 = vision.SIFT().detect_and_compute(img.astype(">u2"))
    kp2, d2 = vision.SIFT().detect_and_compute(img)
    assert kp1 == kp2 and np.array_equal(d1, d2)


@pytest.mark.parametrize(
    "name, text",
    [
        ("bad.xml", '<?xml version="1.0"?>\n<opencv_storage><H13 type_id="opencv-matrix"><rows>3'),
        ("bad.json", '{"a": [1, 2'),
        ("map.xml", '<?xml version="1.0"?>\n<opencv_storage><a><c>2</c></a></opencv_storage>\n'),
        ("bad.yml", "%YAML:1.0\n---\nH: [1, 2\n"),
    ],
)
def test_load_homography_on_malformed_files_names_source(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match="^source"):
        vision.load_homography(tmp_path / name)


def test_match_images_unknown_output_extension_fails_first_naming_output(tmp_path):
    img = np.zeros((32, 32), np.uint8)
    with pytest.raises(ValueError, match="^output.*'.xyz'"):
        vision.match_images(img, img, output=tmp_path / "x.xyz")
    with pytest.raises(ValueError, match="^output"):
        vision.draw_matches(img, img, vision.Keypoints.empty(), vision.Keypoints.empty(),
                            np.empty((0, 2), int), tmp_path / "x.xyz")
