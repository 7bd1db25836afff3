"""Binary elementwise ops with broadcasting: gradcheck, double backward, structure, torch, kinks, views."""

import numpy as np
import pytest
import torch
from ops_harness import (
    Grid,
    Ints,
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
)

import ember
from ember import ops

PAIRS = [((), ()), ((3,), (1,)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((0, 3), (3,))]


def binary(name, fn, ref, a=(-2.0, 2.0), b=(-2.0, 2.0), b_kinks=()):
    return Op(name, fn, ref, [[Uniform(sa, *a), Uniform(sb, *b, kinks=b_kinks, gap=0.3)] for sa, sb in PAIRS])


def gridded(name, fn, ref):
    return Op(name, fn, ref, [[Grid(sa, 0.0), Grid(sb, 0.01)] for sa, sb in PAIRS])


OPS = [
    binary("add", ops.add, torch.add),
    binary("subtract", ops.subtract, torch.sub),
    binary("multiply", ops.multiply, torch.mul),
    binary("divide", ops.divide, torch.div, b_kinks=(0.0,)),
    binary("power", ops.power, torch.pow, a=(0.2, 2.0)),
    gridded("maximum", ops.maximum, torch.maximum),
    gridded("minimum", ops.minimum, torch.minimum),
    Op(
        "where",
        lambda c, a, b: ops.where(c, a, b),
        lambda c, a, b: torch.where(c.bool(), a, b),
        [[Ints(sa, 0, 2), Uniform(sa), Uniform(sb)] for sa, sb in PAIRS],
    ),
    Op(
        "clip",
        lambda x: ops.clip(x, -1.0, 1.0),
        lambda x: torch.clamp(x, -1.0, 1.0),
        [[Uniform(s, kinks=(-1.0, 1.0))] for s in [(), (1,), (3, 1), (2, 3, 4), (0, 3)]],
    ),
    Op(
        "operators",
        lambda a, b: (a + 2.0) * b / 3.0 - 1.0 / (b * b + 1.0) - a**2,
        lambda a, b: (a + 2.0) * b / 3.0 - 1.0 / (b * b + 1.0) - a**2,
        [[Uniform(sa), Uniform(sb)] for sa, sb in PAIRS],
    ),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


def test_maximum_minimum_ties_split_gradient_evenly():
    for fn in (ops.maximum, ops.minimum):
        a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = ember.tensor([1.0, 1.0, 5.0], requires_grad=True)
        fn(a, b).sum().backward()
        expected_a = [0.5, 1.0, 0.0] if fn is ops.maximum else [0.5, 0.0, 1.0]
        assert a.grad.tolist() == expected_a
        assert b.grad.tolist() == [1.0 - v for v in expected_a]


def test_clip_at_bounds_takes_half_gradient():
    x = ember.tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    ops.clip(x, -1.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0, 0.5, 0.0]


def test_power_gradient_wrt_exponent_is_zero_for_nonpositive_base():
    a = ember.tensor([0.0, 2.0], requires_grad=True)
    b = ember.tensor([2.0, 3.0], requires_grad=True)
    ops.power(a, b).sum().backward()
    assert b.grad.tolist() == [0.0, pytest.approx(8 * np.log(2.0))]


def test_nan_and_inf_propagate_without_exceptions():
    x = ember.tensor([np.nan, np.inf, 1.0], requires_grad=True)
    y = ops.multiply(ops.add(x, 1.0), 2.0)
    y.sum().backward()
    assert np.isnan(y.numpy()[0]) and np.isposinf(y.numpy()[1]) and y.numpy()[2] == 4.0
    with np.errstate(divide="ignore"):  # NumPy warns on x / 0 (an error under pytest's -W error); IEEE gives inf
        z = ops.divide(ember.tensor([1.0, -1.0]), ember.tensor([0.0, 0.0]))
    assert z.tolist() == [np.inf, -np.inf]


def test_scalar_operands_take_the_tensor_dtype():
    x = ember.tensor(np.ones(2, np.float64))
    assert (x * 2.5).dtype == np.float64 and (1.0 - x).dtype == np.float64
    assert (ember.tensor(np.ones(2, np.float16)) + 1.0).dtype == np.float16


def test_broadcast_gradients_have_input_shapes_and_are_linear_in_upstream():
    """H1: for random broadcastable shapes, grad.shape == input shape, and backward is linear in the upstream grad."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    dims = st.lists(st.integers(1, 3), min_size=0, max_size=3)

    @settings(derandomize=True, database=None, max_examples=50, deadline=None)
    @given(dims, st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 3))
    def prop(shape, ones, drop):
        b_shape = tuple(1 if o else n for n, o in zip(shape, ones, strict=False))[drop:]
        rng = np.random.default_rng(len(shape))
        a = ember.tensor(rng.standard_normal(shape), requires_grad=True)
        b = ember.tensor(rng.standard_normal(b_shape), requires_grad=True)
        out_shape = np.broadcast_shapes(tuple(shape), b_shape)
        u, v = rng.standard_normal(out_shape), rng.standard_normal(out_shape)
        grads = []
        for up in (u, v, 2.0 * u + 3.0 * v):
            a.grad = b.grad = None
            ops.multiply(ops.sin(a), b).backward(ember.tensor(up))
            assert a.grad.shape == a.shape and b.grad.shape == b.shape
            grads.append((a.grad.numpy(), b.grad.numpy()))
        for k in range(2):
            np.testing.assert_allclose(grads[2][k], 2.0 * grads[0][k] + 3.0 * grads[1][k], rtol=1e-12, atol=1e-12)

    prop()
