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
