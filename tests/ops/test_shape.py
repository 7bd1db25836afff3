"""Shape ops: gradcheck, double backward, structure, torch, views; round trips and errors."""

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


def one(name, fn, ref, shapes):
    return Op(name, fn, ref, [[Uniform(s)] for s in shapes])


def t_pad(x):
    return F.pad(x, [2, 1] * x.ndim) if x.ndim else x


OPS = [
    one("reshape", lambda x: ops.reshape(x, (-1,)), lambda x: x.reshape(-1), [(), (1,), (3, 1), (2, 3, 4), (0, 3)]),
    one(
        "reshape_2d",
        lambda x: ops.reshape(x, (x.shape[0], -1)),
        lambda x: x.reshape(x.shape[0], -1),
        [(1,), (3, 1), (2, 3, 4), (2, 0), (4, 1, 2)],
    ),
    one(
        "transpose",
        ops.transpose,
        lambda x: x.permute(*reversed(range(x.ndim))) if x.ndim else x,
        [(), (1,), (3, 1), (2, 3, 4), (0, 3)],
    ),
    one(
        "permute",
        lambda x: ops.transpose(x, (1, 2, 0)),
        lambda x: x.permute(1, 2, 0),
        [(1, 1, 1), (2, 3, 4), (3, 1, 2), (0, 2, 3), (2, 2, 5)],
    ),
    one(
        "swapaxes",
        lambda x: ops.swapaxes(x, 0, -1),
        lambda x: x.transpose(0, -1),
        [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 3)],
    ),
    one(
        "moveaxis",
        lambda x: ops.moveaxis(x, 0, -1),
        lambda x: torch.movedim(x, 0, -1),
        [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 3)],
    ),
    one(
        "expand_dims", lambda x: ops.expand_dims(x, 0), lambda x: x.unsqueeze(0), [(), (1,), (3, 1), (2, 3, 4), (0, 3)]
    ),
    one("squeeze", ops.squeeze, lambda x: x.squeeze(), [(), (1,), (3, 1), (1, 3, 1, 4), (0, 1)]),
    one(
        "broadcast_to",
        lambda x: ops.broadcast_to(x, (2, 3, 4)),
        lambda x: x.expand(2, 3, 4),
        [(), (1,), (3, 1), (4,), (2, 1, 4)],
    ),
    one(
        "sum_to",
        lambda x: ops.sum_to(x, (1, 4)),
        lambda x: x.reshape(-1, 4).sum(0, keepdim=True) if x.ndim > 1 else x.reshape(1, 4),
        [(1, 4), (3, 4), (2, 3, 4), (5, 1, 4), (0, 4)],
    ),
    one("flip", ops.flip, lambda x: x.flip(list(range(x.ndim))), [(), (1,), (3, 1), (2, 3, 4), (0, 3)]),
    one("flip_axis", lambda x: ops.flip(x, -1), lambda x: x.flip(-1), [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 3)]),
    one(
        "tile",
        lambda x: ops.tile(x, (2, 3)),
        lambda x: x.repeat(*([1] * (x.ndim - 2) + [2, 3])),
        [(), (1,), (3, 1), (2, 3), (0, 3)],
    ),
    one(
        "repeat",
        lambda x: ops.repeat(x, 2, axis=-1),
        lambda x: torch.repeat_interleave(x, 2, -1),
        [(1,), (3, 1), (2, 3), (2, 3, 4), (0, 3)],
    ),
    one(
        "repeat_array",
        lambda x: ops.repeat(x, [0, 2, 1], axis=0),
        lambda x: torch.repeat_interleave(x, torch.tensor([0, 2, 1]), 0),
        [(3,), (3, 1), (3, 2), (3, 2, 2), (3, 0)],
    ),
    one("pad", lambda x: ops.pad(x, (2, 1)), t_pad, [(), (1,), (3, 1), (2, 3, 4), (0, 3)]),
]
CASES = cases_of(OPS)


test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies = (
    standard_op_tests(CASES)
)


def test_reshape_round_trip_property():
    """H1: reshape to a random factorisation and back gives the same tensor and the identity gradient."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(derandomize=True, database=None, max_examples=50, deadline=None)
    @given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    def prop(shape):
        x = ember.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
        y = ops.reshape(ops.reshape(x, (-1,)), shape)
        y.backward(ember.tensor(np.ones(shape)))
        np.testing.assert_array_equal(y.numpy(), x.numpy())
        np.testing.assert_array_equal(x.grad.numpy(), np.ones(shape))

    prop()


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape tensor of shape \(2, 3\) into \(4,\)"):
        ops.reshape(ops.ones((2, 3)), (4,))
    with pytest.raises(ValueError, match="squeeze: axis 0 has size 2"):
        ops.squeeze(ops.ones((2, 1)), 0)
    with pytest.raises(ValueError, match="broadcast_to: cannot broadcast shape"):
        ops.broadcast_to(ops.ones((2, 3)), (3, 3))
    with pytest.raises(ValueError, match="transpose: axes must be a permutation"):
        ops.transpose(ops.ones((2, 3)), (0, 0))
    with pytest.raises(ValueError, match="pad: widths must be non-negative"):
        ops.pad(ops.ones((2,)), (-1, 0))


def test_tensor_methods_follow_pytorch():
    x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.view(3, 2).shape == (3, 2) and x.unsqueeze(0).shape == (1, 2, 3) and x.T.shape == (3, 2)
    assert x.transpose(0, 1).shape == (3, 2) and x.permute(1, 0).shape == (3, 2) and x.flatten().shape == (6,)
    assert x.repeat(2, 1).shape == (4, 3) and x.expand(4, 2, 3).shape == (4, 2, 3)
    y = x.to("float64")
    y.sum().backward()
    assert y.dtype == np.float64 and x.grad.dtype == x.dtype and x.grad.tolist() == [[1.0] * 3] * 2
