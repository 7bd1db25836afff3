"""``ember.backend.relu_``: the blocked in-place ReLU equals NumPy's ``maximum(y, 0)`` bit for bit."""

import numpy as np
import pytest

from ember import backend

SPECIALS = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -1.0, 1.0, 1e-45, -1e-45, 5e-324, -5e-324]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("n", [0, 7, 8191, 8192, 3 * 4096 + 5, 5 * 4096])
def test_relu_inplace_matches_maximum_bits(dtype, n):
    rng = np.random.default_rng(n)
    with np.errstate(over="ignore", under="ignore"):
        values = np.concatenate([np.array(SPECIALS, dtype), rng.standard_normal(n).astype(dtype)])[:n]
    y = values.reshape(-1, 1) if n else values
    expected = np.maximum(y, dtype(0))
    got = backend.relu_(y)
    assert got is y  # in place
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    assert np.array_equal(got.view(uint), expected.view(uint))


def test_relu_inplace_strided_input_is_written_in_place():
    base = np.random.default_rng(0).standard_normal((200, 100)).astype(np.float32)
    y = base[:, ::2]  # not C-contiguous: the scalar path, still in place on the view
    expected = np.maximum(y, np.float32(0))
    backend.relu_(y)
    assert np.array_equal(base[:, ::2], expected)
    assert (base[:, 1::2] < 0).any()  # the other columns untouched


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 7), (2048, 32), (2049, 32), (4096, 12), (700, 64), (5, 900, 16)])
def test_add_row_inplace_matches_broadcast_add_bits(dtype, shape):
    rng = np.random.default_rng(len(shape) + shape[0])
    y = rng.standard_normal(shape).astype(dtype) * 1e3
    row = rng.standard_normal(shape[-1]).astype(dtype)
    row[0] = -0.0
    expected = y + row
    got = backend.add_row_(y, row)
    assert got is y
    assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))


def test_add_row_inplace_other_dtype_row_falls_back_to_broadcasting():
    y = np.ones((4096, 32), np.float32)
    row = np.arange(32, dtype=np.float64)
    assert np.array_equal(backend.add_row_(y, row), np.ones((4096, 32), np.float32) + row.astype(np.float32))
