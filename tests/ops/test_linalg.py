"""Linear algebra: matmul (batched, broadcasting, 1-D), dot, einsum, outer, tensordot, inner."""

import numpy as np
import pytest
import torch
from ops_harness import (
    Op,
    Uniform,
    cases_of,
    check_gradcheck,
    check_gradgrad,
    check_structure,
    check_views,
    compare_with_torch,
    sample_case,
)

from ember import ops


def two(name, fn, ref, pairs):
    return Op(name, fn, ref, [[Uniform(a), Uniform(b)] for a, b in pairs])


OPS = [
    two(
        "matmul",
        ops.matmul,
        torch.matmul,
        [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 1, 3, 4), (3, 4, 2)), ((0, 3), (3, 2)), ((1, 1), (1, 1))],
    ),
    two(
        "dot",
        ops.dot,
        lambda a, b: (
            torch.tensor(np.dot(a.detach().numpy(), b.detach().numpy())) * 0
            + (
                a * b
                if a.ndim == 0 or b.ndim == 0
                else torch.matmul(a, b)
                if b.ndim <= 2
                else torch.tensordot(a, b, ([-1], [-2]))
            )
        ),
        [((), (3,)), ((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (2, 3, 4)), ((0, 2), (2,))],
    ),
    two(
        "einsum_batched",
        lambda a, b: ops.einsum("bij,bjk->bik", a, b),
        lambda a, b: torch.einsum("bij,bjk->bik", a, b),
        [
            ((1, 1, 1), (1, 1, 1)),
            ((2, 3, 4), (2, 4, 5)),
            ((0, 2, 3), (0, 3, 1)),
            ((3, 1, 2), (3, 2, 2)),
            ((2, 2, 0), (2, 0, 3)),
        ],
    ),
    two(
        "einsum_ellipsis_reduce",
        lambda a, b: ops.einsum("...i,i->...", a, b),
        lambda a, b: torch.einsum("...i,i->...", a, b),
        [((3,), (3,)), ((2, 3), (3,)), ((2, 4, 3), (3,)), ((0, 3), (3,)), ((1, 1, 1), (1,))],
    ),
    two(
        "einsum_sum_only_one",
        lambda a, b: ops.einsum("ij,k->k", a, b),
        lambda a, b: torch.einsum("ij,k->k", a, b),
        [((1, 1), (1,)), ((2, 3), (4,)), ((3, 1), (2,)), ((0, 2), (3,)), ((2, 2), (0,))],
    ),
    two(
        "einsum_implicit_outer",
        lambda a, b: ops.einsum("i,j", a, b),
        lambda a, b: torch.einsum("i,j", a, b),
        [((1,), (1,)), ((3,), (2,)), ((0,), (2,)), ((4,), (1,)), ((2,), (5,))],
    ),
    two(
        "outer",
        ops.outer,
        lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
        [((), ()), ((3,), (2,)), ((2, 2), (3,)), ((0,), (2,)), ((1,), (1, 1))],
    ),
    two(
        "tensordot",
        lambda a, b: ops.tensordot(a, b, axes=2),
        lambda a, b: torch.tensordot(a, b, 2),
        [((2, 3), (2, 3)), ((4, 2, 3), (2, 3, 5)), ((1, 1, 1), (1, 1)), ((0, 2, 3), (2, 3)), ((2, 2, 3), (2, 3, 0))],
    ),
    two(
        "inner", ops.inner, torch.inner, [((), (3,)), ((3,), (3,)), ((2, 3), (4, 3)), ((0, 3), (3,)), ((2, 1, 3), (3,))]
    ),
]
CASES = cases_of(OPS)


@pytest.mark.parametrize("op,case", CASES)
def test_gradcheck(op, case, on_backend):
    check_gradcheck(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_matches_torch(op, case):
    compare_with_torch(op, sample_case(case))


@pytest.mark.parametrize("op,case", CASES)
def test_double_backward(op, case):
    check_gradgrad(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_backward_structure(op, case):
    check_structure(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_views_equal_copies(op, case):
    check_views(op, case)


def test_matmul_error_names_op_axes_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"matmul: contracted axes differ: x1 axis -1 has size 3, x2 axis -2 has size "
        r"4. Received: shapes \(2, 3\) and \(4, 5\)",
    ):
        ops.matmul(ops.ones((2, 3)), ops.ones((4, 5)))


def test_einsum_rejects_malformed_subscripts():
    with pytest.raises(ValueError, match="einsum: subscripts 'ij' do not match operand shape"):
        ops.einsum("ij->i", ops.ones((2,)))
    with pytest.raises(ValueError, match="repeated indices"):
        ops.einsum("ii->i", ops.ones((2, 2)))


def test_large_matmul_random_direction_check_float32():
    """A4: a random-direction VJP check in float32 on a 1e5-element input."""
    from ember.testing import gradcheck_direction

    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 250)).astype(np.float32)
    b = (rng.standard_normal((250, 8)) / 16).astype(np.float32)
    assert gradcheck_direction(
        lambda x, y: ops.tanh(ops.matmul(x, y)), [a, b], eps=1e-2, atol=0, rtol=2e-3, dtype=np.float32
    )
