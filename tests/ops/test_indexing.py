"""Indexing and joining: slicing and advanced indexing (scatter-add backward), take/gather, concatenate,
stack, split, one_hot."""

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
from ember.testing import gradcheck

IDX = np.array([0, 2, 0, 1])


def one(name, fn, ref, shapes):
    return Op(name, fn, ref, [[Uniform(s)] for s in shapes])


def cat_op(axis):
    return Op(
        f"concatenate_axis{axis}",
        lambda a, b: ops.concatenate([a, b], axis=axis),
        lambda a, b: torch.cat([a, b], axis),
        [
            [Uniform(s), Uniform(t)]
            for s, t in [((1,), (2,)), ((3, 1), (3, 2)), ((0, 3), (0, 2)), ((2, 3, 4), (2, 3, 4)), ((1, 1), (1, 1))]
        ]
        if axis == -1
        else [
            [Uniform(s), Uniform(t)]
            for s, t in [((1,), (2,)), ((3, 1), (1, 1)), ((0, 3), (2, 3)), ((2, 3, 4), (1, 3, 4)), ((1, 1), (1, 1))]
        ],
    )


OPS = [
    one("slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(2, 1), (3, 4), (2, 3, 4), (4, 0), (1, 5)]),
    one("int_index", lambda x: x[-1], lambda x: x[-1], [(1,), (3, 1), (2, 3), (2, 3, 4), (2, 0)]),
    one(
        "newaxis_ellipsis",
        lambda x: x[None, ..., 0],
        lambda x: x[None, ..., 0],
        [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 1)],
    ),
    one(
        "advanced_repeated", lambda x: x[IDX], lambda x: x[torch.tensor(IDX)], [(3,), (3, 1), (3, 2), (3, 2, 2), (3, 0)]
    ),
    one(
        "advanced_pairs",
        lambda x: x[[0, 1, 1], [1, 0, 0]],
        lambda x: x[[0, 1, 1], [1, 0, 0]],
        [(2, 2), (3, 3), (2, 2, 3), (2, 4), (2, 2, 0)],
    ),
    one("bool_mask", lambda x: x[x.numpy() > 0], lambda x: x[x > 0], [(), (1,), (3, 1), (2, 3, 4), (0, 3)]),
    one(
        "take",
        lambda x: ops.take(x, IDX, axis=0),
        lambda x: x[torch.tensor(IDX)],
        [(3,), (3, 1), (3, 2), (3, 2, 2), (3, 0)],
    ),
    one(
        "take_flat",
        lambda x: ops.take(x, np.array([[0, 1], [1, 0]])),
        lambda x: x.reshape(-1)[torch.tensor([[0, 1], [1, 0]])],
        [(2,), (2, 1), (1, 2), (2, 3, 4), (3, 1, 1)],
    ),
    Op(
        "take_along_axis",
        lambda x, i: ops.take_along_axis(x, i, axis=1),
        lambda x, i: torch.gather(x, 1, i),
        [
            [Uniform(s), Ints(t, 0, s[1])]
            for s, t in [((1, 1), (1, 1)), ((2, 3), (2, 5)), ((3, 2), (3, 1)), ((2, 3, 4), (2, 2, 4)), ((0, 3), (0, 2))]
        ],
    ),
    Op(
        "embedding",
        lambda i, w: ops.embedding(i, w),
        lambda i, w: F.embedding(i, w),
        [[Ints(s, 0, 4), Uniform((4, 3))] for s in [(), (1,), (5,), (2, 3), (0, 2)]],
    ),
    cat_op(0),
    cat_op(-1),
    Op(
        "stack",
        lambda a, b: ops.stack([a, b], axis=1),
        lambda a, b: torch.stack([a, b], 1),
        [[Uniform(s), Uniform(s)] for s in [(1,), (3,), (3, 1), (2, 3, 4), (0, 3)]],
    ),
    one(
        "split",
        lambda x: tuple(ops.split(x, 2, axis=-1)),
        lambda x: torch.split(x, x.shape[-1] // 2, -1),
        [(2,), (3, 2), (2, 4), (2, 3, 4), (0, 2)],
    ),
    one(
        "split_indices",
        lambda x: tuple(ops.split(x, [1, 3], axis=0)),
        lambda x: torch.split(x, [1, 2, 1], 0),
        [(4,), (4, 1), (4, 2), (4, 2, 3), (4, 0)],
    ),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


def test_repeated_indices_accumulate_in_backward():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_one_hot_matches_torch_and_zeroes_out_of_range_labels():
    labels = np.array([[0, 2], [1, 3]])
    np.testing.assert_array_equal(ops.one_hot(labels, 4).numpy(), F.one_hot(torch.tensor(labels), 4).numpy())
    assert ops.one_hot(ember.tensor([-1, 5]), 3).tolist() == [[0.0] * 3, [0.0] * 3]
    assert ops.one_hot(np.array([1, 0]), 2, axis=0).tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert not ops.one_hot(labels, 4).requires_grad


def test_concatenate_error_names_op_axis_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"concatenate: all shapes must match except on axis 0. Received: shapes "
        r"\[\(2, 3\), \(2, 4\)\]",
    ):
        ops.concatenate([ops.ones((2, 3)), ops.ones((2, 4))])
    with pytest.raises(ValueError, match="stack: all tensors must have the same shape"):
        ops.stack([ops.ones((2,)), ops.ones((3,))])
    with pytest.raises(ValueError, match="split: 2 sections do not divide axis 0 of size 3"):
        ops.split(ops.ones((3,)), 2)
    with pytest.raises(IndexError):
        ops.embedding(np.array([5]), ops.ones((4, 2)))


def test_take_with_tensor_indices_matches_numpy_and_gradchecks():
    """``take`` with a Tensor of indices runs the Take op (indices as an input, for graph mode)."""
    x = np.random.default_rng(0).standard_normal((5, 3))
    idx = ember.tensor(np.array([[4, 0], [4, 2]]))
    out = ember.ops.take(ember.tensor(x), idx, axis=0)
    np.testing.assert_array_equal(out.numpy(), np.take(x, idx.numpy(), axis=0))
    assert gradcheck(lambda t: ember.ops.take(t, idx, axis=0), [x])  # repeated index 4 accumulates
    assert gradcheck(lambda t: ember.ops.take(t, ember.tensor(np.array([2, -1])), axis=1), [x])
    with pytest.raises(TypeError, match="integers"):
        ember.ops.take(ember.tensor(x), ember.tensor(np.array([0.5])), axis=0)
