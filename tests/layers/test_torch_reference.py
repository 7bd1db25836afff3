"""Layers against PyTorch with identical weights: forward output and the gradients of one training step.

The torch side starts from the Keras-layout weights (as leaf tensors) and converts them to its own
layout inside the forward (``permute``/``reshape``), so the gradients it reports are in Keras layout
and compare directly. Tolerances: forward rtol 1e-3 / atol 1e-6, gradients rtol 1e-3 / atol 1e-4
(float32, RELIABILITY.md A5).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from ember import layers as L
from ember import ops

NHWC_TO_NCHW, NCHW_TO_NHWC = (0, 3, 1, 2), (0, 2, 3, 1)


def _nchw(fn):
    """Run a torch NCHW op on NHWC input and return NHWC."""
    return lambda x, *w: fn(x.permute(*NHWC_TO_NCHW), *w).permute(*NCHW_TO_NHWC)


def _ncl(fn):
    return lambda x, *w: fn(x.permute(0, 2, 1), *w).permute(0, 2, 1)


def check_against_torch(layer, x, torch_forward, training=False, n_fixed=0):
    """Forward, input gradient and trainable-weight gradients of ``sum(out * g)`` agree with torch."""
    rng = np.random.default_rng(7)
    x_e = ember.tensor(x, requires_grad=x.dtype.kind == "f")
    params = [torch.tensor(w, requires_grad=True) for w in layer.get_weights()]  # Keras layout, before the step
    out = layer(x_e, training=training)
    g = rng.standard_normal(out.shape).astype("float32")
    ops.sum(out * ember.tensor(g)).backward()
    x_t = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    out_t = torch_forward(x_t, *params)
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-3, atol=1e-6)
    if x_e.requires_grad:
        np.testing.assert_allclose(x_e.grad.numpy(), x_t.grad.numpy(), rtol=1e-3, atol=1e-4)
    trainable = [(w, p) for w, p in zip(layer.weights, params, strict=True) if w.trainable]
    assert len(trainable) == len(params) - n_fixed
    for w, p in trainable:
        assert w.grad is not None, w.path
        np.testing.assert_allclose(w.grad.numpy(), p.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=w.path)
    return out


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _randomize(layer, x):
    """Build the layer and give every weight random values (biases and BN statistics too)."""
    layer(ember.tensor(x[:1] if x.dtype.kind == "f" else x))
    rng = np.random.default_rng(3)
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.name
                       else rng.standard_normal(w.shape).astype("float32") for w in layer.weights])  # fmt: skip
    for w in layer.weights:
        w.grad = None
    return layer


def test_dense():
    x = _x(4, 5)
    layer = _randomize(L.Dense(3, activation="tanh"), x)
    check_against_torch(layer, x, lambda x, k, b: torch.tanh(F.linear(x, k.T, b)))


@pytest.mark.parametrize("kwargs, torch_kwargs", [
    ({"padding": "same"}, {"padding": "same"}),
    ({"strides": 2}, {"stride": 2}),
    ({"dilation_rate": 2, "padding": "same"}, {"dilation": 2, "padding": "same"}),
    ({"groups": 2}, {"groups": 2}),
])  # fmt: skip
def test_conv2d(kwargs, torch_kwargs):
    x = _x(2, 7, 7, 4)
    layer = _randomize(L.Conv2D(6, 3, **kwargs), x)
    conv = _nchw(lambda x, k, b: F.conv2d(x, k.permute(3, 2, 0, 1), b, **torch_kwargs))
    check_against_torch(layer, x, conv)


def test_conv1d_causal_and_same():
    x = _x(2, 9, 3)
    layer = _randomize(L.Conv1D(4, 3, padding="causal", dilation_rate=2), x)
    causal = _ncl(lambda x, k, b: F.conv1d(F.pad(x, (4, 0)), k.permute(2, 1, 0), b, dilation=2))
    check_against_torch(layer, x, causal)
    layer = _randomize(L.Conv1D(4, 3, padding="same"), x)
    check_against_torch(layer, x, _ncl(lambda x, k, b: F.conv1d(x, k.permute(2, 1, 0), b, padding="same")))


def test_conv2d_channels_first():
    x = _x(2, 3, 6, 6)
    layer = _randomize(L.Conv2D(4, 3, data_format="channels_first"), x)
    check_against_torch(layer, x, lambda x, k, b: F.conv2d(x, k.permute(3, 2, 0, 1), b))


@pytest.mark.parametrize("strides", [1, 2])
def test_conv2d_transpose(strides):
    x = _x(2, 4, 4, 3)
    layer = _randomize(L.Conv2DTranspose(5, 3, strides=strides), x)
    # Keras kernel (kh, kw, out, in) -> torch conv_transpose weight (in, out, kh, kw).
    deconv = _nchw(lambda x, k, b: F.conv_transpose2d(x, k.permute(3, 2, 0, 1), b, stride=strides))
    check_against_torch(layer, x, deconv)


def test_conv1d_transpose():
    x = _x(2, 5, 3)
    layer = _randomize(L.Conv1DTranspose(2, 4, strides=3), x)
    check_against_torch(layer, x, _ncl(lambda x, k, b: F.conv_transpose1d(x, k.permute(2, 1, 0), b, stride=3)))


def _depthwise_weight(k):
    """Keras (kh, kw, C, M) -> torch (C * M, 1, kh, kw), output channel c * M + m."""
    kh, kw, c, m = k.shape
    return k.reshape(kh, kw, c * m).permute(2, 0, 1).unsqueeze(1)


def test_depthwise_conv2d():
    x = _x(2, 6, 6, 3)
    layer = _randomize(L.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="valid"), x)
    dw = _nchw(lambda x, k, b: F.conv2d(x, _depthwise_weight(k), b, stride=2, groups=3))
    check_against_torch(layer, x, dw)


def test_separable_conv2d():
    x = _x(2, 6, 6, 3)
    layer = _randomize(L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same"), x)

    def sep(x, dk, pk, b):
        y = F.conv2d(x, _depthwise_weight(dk), None, padding="same", groups=3)
        return F.conv2d(y, pk.permute(3, 2, 0, 1), b)

    check_against_torch(layer, x, _nchw(sep))


def test_batch_normalization_training_and_inference():
    x = _x(8, 3, 3, 4)
    layer = _randomize(L.BatchNormalization(), x)
    gamma, beta, mean0, var0 = layer.get_weights()

    def bn_train(x, g, b, m, v):
        return F.batch_norm(x, m.detach().clone(), v.detach().clone(), g, b, training=True, eps=1e-3)

    check_against_torch(layer, x, _nchw(bn_train), training=True, n_fixed=2)
    # Keras updates the moving variance with the biased batch variance (torch uses the unbiased one).
    batch = x.reshape(-1, 4).astype("float64")
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.99 * mean0 + 0.01 * batch.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 * var0 + 0.01 * batch.var(0), rtol=1e-5, atol=1e-6)
    for w in layer.weights:
        w.grad = None

    def bn_eval(x, g, b, m, v):
        return F.batch_norm(x, m.detach(), v.detach(), g, b, training=False, eps=1e-3)

    check_against_torch(layer, x, _nchw(bn_eval), training=False, n_fixed=2)


def test_batch_normalization_frozen_uses_moving_statistics():
    x = _x(8, 4)
    layer = _randomize(L.BatchNormalization(), x)
    layer.trainable = False
    before = layer.get_weights()
    out = layer(ember.tensor(x), training=True).numpy()
    g, b, m, v = before
    np.testing.assert_allclose(out, (x - m) / np.sqrt(v + 1e-3) * g + b, rtol=1e-5, atol=1e-6)
    for a, c in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, c)


def test_layer_normalization():
    x = _x(2, 5, 6)
    layer = _randomize(L.LayerNormalization(), x)
    check_against_torch(layer, x, lambda x, g, b: F.layer_norm(x, (6,), g, b, eps=1e-3))


def test_group_normalization():
    x = _x(2, 4, 4, 6)
    layer = _randomize(L.GroupNormalization(groups=3), x)
    check_against_torch(layer, x, _nchw(lambda x, g, b: F.group_norm(x, 3, g, b, eps=1e-3)))


def test_pooling():
    x = _x(2, 6, 6, 3)
    check_against_torch(L.MaxPooling2D(2), x, _nchw(lambda x: F.max_pool2d(x, 2)))
    check_against_torch(L.AveragePooling2D(3, strides=2), x, _nchw(lambda x: F.avg_pool2d(x, 3, stride=2)))
    x1 = _x(2, 7, 3)
    check_against_torch(L.MaxPooling1D(3, strides=2), x1, _ncl(lambda x: F.max_pool1d(x, 3, stride=2)))
    check_against_torch(L.GlobalAveragePooling2D(), x, lambda x: x.mean(dim=(1, 2)))


def test_embedding():
    idx = np.array([[1, 4, 0], [2, 2, 5]], dtype="int64")
    layer = _randomize(L.Embedding(6, 3), idx)
    check_against_torch(layer, idx, lambda i, w: F.embedding(i, w))


def test_prelu_and_einsum_dense():
    x = _x(2, 3, 3, 4)
    layer = _randomize(L.PReLU(shared_axes=[1, 2]), x)
    check_against_torch(layer, x, lambda x, a: F.relu(x) - a * F.relu(-x))
    x = _x(2, 3, 5)
    layer = _randomize(L.EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de"), x)
    check_against_torch(layer, x, lambda x, k, b: torch.einsum("abc,cde->abde", x, k) + b)


def test_upsampling_and_padding():
    x = _x(2, 3, 3, 2)
    check_against_torch(L.UpSampling2D((2, 3)), x, _nchw(lambda x: F.interpolate(x, scale_factor=(2, 3))))
    check_against_torch(L.ZeroPadding2D(((1, 2), (0, 1))), x, _nchw(lambda x: F.pad(x, (0, 1, 1, 2))))
