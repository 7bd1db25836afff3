"""Linear algebra: matmul (batched, broadcasting, 1-D), dot, einsum, outer, tensordot, inner."""

import numpy as np
import pytest
import torch
from ops_harness import (
    Op,
    Uniform,
    cases_of,
    standard_op_tests,
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
    two(  # N-D @ 2-D: MatMul's flattened single-GEMM path, forward and both gradients
        "matmul_nd_by_2d",
        ops.matmul,
        torch.matmul,
        [((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (4, 2)), ((0, 3, 4), (4, 2)), ((2, 3, 0), (0, 2)), ((1, 1, 1), (1, 1))],
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


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


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


def test_matmul_nd_by_2d_gradcheck_on_transposed_input():
    """The flattened N-D @ 2-D path on a non-contiguous left operand (a transposed view): float64 gradcheck,
    and forward/gradients equal to NumPy's batched matmul."""
    import ember
    from ember.testing import gradcheck

    rng = np.random.default_rng(3)
    base = rng.standard_normal((4, 3, 2))
    w = rng.standard_normal((3, 5))
    a = ember.tensor(base, requires_grad=True)
    view = ops.swapaxes(ops.swapaxes(a, 0, 2), 1, 2)  # (2, 4, 3), not C-contiguous
    assert gradcheck(lambda x, k: ops.matmul(ops.swapaxes(ops.swapaxes(x, 0, 2), 1, 2), k), [base, w])
    k = ember.tensor(w, requires_grad=True)
    y = ops.matmul(view, k)
    ref = np.matmul(base.transpose(2, 0, 1), w)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(ref.shape)
    (y * ember.tensor(g)).sum().backward()
    np.testing.assert_allclose(k.grad.numpy(), np.einsum("bti,btj->ij", base.transpose(2, 0, 1), g), rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), (g @ w.T).transpose(1, 2, 0), rtol=1e-12, atol=1e-12)
