"""Normalisation math (moments, batch_normalization, fused layer_normalization) and attention."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from ops_harness import (
    Ints,
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


def t_layer_norm(x, g, b):
    return F.layer_norm(x, x.shape[-1:], g, b, eps=1e-3)


def t_batch_norm(x, m, v, g, b):
    return (x - m) / torch.sqrt(v + 1e-3) * g + b


def t_attention(q, k, v, mask=None, causal=False):
    qh, kh, vh = (t.transpose(1, 2) for t in (q, k, v))
    return F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask, is_causal=causal).transpose(1, 2)


OPS = [
    Op(
        "layer_normalization",
        lambda x, g, b: ops.layer_normalization(x, g, b),
        t_layer_norm,
        [[Uniform(s), Uniform(s[-1:]), Uniform(s[-1:])] for s in [(1, 2), (3, 4), (2, 3, 5), (0, 3), (4, 1, 3)]],
        double=True,
    ),
    Op(
        "layer_normalization_no_affine",
        lambda x: ops.layer_normalization(x, axis=(-2, -1), epsilon=1e-5),
        lambda x: F.layer_norm(x, x.shape[-2:], eps=1e-5),
        [[Uniform(s)] for s in [(1, 2, 2), (3, 4), (2, 3, 5), (0, 3, 2), (4, 1, 3)]],
        double=True,
    ),
    Op(
        "batch_normalization",
        lambda x, m, v, g, b: ops.batch_normalization(x, m, v, -1, b, g),
        t_batch_norm,
        [
            [Uniform(s), Uniform(s[-1:]), Uniform(s[-1:], 0.5, 2.0), Uniform(s[-1:]), Uniform(s[-1:])]
            for s in [(1, 2), (3, 4), (2, 3, 5), (0, 3), (4, 1, 3)]
        ],
    ),
    Op(
        "moments",
        lambda x: ops.moments(x, axes=(0,)),
        lambda x: (x.mean(0), x.var(0, unbiased=False)),
        [[Uniform(s)] for s in [(1, 2), (3, 4), (2, 3, 5), (5,), (4, 1, 3)]],
    ),
    Op(
        "attention",
        ops.dot_product_attention,
        t_attention,
        [
            [Uniform(q), Uniform(kv), Uniform(kv)]
            for q, kv in [
                ((1, 1, 1, 2), (1, 1, 1, 2)),
                ((2, 3, 2, 4), (2, 5, 2, 4)),
                ((1, 4, 1, 3), (1, 4, 1, 3)),
                ((0, 2, 1, 2), (0, 3, 1, 2)),
                ((2, 2, 3, 1), (2, 2, 3, 1)),
            ]
        ],
    ),
    Op(
        "attention_mask",
        lambda q, k, v, m: ops.dot_product_attention(q, k, v, mask=m.numpy() > 0),
        lambda q, k, v, m: t_attention(q, k, v, mask=m > 0),
        [
            [
                Uniform((2, 3, 2, 4)),
                Uniform((2, 5, 2, 4)),
                Uniform((2, 5, 2, 4)),
                Ints(ms, 1, 2) if i == 0 else Ints(ms, 0, 2),
            ]
            for i, ms in enumerate([(1, 1, 3, 5), (2, 1, 1, 5), (3, 5), (2, 2, 3, 5), (1, 5)])
        ],
    ),
    Op(
        "attention_causal",
        lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
        lambda q, k, v: t_attention(q, k, v, causal=True),
        [
            [Uniform(s), Uniform(s), Uniform(s)]
            for s in [(1, 1, 1, 2), (2, 3, 2, 4), (1, 4, 1, 3), (0, 2, 1, 2), (2, 2, 3, 1)]
        ],
    ),
]
CASES = cases_of(OPS)


@pytest.mark.parametrize("op,case", CASES)
def test_gradcheck(op, case, on_backend):
    check_gradcheck(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_matches_torch(op, case):
    arrays = sample_case(case)
    if op.name == "attention_mask":  # every query keeps at least one key (torch gives NaN rows otherwise)
        arrays[3][..., 0] = 1
    compare_with_torch(op, arrays)


@pytest.mark.parametrize("op,case", CASES)
def test_double_backward(op, case):
    check_gradgrad(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_backward_structure(op, case):
    check_structure(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_views_equal_copies(op, case):
    check_views(op, case)


def test_fully_masked_attention_row_averages_values_without_nan():
    q = k = v = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 1, 3)), requires_grad=True)
    out = ops.dot_product_attention(q, k, v, mask=np.zeros((2, 2), bool))
    out.sum().backward()
    np.testing.assert_allclose(out.numpy()[0, 0], v.numpy()[0].mean(0), rtol=1e-6)
    assert np.isfinite(q.grad.numpy()).all()


def test_attention_rejects_mismatched_head_dims():
    with pytest.raises(ValueError, match=r"dot_product_attention: .*Received: shapes \(1, 2, 1, 3\), \(1, 2, 1, 4\)"):
        ops.dot_product_attention(ops.ones((1, 2, 1, 3)), ops.ones((1, 2, 1, 4)), ops.ones((1, 2, 1, 4)))
