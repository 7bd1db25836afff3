"""Activations: gradcheck, double backward, structure, torch, kink conventions, views, extreme logits (B1)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from ops_harness import (
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
)

import ember
from ember import ops

SHAPES = [(), (1,), (3, 1), (2, 3, 4), (0, 3)]
AXIS_SHAPES = [(1,), (4,), (3, 1), (2, 3, 4), (0, 3)]


def act(name, fn, ref, lo=-3.0, hi=3.0, kinks=()):
    return Op(name, fn, ref, [[Uniform(s, lo, hi, kinks)] for s in SHAPES])


OPS = [
    act("sigmoid", ops.sigmoid, torch.sigmoid),
    act("tanh", ops.tanh, torch.tanh),
    act("relu", ops.relu, torch.relu, kinks=(0.0,)),
    act("relu6", ops.relu6, F.relu6, -2.0, 8.0, kinks=(0.0, 6.0)),
    act("hard_sigmoid", ops.hard_sigmoid, F.hardsigmoid, -5.0, 5.0, kinks=(-3.0, 3.0)),
    act("hard_silu", ops.hard_silu, F.hardswish, -5.0, 5.0, kinks=(-3.0, 3.0)),
    act("leaky_relu", ops.leaky_relu, lambda x: F.leaky_relu(x, 0.2), kinks=(0.0,)),
    act("elu", ops.elu, F.elu, kinks=(0.0,)),
    act("selu", ops.selu, F.selu, kinks=(0.0,)),
    act("gelu_tanh", ops.gelu, lambda x: F.gelu(x, approximate="tanh")),
    act("gelu_exact", lambda x: ops.gelu(x, approximate=False), F.gelu),
    act("silu", ops.silu, F.silu),
    act("softplus", ops.softplus, F.softplus),
    act("softsign", ops.softsign, F.softsign, kinks=(0.0,)),
    act("mish", ops.mish, F.mish),
    act("exponential", ops.exponential, torch.exp),
    act("linear", lambda x: ops.linear(x) * 1.0, lambda x: x * 1.0),
    Op("softmax", ops.softmax, lambda x: torch.softmax(x, -1), [[Uniform(s)] for s in AXIS_SHAPES]),
    Op(
        "softmax_axis0", lambda x: ops.softmax(x, 0), lambda x: torch.softmax(x, 0), [[Uniform(s)] for s in AXIS_SHAPES]
    ),
    Op("log_softmax", ops.log_softmax, lambda x: torch.log_softmax(x, -1), [[Uniform(s)] for s in AXIS_SHAPES]),
    Op(
        "log_softmax_axis0",
        lambda x: ops.log_softmax(x, 0),
        lambda x: torch.log_softmax(x, 0),
        [[Uniform(s)] for s in AXIS_SHAPES],
    ),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


@pytest.mark.parametrize(
    "fn,x,expected",
    [
        (ops.relu, 0.0, 0.0),
        (ops.relu6, 0.0, 0.0),
        (ops.relu6, 6.0, 0.0),
        (ops.hard_sigmoid, -3.0, 0.0),
        (ops.hard_sigmoid, 3.0, 0.0),
        (ops.leaky_relu, 0.0, 0.2),
        (ops.elu, 0.0, 1.0),
    ],
)
def test_gradient_at_kink_is_the_documented_convention(fn, x, expected):
    t = ember.tensor([x], requires_grad=True)
    fn(t).sum().backward()
    assert t.grad.numpy().tolist() == [np.float32(expected)]


@pytest.mark.parametrize("dtype,scale", [("float32", 1e3), ("float64", 1e300)])
def test_extreme_logits_stay_finite(dtype, scale):
    """B1: softmax/log_softmax/logsumexp on logits up to ±scale give no NaN/Inf and match a float64 reference."""
    rng = np.random.default_rng(0)
    z = (rng.uniform(-1, 1, size=(1000, 10)) * scale).astype(dtype)
    x = ember.tensor(z, requires_grad=True)
    p = ops.softmax(x)
    lp = ops.log_softmax(x)
    (p.sum() + lp.sum()).backward()
    assert np.isfinite(p.numpy()).all() and np.isfinite(x.grad.numpy()).all()
    ref = z.astype(np.float64) - z.max(-1, keepdims=True)
    ref_lp = ref - np.log(np.exp(ref).sum(-1, keepdims=True))
    # rtol 1e-6 (B1) plus one unit in the last place at 1.0 in the input dtype: an entry that rounds to 0 in
    # float32 can't be closer than that.
    np.testing.assert_allclose(lp.numpy(), ref_lp, rtol=1e-6, atol=np.finfo(dtype).eps)
    assert np.isfinite(ops.softplus(ember.tensor(z)).numpy()).all()


def test_softmax_rejects_out_of_range_axis():
    with pytest.raises(ValueError, match="softmax: axis 2"):
        ops.softmax(ember.ops.ones((2, 3)), axis=2)
