"""Reductions: gradcheck, double backward, structure, torch, tie conventions, views."""

import numpy as np
import pytest
import torch
from ops_harness import (
    Distinct,
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
)

import ember
from ember import ops

ALL = [(), (1,), (3, 1), (2, 3, 4), (0, 3)]  # reduced over every axis
AX = [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 3)]  # reduced over axis -1


def red(name, fn, ref, shapes=ALL, spec=Uniform, double=True):
    return Op(name, fn, ref, [[spec(s)] for s in shapes], double)


def t_var(x, dim=None, keepdim=False):
    return torch.var(x, dim=dim, unbiased=False, keepdim=keepdim) if x.numel() else x.sum(dim=dim, keepdim=keepdim)


OPS = [
    red("sum", ops.sum, torch.sum),
    red("sum_axis", lambda x: ops.sum(x, axis=-1), lambda x: x.sum(-1), AX),
    red(
        "sum_keepdims_tuple",
        lambda x: ops.sum(x, axis=(0, -1), keepdims=True),
        lambda x: x.sum((0, -1), keepdim=True),
        [(1, 1), (3, 1), (2, 3), (2, 3, 4), (0, 3)],
    ),
    red("mean", ops.mean, torch.mean, ALL[:4]),
    red("mean_axis", lambda x: ops.mean(x, axis=0), lambda x: x.mean(0), AX[:4] + [(3, 0)]),
    red("max", ops.max, torch.amax, ALL[:4] + [(2, 2, 2)], Distinct),
    red("max_axis", lambda x: ops.max(x, axis=-1), lambda x: torch.amax(x, -1), AX, Distinct),
    red(
        "min_axis_keepdims",
        lambda x: ops.min(x, axis=0, keepdims=True),
        lambda x: torch.amin(x, 0, keepdim=True),
        AX[:4] + [(3, 0)],
        Distinct,
    ),
    red("prod", ops.prod, torch.prod, ALL, lambda s: Uniform(s, 0.5, 1.5), double=True),
    red("prod_axis", lambda x: ops.prod(x, axis=-1), lambda x: torch.prod(x, -1), AX, lambda s: Uniform(s, -1.5, 1.5)),
    red("var", ops.var, lambda x: t_var(x), ALL[:4] + [(5,)]),
    red("var_axis", lambda x: ops.var(x, axis=-1), lambda x: t_var(x, -1), AX),
    red(
        "std_axis",
        lambda x: ops.std(x, axis=0),
        lambda x: torch.std(x, 0, unbiased=False),
        [(2,), (3, 1), (2, 3), (2, 3, 4), (3, 2, 1)],
    ),
    red("logsumexp", ops.logsumexp, lambda x: torch.logsumexp(x, tuple(range(x.ndim))), ALL[:4] + [(4, 5)]),
    red("logsumexp_axis", lambda x: ops.logsumexp(x, axis=-1), lambda x: torch.logsumexp(x, -1), AX),
    red("norm", ops.norm, lambda x: torch.linalg.vector_norm(x), ALL),
    red(
        "norm_axis_l1",
        lambda x: ops.norm(x, ord=1, axis=-1),
        lambda x: torch.linalg.vector_norm(x, 1, -1),
        AX,
        lambda s: Uniform(s, kinks=(0.0,)),
    ),
    red(
        "norm_inf",
        lambda x: ops.norm(x, ord=np.inf, axis=-1),
        lambda x: torch.linalg.vector_norm(x, np.inf, -1),
        AX[:4],
        Distinct,
    ),
    red(
        "norm_p3",
        lambda x: ops.norm(x, ord=3, axis=-1),
        lambda x: torch.linalg.vector_norm(x, 3, -1),
        AX[:4],
        lambda s: Uniform(s, kinks=(0.0,), gap=0.1),
    ),
    red("cumsum", lambda x: ops.cumsum(x, axis=-1), lambda x: torch.cumsum(x, -1), AX),
    red("cumsum_flat", ops.cumsum, lambda x: torch.cumsum(x.reshape(-1), 0), ALL),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


def test_max_ties_share_the_gradient_evenly():
    x = ember.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    ops.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-7)


def test_prod_gradient_is_exact_with_zeros():
    x = ember.tensor([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]], requires_grad=True)
    ops.prod(x, axis=1).sum().backward()
    assert x.grad.tolist() == [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_prod_double_backward_with_zeros_names_the_op():
    x = ember.tensor([0.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(NotImplementedError, match="op Prod"):
        ops.prod(x).backward(create_graph=True)


def test_norm_gradient_at_zero_is_zero():
    x = ember.tensor([0.0, 0.0], requires_grad=True)
    ops.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_logsumexp_of_all_minus_inf_row_is_minus_inf_without_nan():
    x = ember.tensor([[-np.inf, -np.inf], [0.0, 0.0]])
    out = ops.logsumexp(x, axis=1).numpy()
    assert out[0] == -np.inf and out[1] == pytest.approx(np.log(2))


def test_reductions_reject_bad_axes_and_empty_max():
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        ops.sum(ops.ones((2, 2)), axis=2)
    with pytest.raises(ValueError, match="max: cannot reduce over zero elements"):
        ops.max(ops.zeros((0, 3)))


def test_argmax_argmin_return_first_index_and_no_graph():
    x = ember.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    assert ops.argmax(x, axis=1).tolist() == [1] and ops.argmin(x).tolist() == 0
    assert not ops.argmax(x).requires_grad


def test_sum_equals_mean_times_count_property():
    """H1: sum == mean * n along any axis, for random shapes (hypothesis, gate profile)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(derandomize=True, database=None, max_examples=50, deadline=None)
    @given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2))
    def prop(shape, axis):
        axis = axis % len(shape)
        x = ember.tensor(np.random.default_rng(len(shape)).standard_normal(shape))
        np.testing.assert_allclose(
            ops.sum(x, axis).numpy(), (ops.mean(x, axis) * shape[axis]).numpy(), rtol=1e-5, atol=1e-6
        )

    prop()
