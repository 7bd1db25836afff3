"""Double backward (``create_graph=True``), ``ember.autograd.engine.grad``, and the fast path staying fast."""

import numpy as np
import pytest
import torch

import ember
from ember import ops
from ember.autograd import Function
from ember.autograd.engine import grad


def test_second_derivative_of_a_polynomial():
    x = ember.tensor([2.0], dtype="float64", requires_grad=True)
    y = x**3
    (g,) = grad(y.sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    assert g.tolist() == [12.0] and h.tolist() == [12.0]


def test_backward_create_graph_accumulates_a_differentiable_grad():
    x = ember.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    (ops.sin(x) * x).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.sum().backward()
    # d/dx (cos x * x + sin x) = 2 cos x - x sin x
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos([0.5, -1.0]) - np.array([0.5, -1.0]) * np.sin([0.5, -1.0]))


def test_hessian_vector_product_matches_torch():
    rng = np.random.default_rng(0)
    a, w, v = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    W = ember.tensor(w, requires_grad=True)
    loss = ops.logsumexp(ops.tanh(ops.matmul(ember.tensor(a), W)), axis=1).mean()
    (g,) = grad(loss, W, create_graph=True)
    (hv,) = grad((g * ember.tensor(v)).sum(), W)
    Wt = torch.tensor(w, requires_grad=True)
    lt = torch.logsumexp(torch.tanh(torch.tensor(a) @ Wt), 1).mean()
    (gt,) = torch.autograd.grad(lt, Wt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), Wt)
    np.testing.assert_allclose(hv.numpy(), hvt.numpy(), rtol=1e-10, atol=1e-12)


def test_unsupported_double_backward_names_the_op():
    x = ember.tensor(np.ones((1, 3, 3, 2)), requires_grad=True)
    with pytest.raises(NotImplementedError, match="op Conv is implemented for groups == 1 only"):
        ops.conv(x, ops.ones((2, 2, 1, 2)), groups=2).sum().backward(create_graph=True)

    class Cube(Function):  # first order only
        def forward(self, a):
            self.a = a
            return a**3

        def backward(self, g):
            return 3 * g * self.a**2

    with pytest.raises(NotImplementedError, match="op Cube"):
        Cube.apply(ember.tensor([1.0], requires_grad=True)).sum().backward(create_graph=True)


def test_grad_returns_zeros_for_unused_inputs_and_does_not_touch_dot_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    z = ember.tensor([3.0], requires_grad=True)
    gx, gz = grad((x * x).sum(), [x, z])
    assert gx.tolist() == [2.0, 4.0] and gz.tolist() == [0.0] and x.grad is None


def test_grad_with_respect_to_an_intermediate_tensor():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    (gh,) = grad((h * h).sum(), h)
    assert gh.tolist() == [6.0, 12.0]


def test_plain_backward_still_frees_the_graph_and_create_graph_retains_it():
    x = ember.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    y2 = (x * x).sum()
    y2.backward(create_graph=True)
    y2.backward(create_graph=True)  # retain_graph defaults to create_graph, as in PyTorch


def test_function_apply_has_no_double_backward_cost():
    """The create_graph machinery lives outside Function.apply: the hot path is unchanged."""
    import inspect

    from ember.autograd.function import Function

    source = inspect.getsource(Function.apply)
    assert "backward_graph" not in source and "anomaly" not in source
