"""Less common ONNX operators: extra activations and normalizations, TopK, CumSum, Trilu, one-hot,
gathers and scatters, bit operations, and the two classification losses.

Differentiable ones are compositions of ``ember.ops``. ``ScatterND``/``ScatterElements``, ``OneHot``,
``EyeLike`` and the bit operations compute on arrays (their outputs carry no gradient in ember).
Formulas follow the ONNX operator specification.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _s(x, value):
    return constant(np.asarray(value, dtype=x.data.dtype))


def _is_float(t) -> bool:
    return t.data.dtype.kind == "f"


def _axis(node, x, default=-1) -> int:
    return int(node.get("axis", default)) % max(x.ndim, 1)


def _rms_norm(node, inputs):
    """``RMSNormalization``: ``x / sqrt(mean(x^2 over axis..) + eps) * scale``."""
    x, scale = inputs[0], inputs[1]
    axes = tuple(range(_axis(node, x), x.ndim))
    ms = ops.mean(ops.square(x), axis=axes, keepdims=True)
    return ops.multiply(ops.multiply(x, ops.rsqrt(ops.add(ms, _s(x, node.get("epsilon", 1e-5))))), scale)


def _mvn(node, inputs):
    """``MeanVarianceNormalization``: ``(x - mean) / sqrt(var + 1e-9)`` over ``axes`` (default 0, 2, 3)."""
    x = inputs[0]
    axes = tuple(a % x.ndim for a in node.get("axes", [0, 2, 3]))
    centred = ops.subtract(x, ops.mean(x, axis=axes, keepdims=True))
    var = ops.mean(ops.square(centred), axis=axes, keepdims=True)
    return ops.multiply(centred, ops.rsqrt(ops.add(var, _s(x, 1e-9))))


def _lp_norm(node, inputs):
    """``LpNormalization``: ``x / ||x||_p`` along ``axis`` (p = 1 or 2); 0 where the norm is 0."""
    x, p = inputs[0], int(node.get("p", 2))
    axis = _axis(node, x)
    norm = ops.sum(ops.abs(x), axis=axis, keepdims=True) if p == 1 else ops.sqrt(
        ops.sum(ops.square(x), axis=axis, keepdims=True))  # fmt: skip
    zero = norm.data == 0
    safe = ops.where(zero, _s(x, 1.0), norm)
    return ops.where(np.broadcast_to(zero, x.shape), _s(x, 0.0), ops.divide(x, safe))


def _lrn(node, inputs):
    """``LRN``: ``x / (bias + alpha / size * sum of x^2 over a window of channels) ** beta``."""
    x, size = inputs[0], int(node.get("size"))
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    sq = ops.pad(ops.square(x), [(0, 0), (lo, hi)] + [(0, 0)] * (x.ndim - 2))
    c = x.shape[1]
    total = None
    for k in range(size):
        part = ops.getitem(sq, (slice(None), slice(k, k + c)))
        total = part if total is None else ops.add(total, part)
    alpha, beta, bias = node.get("alpha", 1e-4), node.get("beta", 0.75), node.get("bias", 1.0)
    denom = ops.power(ops.add(_s(x, bias), ops.multiply(total, _s(x, alpha / size))), _s(x, beta))
    return ops.divide(x, denom)


def _shrink(node, inputs):
    x, bias, lambd = inputs[0], node.get("bias", 0.0), node.get("lambd", 0.5)
    if not _is_float(x):
        a = x.data
        return constant(np.where(a < -lambd, a + bias, np.where(a > lambd, a - bias, 0)).astype(a.dtype))
    zero = _s(x, 0.0)
    return ops.where(x.data < -lambd, ops.add(x, _s(x, bias)), ops.where(x.data > lambd, ops.subtract(x, _s(x, bias)),
                                                                         zero))  # fmt: skip


def _swish(node, inputs):
    x = inputs[0]
    return ops.multiply(x, ops.sigmoid(ops.multiply(x, _s(x, node.get("alpha", 1.0)))))


def _sinh(node, inputs):
    x = inputs[0]
    return ops.multiply(ops.subtract(ops.exp(x), ops.exp(ops.negative(x))), _s(x, 0.5))


def _cosh(node, inputs):
    x = inputs[0]
    return ops.multiply(ops.add(ops.exp(x), ops.exp(ops.negative(x))), _s(x, 0.5))


def _asinh(node, inputs):  # log(x + sqrt(x^2 + 1))
    x = inputs[0]
    return ops.log(ops.add(x, ops.sqrt(ops.add(ops.square(x), _s(x, 1.0)))))


def _acosh(node, inputs):  # log(x + sqrt(x^2 - 1))
    x = inputs[0]
    return ops.log(ops.add(x, ops.sqrt(ops.subtract(ops.square(x), _s(x, 1.0)))))


def _atanh(node, inputs):  # log((1 + x) / (1 - x)) / 2
    x = inputs[0]
    ratio = ops.divide(ops.add(_s(x, 1.0), x), ops.subtract(_s(x, 1.0), x))
    return ops.multiply(ops.log(ratio), _s(x, 0.5))


def _cumsum(node, inputs):
    x, axis = inputs[0], int(np.asarray(inputs[1].data).reshape(-1)[0]) % inputs[0].ndim
    reverse, exclusive = node.get("reverse", 0), node.get("exclusive", 0)
    if not _is_float(x):
        a = np.flip(x.data, axis) if reverse else x.data
        out = np.cumsum(a, axis=axis, dtype=a.dtype) - (a if exclusive else 0)
        return constant((np.flip(out, axis) if reverse else out).astype(x.data.dtype))
    y = ops.flip(x, axis) if reverse else x
    out = ops.cumsum(y, axis=axis)
    out = ops.subtract(out, y) if exclusive else out
    return ops.flip(out, axis) if reverse else out


def _topk(node, inputs):
    """``TopK``: the k largest (smallest) along ``axis``, ties broken by the lower index."""
    x, k = inputs[0], int(np.asarray(inputs[1].data).reshape(-1)[0])
    axis = _axis(node, x)
    a = x.data
    descending = (-a if a.dtype.kind == "f" else ~a) if node.get("largest", 1) else a  # ~ never overflows
    order = np.argsort(descending, axis=axis, kind="stable")
    idx = np.take(order, np.arange(k), axis=axis)
    values = ops.take_along_axis(x, idx, axis=axis) if _is_float(x) else constant(np.take_along_axis(a, idx, axis))
    return [values, constant(idx.astype(np.int64))]


def _trilu(node, inputs):
    x = inputs[0]
    k = int(np.asarray(inputs[1].data).reshape(-1)[0]) if len(inputs) > 1 and inputs[1] is not None else 0
    rows, cols = x.shape[-2:]
    ones = np.ones((rows, cols), bool)
    mask = np.triu(ones, k) if node.get("upper", 1) else np.tril(ones, k)
    if _is_float(x):
        return ops.where(np.broadcast_to(mask, x.shape), x, _s(x, 0.0))
    return constant(np.where(mask, x.data, 0).astype(x.data.dtype))


def _one_hot(node, inputs):
    idx, depth, values = inputs[0].data, int(np.asarray(inputs[1].data).reshape(-1)[0]), inputs[2].data
    idx = np.where(idx < 0, idx + depth, idx).astype(np.int64)
    hot = (idx[..., None] == np.arange(depth)).astype(bool)
    axis = int(node.get("axis", -1))
    hot = np.moveaxis(hot, -1, axis if axis >= 0 else hot.ndim + axis)
    return constant(np.where(hot, values[1], values[0]).astype(values.dtype))


def _eye_like(node, inputs):
    from onnx import helper

    x = inputs[0]
    dtype = x.data.dtype if node.get("dtype") is None else helper.tensor_dtype_to_np_dtype(node.get("dtype"))
    return constant(np.eye(x.shape[0], x.shape[1], k=int(node.get("k", 0)), dtype=dtype))


def _gather_nd(node, inputs):
    x, idx = inputs[0], np.asarray(inputs[1].data).astype(np.int64)
    b, m = int(node.get("batch_dims", 0)), idx.shape[-1]
    lead = idx.shape[:-1]
    index = []
    for i in range(b):
        shape = [1] * len(lead)
        shape[i] = lead[i]
        index.append(np.arange(lead[i]).reshape(shape))
    for j in range(m):
        n = x.shape[b + j]
        col = idx[..., j]
        index.append(np.where(col < 0, col + n, col))
    return ops.getitem(x, tuple(index))


def _compress(node, inputs):
    x, cond = inputs[0], np.asarray(inputs[1].data).astype(bool)
    axis = node.get("axis")
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    return ops.take(x, np.nonzero(cond)[0], axis=int(axis) % x.ndim)


def _reverse_sequence(node, inputs):
    x, lens = inputs[0], np.asarray(inputs[1].data).astype(np.int64)
    b_axis, t_axis = int(node.get("batch_axis", 1)), int(node.get("time_axis", 0))
    steps = x.shape[t_axis]
    t = np.arange(steps)[:, None]
    src = np.where(t < lens[None, :], lens[None, :] - 1 - t, t)  # (time, batch)
    if b_axis < t_axis:
        src = src.T
    shape = [1] * x.ndim
    shape[t_axis], shape[b_axis] = steps, len(lens)
    src = np.broadcast_to(src.reshape(shape), x.shape)
    return ops.take_along_axis(x, src, axis=t_axis)


_REDUCE = {"none": None, "add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def _scatter_nd(node, inputs):
    data, idx, upd = inputs[0].data.copy(), np.asarray(inputs[1].data).astype(np.int64), inputs[2].data
    op = _REDUCE[node.get("reduction", "none")]
    for pos in np.ndindex(idx.shape[:-1]):
        key = tuple(idx[pos])
        data[key] = upd[pos] if op is None else op(data[key], upd[pos])
    return constant(data)


def _scatter_elements(node, inputs):
    data, idx, upd = inputs[0].data.copy(), np.asarray(inputs[1].data).astype(np.int64), inputs[2].data
    axis = _axis(node, inputs[0], 0)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    op = _REDUCE[node.get("reduction", "none")]
    for pos in np.ndindex(idx.shape):
        key = pos[:axis] + (idx[pos],) + pos[axis + 1 :]
        data[key] = upd[pos] if op is None else op(data[key], upd[pos])
    return constant(data)


def _bit(np_fn):
    return lambda node, inputs: constant(np_fn(*(t.data for t in inputs)))


def _bit_shift(node, inputs):
    a, b = inputs[0].data, inputs[1].data
    fn = np.left_shift if node.get("direction") == "LEFT" else np.right_shift
    return constant(fn(a, b.astype(a.dtype)).astype(a.dtype))


KERNELS = {
    "RMSNormalization": _rms_norm,
    "MeanVarianceNormalization": _mvn,
    "LpNormalization": _lp_norm,
    "LRN": _lrn,
    "Shrink": _shrink,
    "Swish": _swish,
    "Tan": lambda node, inputs: ops.divide(ops.sin(inputs[0]), ops.cos(inputs[0])),
    "Sinh": _sinh,
    "Cosh": _cosh,
    "Asinh": _asinh,
    "Acosh": _acosh,
    "Atanh": _atanh,
    "CumSum": _cumsum,
    "TopK": _topk,
    "Trilu": _trilu,
    "OneHot": _one_hot,
    "EyeLike": _eye_like,
    "GatherND": _gather_nd,
    "Compress": _compress,
    "ReverseSequence": _reverse_sequence,
    "ScatterND": _scatter_nd,
    "ScatterElements": _scatter_elements,
    "BitShift": _bit_shift,
    "BitwiseAnd": _bit(np.bitwise_and),
    "BitwiseOr": _bit(np.bitwise_or),
    "BitwiseXor": _bit(np.bitwise_xor),
    "BitwiseNot": _bit(np.invert),
}
