"""Convolutions: gradcheck (float64), torch parity (float32), Keras output shapes, errors, views."""

import importlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from ops_harness import (
    Op,
    Uniform,
    cases_of,
    check_gradcheck,
    check_gradgrad,
    check_structure,
    check_views,
    compare_with_torch,
)

import ember
from ember import ops


def same_pads(sizes, kernel, strides, dilation):
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation, strict=True):
        dk, out = (k - 1) * d + 1, -(-n // s)
        total = max((out - 1) * s + dk - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def torch_conv(x, w, strides=1, padding="valid", dilation=1, groups=1):
    """Keras-layout conv in torch: NHWC/(k.., in, out) in and out, TF 'same' padding made explicit."""
    rank = x.ndim - 2
    strides, dilation = (strides,) * rank if isinstance(strides, int) else strides, (dilation,) * rank
    xt = x.movedim(-1, 1)
    wt = w.permute(rank + 1, rank, *range(rank))
    if padding == "same":
        pads = same_pads(x.shape[1:-1], w.shape[:-2], strides, dilation)
        xt = F.pad(xt, [p for lo_hi in reversed(pads) for p in lo_hi])
    fn = F.conv1d if rank == 1 else F.conv2d
    return fn(xt, wt, stride=strides, dilation=dilation, groups=groups).movedim(1, -1)


def conv_op(name, x_shape, w_shape, **kw):
    groups = kw.get("groups", 1)
    ember_kw = {k.replace("dilation", "dilation_rate"): v for k, v in kw.items()}
    return Op(
        name,
        lambda x, w: ops.conv(x, w, **ember_kw),
        lambda x, w: torch_conv(x, w, **kw),
        [[Uniform(x_shape), Uniform(w_shape)], [Uniform((1,) + x_shape[1:]), Uniform(w_shape)]]
        + ([[Uniform((0,) + x_shape[1:]), Uniform(w_shape)]] if groups == 1 else []),
        double=groups == 1,
    )


OPS = [
    conv_op("conv2d_valid", (2, 5, 5, 3), (3, 3, 3, 4)),
    conv_op("conv2d_same_stride2", (2, 6, 5, 2), (2, 3, 2, 3), strides=2, padding="same"),
    conv_op("conv2d_groups_dilation", (1, 7, 6, 4), (3, 3, 2, 4), padding="same", dilation=2, groups=2),
    conv_op("conv2d_depthwise", (1, 4, 4, 3), (3, 3, 1, 6), padding="same", groups=3),
    conv_op("conv2d_kernel_equals_input", (2, 3, 3, 1), (3, 3, 1, 2)),
    conv_op("conv2d_strides_tuple", (1, 7, 5, 2), (3, 2, 2, 2), strides=(2, 1)),
    conv_op("conv1d_same_stride2", (2, 7, 3), (3, 3, 4), strides=2, padding="same"),
    conv_op("conv1d_dilation_groups", (2, 9, 4), (3, 1, 4), dilation=2, groups=4),
]
CASES = cases_of(OPS)


@pytest.mark.parametrize("op,case", CASES)
def test_gradcheck(op, case, on_backend):
    check_gradcheck(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_matches_torch(op, case):
    compare_with_torch(op, [a.astype(np.float32) for a in _sample(case)])


@pytest.mark.parametrize("op,case", CASES)
def test_backward_structure(op, case):
    check_structure(op, case)


@pytest.mark.parametrize("op,case", CASES)
def test_views_equal_copies(op, case):
    check_views(op, case)


def _sample(case):
    from ops_harness import sample_case

    return sample_case(case)


@pytest.mark.parametrize("op,case", CASES)
def test_double_backward(op, case):
    check_gradgrad(op, case)


def test_grouped_double_backward_names_the_op():
    x = ember.tensor(np.ones((1, 3, 3, 2)), requires_grad=True)
    w = ember.tensor(np.ones((2, 2, 1, 2)), requires_grad=True)
    with pytest.raises(NotImplementedError, match="op Conv is implemented for groups == 1 only"):
        ops.conv(x, w, groups=2).sum().backward(create_graph=True)


def test_channels_first_equals_transposed_channels_last():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((3, 3, 3, 4))
    cf = ops.conv(x, w, padding="same", data_format="channels_first").numpy()
    cl = ops.conv(np.moveaxis(x, 1, -1), w, padding="same").numpy()
    np.testing.assert_array_equal(cf, np.moveaxis(cl, -1, 1))


def test_depthwise_conv_uses_keras_kernel_layout():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 5, 5, 2)).astype(np.float32), rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    got = ops.depthwise_conv(x, w, padding="same").numpy()
    ref = torch_conv(torch.tensor(x), torch.tensor(w.reshape(3, 3, 1, 6)), padding="same", groups=2).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-5, rtol=1e-5)
    # channel c * multiplier + m is input channel c with filter m (TensorFlow / Keras order)
    single = ops.conv(x[..., :1], w[:, :, :1, 1:2], padding="same").numpy()
    np.testing.assert_allclose(got[..., 1:2], single, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------- transposed convolution


def torch_conv_transpose(x, w, strides, padding):
    """Keras conv_transpose defined as the adjoint of a conv whose input has the Keras output length."""
    n, _rank = x.shape[1:-1], x.ndim - 2
    k = w.shape[:-2]
    out = [m * s + max(kk - s, 0) if padding == "valid" else m * s for m, kk, s in zip(n, k, strides, strict=True)]
    y = torch.zeros((x.shape[0], *out, w.shape[-2]), dtype=x.dtype, requires_grad=True)
    fwd = torch_conv(y, w, strides=tuple(strides), padding=padding)
    assert fwd.shape == x.shape, (fwd.shape, x.shape)
    (g,) = torch.autograd.grad(fwd, y, grad_outputs=x, create_graph=True)
    return g


TRANSPOSE_CASES = [
    ((2, 3, 4, 3), (3, 3, 2, 3), (2, 2), "same"),
    ((1, 3, 3, 2), (3, 3, 4, 2), (2, 2), "valid"),
    ((1, 4, 3, 2), (4, 4, 2, 2), (2, 2), "same"),
    ((2, 3, 3, 1), (2, 2, 2, 1), (3, 3), "valid"),
    ((1, 5, 2), (5, 3, 2), (1,), "same"),
    ((2, 4, 3), (3, 2, 3), (2,), "valid"),
]
T_OPS = [
    Op(
        f"conv_transpose_{i}",
        lambda x, w, s=s, p=p: ops.conv_transpose(x, w, strides=s, padding=p),
        lambda x, w, s=s, p=p: torch_conv_transpose(x, w, s, p),
        [[Uniform(xs), Uniform(ws)]],
    )
    for i, (xs, ws, s, p) in enumerate(TRANSPOSE_CASES)
]
T_CASES = cases_of(T_OPS)


@pytest.mark.parametrize("op,case", T_CASES)
def test_conv_transpose_gradcheck(op, case, on_backend):
    check_gradcheck(op, case)


@pytest.mark.parametrize("op,case", T_CASES)
def test_conv_transpose_matches_adjoint_of_torch_conv(op, case):
    compare_with_torch(op, _sample(case))


@pytest.mark.parametrize("op,case", T_CASES)
def test_conv_transpose_double_backward(op, case):
    check_gradgrad(op, case)


@pytest.mark.parametrize("op,case", T_CASES)
def test_conv_transpose_views_equal_copies(op, case):
    check_views(op, case)


def test_conv_transpose_output_padding_extends_output():
    y = ops.conv_transpose(ops.ones((1, 3, 3, 1)), ops.ones((3, 3, 2, 1)), strides=2, padding="valid", output_padding=1)
    assert y.shape == (1, 8, 8, 2)
    assert ops.conv2d_transpose(ops.ones((1, 3, 3, 1)), ops.ones((3, 3, 2, 1)), strides=2, padding="same").shape == (
        1,
        6,
        6,
        2,
    )


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs,match",
    [
        (
            (1, 5, 5, 3),
            (3, 3, 2, 4),
            {},
            r"conv: channels do not match: inputs have 3 channels.*\(1, 5, 5, 3\).*"
            r"\(3, 3, 2, 4\)",
        ),
        ((1, 5, 5, 4), (3, 3, 2, 3), {}, "output channels must divide into the groups"),
        ((1, 5, 5, 4), (3, 3, 2, 4), {"groups": 3}, "channels do not match"),
        ((1, 2, 2, 1), (3, 3, 1, 1), {}, r"larger than the input with 'valid' padding.*\(1, 2, 2, 1\)"),
        ((1, 5, 5, 1), (3, 3, 1, 1), {"dilation_rate": 3}, "larger than the input"),
        ((1, 5, 5, 1), (3, 3, 1, 1), {"strides": 0}, r"strides must be 2 positive int\(s\)"),
        ((1, 5, 5, 1), (3, 3, 1, 1), {"strides": -1}, "strides must be"),
        ((1, 5, 5, 1), (3, 3, 1, 1), {"padding": "full"}, "padding must be 'valid' or 'same'"),
        ((1, 5, 1), (3, 3, 1, 1), {}, "same rank"),
    ],
)
def test_bad_conv_arguments_raise_value_error(x_shape, w_shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ops.conv(ops.ones(x_shape), ops.ones(w_shape), **kwargs)


def test_integer_inputs_raise_type_error():
    with pytest.raises(TypeError, match="conv: inputs and kernel must be floating point"):
        ops.conv(ember.tensor(np.ones((1, 3, 3, 1), np.int64)), ops.ones((2, 2, 1, 1)))


def test_large_conv_and_pool_random_direction_check_float32():
    """A4: random-direction VJP check in float32 on a 1e5-element input (conv -> tanh -> average_pool).

    eps 0.1 along a unit direction moves each element by ~3e-4: large enough that float32 rounding in
    the forward pass stays far below rtol, small enough for the O(eps**2) error. (Max pooling is left
    out here: over 1e4 windows some near-ties always switch under such a step; its float64 gradcheck
    runs away from ties.)"""
    from ember.testing import gradcheck_direction

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 28, 28, 16)).astype(np.float32)
    w = (rng.standard_normal((3, 3, 16, 8)) / 12).astype(np.float32)
    assert x.size >= 100_000
    assert gradcheck_direction(
        lambda a, k: ops.average_pool(ops.tanh(ops.conv(a, k, padding="same")), 2),
        [x, w],
        eps=0.1,
        atol=0,
        rtol=2e-3,
        dtype=np.float32,
        directions=5,
    )


def test_conv_geometry_cache_accepts_lists_and_matches_uncached():
    """The per-shape geometry cache: list arguments (unhashable) take the uncached path with the same result,
    and a bad stride still raises on every call (errors are not cached)."""
    C = importlib.import_module("ember.ops.conv")  # ops.conv is the function

    x = np.random.default_rng(0).standard_normal((1, 6, 5, 2)).astype(np.float32)
    k = np.random.default_rng(1).standard_normal((3, 2, 2, 3)).astype(np.float32)
    a = ops.conv(x, k, strides=(2, 1), padding="same", dilation_rate=(1, 2)).numpy()
    b = ops.conv(x, k, strides=[2, 1], padding="same", dilation_rate=[1, 2]).numpy()
    np.testing.assert_array_equal(a, b)
    assert C._conv_geometry((1, 6, 5, 2), (3, 2, 2, 3), (2, 1), "same", (1, 2)) == C.geometry(
        (6, 5), (3, 2), (2, 1), "same", (1, 2), "conv"
    )
    for _ in range(2):
        with pytest.raises(ValueError, match="strides"):
            ops.conv(x, k, strides=0)
