"""Pooling and upsampling: gradcheck, torch parity, first-max tie rule, 'same' borders, errors, views."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from ops_harness import (
    Distinct,
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

import ember
from ember import ops


def torch_pool(kind, x, size, strides=None, padding="valid"):
    rank = x.ndim - 2
    size = (size,) * rank if isinstance(size, int) else size
    strides = size if strides is None else ((strides,) * rank if isinstance(strides, int) else strides)
    xt = x.movedim(-1, 1)
    if padding == "same":
        pads = []
        for n, k, s in zip(x.shape[1:-1], size, strides, strict=True):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        flat = [p for lo_hi in reversed(pads) for p in lo_hi]
        if kind == "max":
            xt = F.pad(xt, flat, value=-np.inf)
        else:  # Keras/TF average the valid elements only: divide the zero-padded sum by the valid count
            num = F.pad(xt, flat)
            den = F.pad(torch.ones_like(xt[:1, :1]), flat)
            pool = F.avg_pool1d if rank == 1 else F.avg_pool2d
            return (pool(num, size, strides) / pool(den, size, strides)).movedim(1, -1)
    if kind == "max":
        fn = F.max_pool1d if rank == 1 else F.max_pool2d
    else:
        fn = F.avg_pool1d if rank == 1 else F.avg_pool2d
    return fn(xt, size, strides).movedim(1, -1)


def pool_op(kind, name, shapes, size, strides=None, padding="valid"):
    fn = ops.max_pool if kind == "max" else ops.average_pool
    spec = Distinct if kind == "max" else Uniform
    return Op(
        name,
        lambda x: fn(x, size, strides, padding),
        lambda x: torch_pool(kind, x, size, strides, padding),
        [[spec(s)] for s in shapes],
        double=True,
    )


OPS = [
    pool_op("max", "max_pool2d", [(1, 4, 4, 1), (2, 4, 6, 3), (1, 5, 5, 2), (0, 4, 4, 2), (2, 2, 2, 1)], 2),
    pool_op("max", "max_pool2d_overlap", [(1, 5, 5, 1), (2, 6, 5, 2), (1, 3, 3, 1), (0, 4, 4, 1), (1, 7, 4, 2)], 3, 2),
    pool_op(
        "max", "max_pool2d_same", [(1, 5, 5, 1), (2, 4, 5, 2), (1, 3, 3, 1), (1, 1, 1, 2), (2, 6, 6, 1)], 3, 2, "same"
    ),
    pool_op("max", "max_pool1d", [(1, 4, 1), (2, 7, 3), (1, 2, 2), (0, 4, 1), (3, 5, 1)], 2, 1),
    pool_op("avg", "avg_pool2d", [(1, 4, 4, 1), (2, 4, 6, 3), (1, 5, 5, 2), (0, 4, 4, 2), (2, 2, 2, 1)], 2),
    pool_op(
        "avg", "avg_pool2d_same", [(1, 5, 5, 1), (2, 4, 5, 2), (1, 3, 3, 1), (1, 1, 1, 2), (2, 6, 6, 1)], 3, 2, "same"
    ),
    pool_op("avg", "avg_pool1d_same", [(1, 4, 1), (2, 7, 3), (1, 2, 2), (1, 1, 1), (3, 5, 1)], 2, 1, "same"),
]
CASES = cases_of(OPS)

COMPOSITES = [
    Op(
        "global_average_pool",
        ops.global_average_pool,
        lambda x: x.mean((1, 2)),
        [[Uniform(s)] for s in [(1, 1, 1, 1), (2, 3, 4, 2), (1, 2, 2, 3), (2, 1, 5, 1), (0, 2, 2, 1)]],
    ),
    Op(
        "global_max_pool",
        ops.global_max_pool,
        lambda x: torch.amax(x, (1, 2)),
        [[Distinct(s)] for s in [(1, 1, 1, 1), (2, 3, 4, 2), (1, 2, 2, 3), (2, 1, 5, 1), (3, 2, 2, 1)]],
    ),
    Op(
        "upsampling2d",
        lambda x: ops.upsampling(x, (2, 3)),
        lambda x: F.interpolate(x.movedim(-1, 1), scale_factor=(2, 3), mode="nearest").movedim(1, -1),
        [[Uniform(s)] for s in [(1, 1, 1, 1), (2, 3, 4, 2), (1, 2, 2, 3), (2, 1, 5, 1), (0, 2, 2, 1)]],
    ),
    Op(
        "upsampling1d",
        lambda x: ops.upsampling(x, 2),
        lambda x: F.interpolate(x.movedim(-1, 1), scale_factor=2, mode="nearest").movedim(1, -1),
        [[Uniform(s)] for s in [(1, 1, 1), (2, 3, 2), (1, 4, 3), (2, 5, 1), (0, 2, 1)]],
    ),
]
ALL = CASES + cases_of(COMPOSITES)


@pytest.mark.parametrize("op,case", ALL)
def test_gradcheck(op, case, on_backend):
    check_gradcheck(op, case)


@pytest.mark.parametrize("op,case", ALL)
def test_matches_torch(op, case):
    compare_with_torch(op, sample_case(case))


@pytest.mark.parametrize("op,case", ALL)
def test_double_backward(op, case):
    check_gradgrad(op, case)


@pytest.mark.parametrize("op,case", ALL)
def test_backward_structure(op, case):
    check_structure(op, case)


@pytest.mark.parametrize("op,case", ALL)
def test_views_equal_copies(op, case):
    check_views(op, case)


def test_max_pool_tie_sends_the_gradient_to_the_first_maximum():
    x = ember.tensor(np.ones((1, 2, 2, 1)), requires_grad=True)
    ops.max_pool(x, 2).sum().backward()
    assert x.grad.numpy()[0, :, :, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]
    t = torch.ones((1, 1, 2, 2), requires_grad=True)
    F.max_pool2d(t, 2).sum().backward()
    assert t.grad[0, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]  # the same rule as torch


def test_max_pool_propagates_nan():
    x = ember.tensor(np.array([1.0, np.nan, 0.0, 2.0]).reshape(1, 4, 1))
    assert np.isnan(ops.max_pool(x, 2).numpy()[0, 0, 0]) and ops.max_pool(x, 2).numpy()[0, 1, 0] == 2.0


def test_pool_errors():
    with pytest.raises(ValueError, match=r"max_pool: the \(dilated\) window \(3, 3\) is larger than the input"):
        ops.max_pool(ops.ones((1, 2, 2, 1)), 3)
    with pytest.raises(ValueError, match="strides must be 2 positive"):
        ops.average_pool(ops.ones((1, 4, 4, 1)), 2, strides=0)
    with pytest.raises(ValueError, match="expected inputs"):
        ops.max_pool(ops.ones((4,)), 2)


def test_pool_geometry_cache_accepts_lists_and_matches_uncached():
    from ember.ops.pooling import _pool_geometry

    x = np.random.default_rng(0).standard_normal((2, 7, 6, 3)).astype(np.float32)
    cached = ops.max_pool(x, (2, 2), (2, 1), "same").numpy()
    listed = ops.max_pool(x, [2, 2], [2, 1], "same").numpy()  # unhashable: computed uncached
    np.testing.assert_array_equal(cached, listed)
    assert _pool_geometry((2, 7, 6, 3), (2, 2), (2, 1), "same", "max_pool").out == (4, 6)
    with pytest.raises(ValueError, match="pool_size"):
        ops.max_pool(x, (2, 0))
