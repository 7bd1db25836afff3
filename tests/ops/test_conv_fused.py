"""ember.ops.conv_fused.conv_bias_act (Conv + bias + activation as one node): equal to the composite bit for bit,
against PyTorch's conv + bias + activation, float64 gradient and double-gradient checks, bad input, and the
Conv layers that use it."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from ember import layers, ops
from ember.ops.conv_fused import ConvBiasAct, conv_bias_act
from ember.testing import gradcheck, gradgradcheck

ACTS = ("linear", "relu", "sigmoid", "tanh")
TORCH_ACT = {"linear": lambda y: y, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
EMBER_ACT = {"linear": lambda y: y, "relu": ops.relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh}
CASES = [  # x shape, kernel shape, kwargs
    ((3, 7, 8, 2), (3, 3, 2, 4), {}),
    ((2, 9, 7, 3), (3, 2, 3, 5), {"strides": (2, 1), "padding": "same"}),
    ((2, 10, 10, 2), (3, 3, 2, 3), {"dilation_rate": 2, "padding": "same"}),
    ((2, 6, 6, 4), (3, 3, 2, 6), {"groups": 2}),
    ((4, 11, 3), (5, 3, 4), {"strides": 2}),
]


def _arrays(x_shape, w_shape, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, (w_shape[-1],))]


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("x_shape, w_shape, kwargs", CASES)
def test_equals_the_composite_bit_for_bit(activation, x_shape, w_shape, kwargs):
    x, w, b = _arrays(x_shape, w_shape)
    g = np.random.default_rng(1).standard_normal(ops.conv(x, w, **kwargs).shape).astype(np.float32)
    results = []
    for fn in (lambda x, w, b: conv_bias_act(x, w, b, activation, **kwargs),
               lambda x, w, b: EMBER_ACT[activation](ops.conv(x, w, **kwargs) + b)):  # fmt: skip
        ts = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
        out = fn(*ts)
        out.backward(ember.tensor(g))
        results.append([out.numpy()] + [t.grad.numpy() for t in ts])
    for mine, composite in zip(*results, strict=True):
        np.testing.assert_array_equal(mine, composite)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("x_shape, w_shape, kwargs", CASES[:1] + CASES[3:])
def test_matches_torch_forward_and_backward(activation, x_shape, w_shape, kwargs):
    x, w, b = _arrays(x_shape, w_shape)
    ts = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = conv_bias_act(*ts, activation, **kwargs)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(ember.tensor(g))
    rank = x.ndim - 2
    tx = torch.tensor(np.moveaxis(x, -1, 1).copy(), requires_grad=True)
    tw = torch.tensor(np.moveaxis(np.moveaxis(w, -1, 0), -1, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    conv = {1: F.conv1d, 2: F.conv2d}[rank]
    ref = TORCH_ACT[activation](conv(tx, tw, tb, stride=kwargs.get("strides", 1), groups=kwargs.get("groups", 1)))
    ref.backward(torch.tensor(np.moveaxis(g, -1, 1).copy()))
    np.testing.assert_allclose(out.numpy(), np.moveaxis(ref.detach().numpy(), 1, -1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ts[0].grad.numpy(), np.moveaxis(tx.grad.numpy(), 1, -1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ts[1].grad.numpy(), np.moveaxis(np.moveaxis(tw.grad.numpy(), 1, -1), 0, -1),
                               rtol=1e-4, atol=1e-4)  # fmt: skip
    np.testing.assert_allclose(ts[2].grad.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("kwargs", [{}, {"padding": "same", "strides": 2}, {"groups": 2}])
def test_gradcheck_float64(activation, kwargs):
    x, w, b = _arrays((2, 5, 5, 2), (2, 3, 1 if kwargs.get("groups") else 2, 2), seed=3, dtype=np.float64)
    z = ops.conv(x, w, **kwargs).numpy() + b
    assert np.abs(z).min() > 1e-3  # relu's kink is far from every pre-activation at eps=1e-6
    assert gradcheck(lambda x, w, b: conv_bias_act(x, w, b, activation, **kwargs), [x, w, b])


@pytest.mark.parametrize("activation", ("relu", "tanh"))
def test_double_backward_float64(activation):
    x, w, b = _arrays((2, 4, 5, 2), (3, 2, 2, 3), seed=4, dtype=np.float64)
    assert np.abs(ops.conv(x, w, padding="same").numpy() + b).min() > 1e-3
    assert gradgradcheck(lambda x, w, b: conv_bias_act(x, w, b, activation, padding="same"), [x, w, b])


def test_grouped_double_backward_names_the_op():
    x, w, b = (ember.tensor(a, requires_grad=True) for a in _arrays((1, 4, 4, 4), (3, 3, 2, 2), dtype=np.float64))
    y = conv_bias_act(x, w, b, "relu", groups=2).sum()
    with pytest.raises(NotImplementedError, match="ConvBiasAct"):
        ember.autograd.engine.grad(y, [x], create_graph=True)


def test_bad_input_names_the_op():
    x, w, b = _arrays((1, 5, 5, 2), (3, 3, 2, 4))
    with pytest.raises(ValueError, match=r"conv_bias_act: bias must have shape \(4,\).*\(3,\)"):
        conv_bias_act(x, w, b[:3])
    with pytest.raises(ValueError, match="conv_bias_act: activation must be one of"):
        conv_bias_act(x, w, b, "gelu")
    with pytest.raises(ValueError, match="conv: channels do not match"):
        conv_bias_act(x, np.ones((3, 3, 3, 4), np.float32), b)


@pytest.mark.parametrize("layer_cls, x_shape, kwargs", [
    (layers.Conv2D, (2, 8, 8, 3), {"padding": "same"}),
    (layers.Conv1D, (2, 9, 3), {"padding": "causal", "dilation_rate": 2}),
    (layers.Conv2D, (2, 3, 8, 8), {"data_format": "channels_first", "strides": 2}),
])  # fmt: skip
def test_conv_layers_use_one_node_with_the_composite_values(layer_cls, x_shape, kwargs):
    x = ember.tensor(np.random.default_rng(5).standard_normal(x_shape).astype(np.float32))
    fused_layer = layer_cls(4, 3, activation="relu", bias_initializer="glorot_uniform", **kwargs)
    plain_layer = layer_cls(4, 3, **kwargs)
    y = fused_layer(x)
    plain_layer.build(x.shape)
    plain_layer.kernel.assign(fused_layer.kernel.numpy())
    plain_layer.bias.assign(fused_layer.bias.numpy())
    ref = ops.relu(plain_layer(x))
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    node = y._ctx if kwargs.get("data_format") is None else y._ctx.parents[0]._ctx  # channels_first: a transpose
    assert isinstance(node, ConvBiasAct)
