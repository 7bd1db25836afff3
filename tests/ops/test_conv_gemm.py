"""The chunked im2col GEMM of ``ops.conv`` without gradients (ember/ops/conv_gemm.py): same values as the
single GEMM of the recorded path, torch's conv2d as reference, and a backward that rebuilds the columns."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from ember import ops
from ember.ops import conv_gemm
from ember.ops.conv import Conv, _conv_geometry


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunk even small test inputs, several images (and an uneven last chunk) per chunk."""
    monkeypatch.setattr(conv_gemm, "MIN_CHUNKED_BYTES", 1)
    monkeypatch.setattr(conv_gemm, "CHUNK_BYTES", 3000)


CASES = [  # x shape, kernel shape, kwargs
    ((7, 9, 10, 3), (3, 3, 3, 5), {}),
    ((5, 8, 8, 1), (3, 3, 1, 4), {"padding": "same"}),
    ((6, 11, 9, 4), (3, 2, 4, 6), {"strides": (2, 1), "padding": "same"}),
    ((4, 12, 12, 2), (3, 3, 2, 3), {"dilation_rate": 2}),
    ((5, 13, 3), (4, 3, 7), {"strides": 3}),
    ((3, 5, 6, 5, 2), (2, 3, 2, 2, 3), {"padding": "same"}),
]


def _torch_conv(x, w, kwargs):
    rank = x.ndim - 2
    xt = torch.from_numpy(np.moveaxis(x, -1, 1).copy())
    wt = torch.from_numpy(np.moveaxis(np.moveaxis(w, -1, 0), -1, 1).copy())
    strides = kwargs.get("strides", 1)
    dil = kwargs.get("dilation_rate", 1)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
    if kwargs.get("padding") == "same":  # Keras/TF 'same' (odd padding after): pad explicitly
        geo = _conv_geometry(x.shape, w.shape, strides, "same", dil)
        x = np.pad(x, ((0, 0), *geo.pads, (0, 0)))
        xt = torch.from_numpy(np.moveaxis(x, -1, 1).copy())
    return np.moveaxis(fn(xt, wt, stride=strides, dilation=dil).numpy(), 1, -1)


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CASES)
def test_chunked_forward_equals_recorded_forward_and_torch(small_chunks, x_shape, w_shape, kwargs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    kernel = ember.Variable(w)
    recorded = ops.conv(ember.tensor(x), kernel, **kwargs).numpy()
    with ember.no_grad():
        chunked = ops.conv(ember.tensor(x), kernel, **kwargs).numpy()
    np.testing.assert_array_equal(chunked, recorded)  # rows split, each dot product unchanged
    np.testing.assert_allclose(chunked, _torch_conv(x, w, kwargs), rtol=1e-4, atol=1e-4)


def test_chunked_forward_on_a_strided_view(small_chunks):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 10, 12, 3)).astype(np.float32)[::2, :, ::2]
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    with ember.no_grad():
        view = ops.conv(ember.tensor(x), ember.tensor(w)).numpy()
        copy = ops.conv(ember.tensor(np.ascontiguousarray(x)), ember.tensor(w)).numpy()
    np.testing.assert_array_equal(view, copy)


def test_backward_after_a_chunked_forward_rebuilds_the_columns(small_chunks):
    """A Conv node whose forward ran without recording (e.g. replayed) still has a correct backward."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 9, 8, 3)).astype(np.float64)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float64)
    g = rng.standard_normal((5, 7, 6, 4)).astype(np.float64)
    geo = _conv_geometry(x.shape, w.shape, 1, "valid", 1)
    plain, chunked = Conv(), Conv()
    plain.needs_grad = chunked.needs_grad = (True, True)
    y_plain = plain.forward(x, w, geo=geo, groups=1)
    with ember.no_grad():
        y_chunked = chunked.forward(x, w, geo=geo, groups=1)
    assert chunked.cols is None and plain.cols is not None
    np.testing.assert_array_equal(y_chunked, y_plain)
    for a, b in zip(chunked.backward(g), plain.backward(g), strict=True):
        np.testing.assert_array_equal(a, b)


def test_small_inputs_take_the_single_gemm():
    x = np.zeros((1, 28, 28, 1), np.float32)
    geo = _conv_geometry(x.shape, (3, 3, 1, 32), 1, "valid", 1)
    assert not conv_gemm.use_chunks(x, geo)  # the W6 CNN at batch 1: 24 KB of columns
    assert conv_gemm.use_chunks(np.zeros((256, 13, 13, 32), np.float32), _conv_geometry(
        (256, 13, 13, 32), (3, 3, 32, 64), 1, "valid", 1))  # W6 CNN b256, second conv: 35 MB  # fmt: skip
