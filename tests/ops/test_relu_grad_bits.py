"""The fused ops' ReLU gradient (mask cast to the gradient's dtype) equals ``g * (y > 0)`` bit for bit."""

import numpy as np
import pytest

from ember.ops.fused import _activation_grad

SPECIALS = [-0.0, 0.0, np.nan, np.inf, -np.inf, -1.0, 1.0, 1e-45, -3.5]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_grad_matches_float_times_bool(dtype):
    rng = np.random.default_rng(0)
    g = np.concatenate([np.array(SPECIALS * 3, dtype), rng.standard_normal(50).astype(dtype)]).reshape(-1, 7)
    z = np.concatenate([np.tile(np.array(SPECIALS, dtype)[::-1], 3), rng.standard_normal(50).astype(dtype)])
    y = np.maximum(z, dtype(0)).reshape(-1, 7)
    with np.errstate(invalid="ignore"):  # inf * 0 = nan, in both forms
        expected = np.multiply(g, y > 0)
        got = _activation_grad(g, y, "relu")
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    assert got.dtype == expected.dtype and np.array_equal(got.view(uint), expected.view(uint))


def test_relu_grad_broadcast_gradient():
    y = np.array([[0.0, 2.0], [3.0, 0.0]], np.float32)
    g = np.broadcast_to(np.float32(-1.5), y.shape)  # e.g. from a mean: a zero-stride view
    assert np.array_equal(_activation_grad(g, y, "relu"), np.array([[-0.0, -1.5], [-1.5, -0.0]], np.float32))
    row = np.array([2.0, -4.0], np.float32)  # a gradient of another shape takes the float * bool form
    assert np.array_equal(_activation_grad(row, y, "relu"), row * (y > 0))
