"""LayerNorm and Softmax write their products into their own temporaries (ember/ops/normalization.py,
ember/ops/activations.py): the values must equal the plain NumPy expressions bit for bit, in float32 and
for the mixed-dtype and broadcast cases that fall back to them."""

import numpy as np
import pytest

import ember
from ember import ops


def _ln_reference(x, gamma, beta, g, eps):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    rstd = 1 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + x.dtype.type(eps))
    xhat = xc * rstd
    gh = g * gamma
    gx = rstd * (gh - gh.mean(axis=-1, keepdims=True) - xhat * (gh * xhat).mean(axis=-1, keepdims=True))
    return xhat * gamma + beta, gx, (g * xhat).reshape(-1, x.shape[-1]).sum(0), g.reshape(-1, x.shape[-1]).sum(0)


@pytest.mark.parametrize("param_dtype", [np.float32, np.float64])
def test_layer_norm_equals_the_plain_expressions(param_dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 8)).astype(np.float32)
    gamma, beta = (rng.standard_normal(8).astype(param_dtype) for _ in range(2))
    g = rng.standard_normal((3, 5, 8)).astype(np.float32)
    ts = [ember.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    y = ops.layer_normalization(*ts, axis=-1, epsilon=1e-5)
    y.backward(ember.tensor(g))
    ref = _ln_reference(x, gamma, beta, g, 1e-5)
    assert y.dtype == ref[0].dtype  # float64 parameters: a float64 output, as the plain expression
    np.testing.assert_array_equal(y.numpy(), ref[0])
    np.testing.assert_array_equal(ts[0].grad.numpy(), ref[1].astype(x.dtype))  # gradients take the input's dtype
    np.testing.assert_allclose(ts[1].grad.numpy(), ref[2], rtol=1e-5)
    np.testing.assert_allclose(ts[2].grad.numpy(), ref[3], rtol=1e-5)


@pytest.mark.parametrize("axis", [-1, 1])
def test_softmax_equals_the_plain_expressions(axis):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 6, 7)).astype(np.float32) * 5
    g = rng.standard_normal((4, 6, 7)).astype(np.float32)
    t = ember.tensor(a, requires_grad=True)
    y = ops.softmax(t, axis=axis)
    y.backward(ember.tensor(g))
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    s = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_array_equal(y.numpy(), s)
    np.testing.assert_array_equal(t.grad.numpy(), s * (g - (g * s).sum(axis=axis, keepdims=True)))


def test_softmax_of_a_broadcast_gradient_and_of_integers():
    t = ember.tensor(np.array([[1.0, 2.0, 3.0]], np.float32), requires_grad=True)
    ops.softmax(t, axis=-1).sum().backward()  # g is a zero-stride broadcast of ones
    np.testing.assert_allclose(t.grad.numpy(), np.zeros((1, 3)), atol=1e-7)
    out = ops.softmax(ember.tensor(np.array([0, 1, 2])), axis=-1).numpy()
    np.testing.assert_allclose(out, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum())


def test_multi_head_attention_gradcheck_float64_through_the_fused_projections():
    from ember.testing import gradcheck

    mha = ember.layers.MultiHeadAttention(num_heads=2, key_dim=3, bias_initializer="glorot_uniform")
    x = np.random.default_rng(2).standard_normal((2, 4, 5))
    mha(ember.tensor(x.astype(np.float32)))
    for w in mha.weights:  # the sub-layers are float32: their values as float64 for the check
        w.data = w.data.astype(np.float64)
    y = mha(ember.tensor(x))
    assert y.dtype == np.float64 and y._ctx is not None
    assert gradcheck(lambda t: mha(t, t), [x])
