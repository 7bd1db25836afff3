"""Fused cross-entropies (B1, B2), dropout, and the ``ember.ops.nn`` namespace."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from ops_harness import (
    Ints,
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
)

import ember
from ember import ops

OPS = [
    Op(
        "sparse_softmax_cross_entropy",
        lambda z, y: ops.sparse_softmax_cross_entropy(y, z),
        lambda z, y: F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1), reduction="none").reshape(y.shape),
        [[Uniform(z), Ints(z[:-1], 0, z[-1])] for z in [(1, 1), (3, 4), (2, 3, 5), (0, 3), (1, 2)]],
        double=True,
    ),
    Op(
        "softmax_cross_entropy",
        lambda z, y: ops.softmax_cross_entropy(ops.softmax(y), z),
        lambda z, y: -(torch.softmax(y, -1) * torch.log_softmax(z, -1)).sum(-1),
        [[Uniform(s), Uniform(s)] for s in [(1, 1), (3, 4), (2, 3, 5), (0, 3), (1, 2)]],
        double=True,
    ),
    Op(
        "sigmoid_cross_entropy",
        lambda z, y: ops.sigmoid_cross_entropy(y, z),
        lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none"),
        [[Uniform(s), Uniform(s, 0.0, 1.0)] for s in [(), (1,), (3, 1), (2, 3, 4), (0, 3)]],
        double=True,
    ),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


@pytest.mark.parametrize("z", [1e-8, -1e-8, 20.0, -20.0, 88.7, -88.7, 100.0, -100.0, 1e4, -1e4])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_sigmoid_cross_entropy_is_stable_at_extremes(z, y):
    """B2: loss matches max(z,0) - zy + log1p(e^-|z|) to rtol 1e-6 and grad = sigmoid(z) - y to 1e-7."""
    zt = ember.tensor([z], dtype="float64", requires_grad=True)
    loss = ops.sigmoid_cross_entropy(ember.tensor([y], dtype="float64"), zt)
    loss.sum().backward()
    ref = max(z, 0) - z * y + np.log1p(np.exp(-abs(z)))
    np.testing.assert_allclose(loss.numpy(), [ref], rtol=1e-6)
    sigmoid = 0.5 * (1 + np.tanh(z / 2))  # the overflow-free form of 1 / (1 + e^-z)
    assert abs(zt.grad.numpy()[0] - (sigmoid - y)) <= 1e-7


def test_sigmoid_cross_entropy_regression_large_negative_logit():
    loss = ops.sigmoid_cross_entropy(ember.tensor([1.0]), ember.tensor([-100.0]))
    assert loss.numpy()[0] == pytest.approx(100.0)


def test_dropout_scales_kept_units_and_is_seeded():
    x = ops.ones((1000,))
    a, b = ops.dropout(x, 0.25, seed=3), ops.dropout(x, 0.25, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert set(np.unique(a.numpy()).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert 0.2 < float((a.numpy() == 0).mean()) < 0.3
    with pytest.raises(ValueError, match="dropout: expected 0 <= rate < 1"):
        ops.dropout(x, 1.0)


def test_nn_namespace_exposes_the_nn_ops():
    for name in ("conv2d", "max_pool2d", "layer_normalization", "dot_product_attention", "embedding", "dropout"):
        assert callable(getattr(ember.ops.nn, name))
    assert sorted(ember.ops.nn.__all__) == ember.ops.nn.__all__
