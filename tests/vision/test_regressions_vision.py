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
