"""Unary elementwise ops: gradcheck (A1), double backward (A2), structure (A3), torch (A5), kinks (A6), views (A7)."""

import numpy as np
import pytest
import torch
from ops_harness import (
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
)

import ember
from ember import ops

SHAPES = [(), (1,), (3, 1), (2, 3, 4), (0, 3)]


def unary(name, fn, ref, lo=-2.0, hi=2.0, kinks=(), double=True):
    return Op(name, fn, ref, [[Uniform(s, lo, hi, kinks)] for s in SHAPES], double)


OPS = [
    unary("exp", ops.exp, torch.exp),
    unary("expm1", ops.expm1, torch.expm1),
    unary("log", ops.log, torch.log, 0.1, 3.0),
    unary("log1p", ops.log1p, torch.log1p, -0.5, 2.0),
    unary("sqrt", ops.sqrt, torch.sqrt, 0.1, 3.0),
    unary("rsqrt", ops.rsqrt, torch.rsqrt, 0.1, 3.0),
    unary("square", ops.square, torch.square),
    unary("reciprocal", ops.reciprocal, torch.reciprocal, kinks=(0.0,)),
    unary("abs", ops.abs, torch.abs, kinks=(0.0,)),
    unary("negative", ops.negative, torch.neg),
    unary("sin", ops.sin, torch.sin, -4.0, 4.0),
    unary("cos", ops.cos, torch.cos, -4.0, 4.0),
    unary("erf", ops.erf, torch.erf),
    unary("sign", ops.sign, torch.sign, kinks=(0.0,)),
    unary("floor", ops.floor, torch.floor, kinks=(-2.0, -1.0, 0.0, 1.0)),
    unary("ceil", ops.ceil, torch.ceil, kinks=(-2.0, -1.0, 0.0, 1.0)),
    unary("round", ops.round, torch.round, kinks=(-1.5, -0.5, 0.5, 1.5)),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


def test_abs_kink_gradient_is_zero():
    x = ember.tensor([0.0, -0.0, 1.0, -1.0], requires_grad=True)
    ops.abs(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, -1.0]


def test_piecewise_constant_ops_have_zero_gradient_everywhere():
    for fn in (ops.sign, ops.floor, ops.ceil, ops.round):
        x = ember.tensor([-1.5, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.tolist() == [0.0] * 5


@pytest.mark.parametrize(
    "name",
    [
        "exp",
        "expm1",
        "log",
        "log1p",
        "sqrt",
        "sin",
        "cos",
        "abs",
        "sign",
        "floor",
        "ceil",
        "round",
        "square",
        "negative",
    ],
)
def test_extremal_values_match_numpy_bit_for_bit(name):
    """B3: ±0, ±inf, NaN, subnormals and the largest float give what NumPy's ufunc gives."""
    values = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3.4028235e38, -3.4028235e38, 1.0, -1.0], dtype=np.float32
    )
    ref = {"negative": np.negative}.get(name, getattr(np, name, None))
    with np.errstate(all="ignore"):
        expected = ref(values)
        got = getattr(ops, name)(ember.tensor(values)).numpy()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def test_erf_float16_keeps_dtype():
    assert ops.erf(ember.tensor(np.ones(3, np.float16))).dtype == np.float16


def test_int_input_works_without_grad_and_rejects_requires_grad():
    assert ops.floor(ember.tensor([1, 2])).dtype.kind == "i"
    with pytest.raises(TypeError, match="floating"):
        ember.tensor([1, 2], requires_grad=True)
