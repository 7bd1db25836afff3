"""ember.ops.fused.dense: against PyTorch's linear + activation, float64 gradient checks, bad input."""

import numpy as np
import pytest
import torch

import ember
from ember.ops import fused
from ember.testing import gradcheck

TORCH_ACT = {"linear": lambda y: y, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


@pytest.mark.parametrize("activation", fused.ACTIVATIONS)
@pytest.mark.parametrize("x_shape", [(5, 4), (2, 3, 4)])
def test_dense_matches_torch_forward_and_backward(activation, x_shape):
    rng = np.random.default_rng(0)
    x, k, b = rng.standard_normal(x_shape), rng.standard_normal((4, 3)), rng.standard_normal(3)
    g = rng.standard_normal(x_shape[:-1] + (3,))
    ex, ek, eb = (ember.tensor(a.astype(np.float32), requires_grad=True) for a in (x, k, b))
    out = fused.dense(ex, ek, eb, activation)
    out.backward(ember.tensor(g.astype(np.float32)))
    tx, tk, tb = (torch.tensor(a.astype(np.float32), requires_grad=True) for a in (x, k, b))
    ref = TORCH_ACT[activation](tx @ tk + tb)
    ref.backward(torch.tensor(g.astype(np.float32)))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    for mine, theirs in ((ex, tx), (ek, tk), (eb, tb)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("activation", fused.ACTIVATIONS)
def test_dense_gradcheck_float64(activation):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 3, 4))
    k, b = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, 3)
    assert np.abs(x @ k + b).min() > 1e-2  # relu's kink is far from every pre-activation at eps=1e-6
    assert gradcheck(lambda x, k, b: fused.dense(x, k, b, activation), [x, k, b])


def test_dense_skips_gradients_nobody_needs():
    x = ember.tensor(np.ones((2, 3), np.float32))
    k = ember.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    b = ember.tensor(np.zeros(2, np.float32))
    fused.dense(x, k, b, "relu").sum().backward()
    assert x.grad is None and b.grad is None
    np.testing.assert_array_equal(k.grad.numpy(), np.full((3, 2), 2.0, np.float32))


def test_dense_bad_input_names_the_op():
    ones = ember.ops.ones
    with pytest.raises(ValueError, match=r"fused.dense.*x \(2, 5\), kernel \(4, 3\)"):
        fused.dense(ones((2, 5)), ones((4, 3)), ones((3,)))
    with pytest.raises(ValueError, match="fused.dense: activation must be one of"):
        fused.dense(ones((2, 4)), ones((4, 3)), ones((3,)), "gelu")


@pytest.mark.parametrize("activation", fused.ACTIVATIONS)
def test_dense_double_backward_float64(activation):
    from ember.testing import gradgradcheck

    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 3, 4))
    k, b = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, 3)
    assert np.abs(x @ k + b).min() > 1e-2  # relu's kink is far from every pre-activation
    assert gradgradcheck(lambda x, k, b: fused.dense(x, k, b, activation), [x, k, b])


@pytest.mark.parametrize("activation", fused.ACTIVATIONS)
@pytest.mark.parametrize("x_shape", [(5, 4), (2, 3, 4)])
def test_dense_layer_fused_path_equals_composite_bit_for_bit(activation, x_shape):
    """Dense.call uses fused.dense for these activations; forward and gradients equal the composite exactly,
    also on a strided (non-contiguous) input."""
    from ember import ops

    rng = np.random.default_rng(4)
    base = rng.standard_normal(x_shape[:-1] + (8,)).astype(np.float32)
    layer = ember.layers.Dense(3, activation=activation)
    layer.build(x_shape)
    layer.kernel.assign(rng.standard_normal((4, 3)).astype(np.float32))
    layer.bias.assign(rng.standard_normal(3).astype(np.float32))
    g = rng.standard_normal(x_shape[:-1] + (3,)).astype(np.float32)
    act = {"linear": lambda y: y, "relu": ops.relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh}[activation]
    results = []
    for use_layer in (True, False):
        x = ember.tensor(base, requires_grad=True)
        view = x[..., ::2]  # last axis 4, stride 2
        layer.kernel.grad = layer.bias.grad = None
        out = layer(view) if use_layer else act(ops.matmul(view, layer.kernel) + layer.bias)
        out.backward(ember.tensor(g))
        results.append([out.numpy(), x.grad.numpy(), layer.kernel.grad.numpy(), layer.bias.grad.numpy()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
