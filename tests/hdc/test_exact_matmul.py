"""exact_matmul: the same bits whatever the batch or the BLAS thread count."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from hdc._exact_matmul import exact_matmul


@pytest.mark.parametrize("depth", [1, 3, 784, 5000])
def test_close_to_the_float64_product(depth):
    rng = np.random.default_rng(depth)
    A = rng.standard_normal((9, depth)) * np.exp(rng.normal(0, 3, (9, 1)))
    B = rng.standard_normal((depth, 11)).astype(np.float32)
    exact = A @ B.astype(np.float64)
    scale = np.abs(A).sum(axis=1, keepdims=True) * np.abs(B).max()
    bits = (53 - depth.bit_length()) // 2
    assert np.all(np.abs(exact_matmul(A, B) - exact) <= scale * 2.0 ** (1 - bits))


def test_a_row_does_not_depend_on_its_batch_or_threads():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((301, 67))
    B = rng.standard_normal((67, 515)).astype(np.float32)
    with threadpool_limits(1):
        whole = exact_matmul(A, B)
        singles = np.vstack([exact_matmul(A[i : i + 1], B) for i in range(len(A))])
    with threadpool_limits(2):
        twos = exact_matmul(A, B)
    assert np.array_equal(whole, singles)
    assert np.array_equal(whole, twos)


def test_exact_on_small_integers_zeros_and_extremes():
    A = np.array([[3.0, -2.0, 0.0], [0.0, 0.0, 0.0], [2.0**100, 0.0, -(2.0**99)]])
    B = np.array([[1.0, 2.0], [4.0, -1.0], [0.5, 0.0]])
    assert exact_matmul(A, B).tolist() == (A @ B).tolist()
    assert exact_matmul(np.empty((0, 3)), B).shape == (0, 2)
    assert exact_matmul(np.empty((2, 0)), np.empty((0, 4))).tolist() == [[0.0] * 4] * 2
