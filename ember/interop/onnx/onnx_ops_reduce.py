"""ONNX reductions (``ReduceSum``, ``ReduceMean``, ...), ``ArgMax``/``ArgMin`` and the softmax family.

Axes come from the ``axes`` attribute before the opset where they became an input (13 for
``ReduceSum``, 18 for the others); ``noop_with_empty_axes`` returns the input unchanged when no axes
are given. Formulas: ``ReduceL2 = sqrt(sum(x^2))``, ``ReduceLogSumExp = log(sum(exp(x)))``, etc.
(ONNX operator specification).
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant
from ember.ops.activations import LogSoftmax, Softmax


def _axes(node, inputs, input_from: int):
    if node.opset >= input_from:
        axes = inputs[1] if len(inputs) > 1 and inputs[1] is not None else None
        axes = None if axes is None else [int(a) for a in np.asarray(axes.data).reshape(-1)]
    else:
        axes = node.get("axes")
    if not axes:
        return "noop" if node.get("noop_with_empty_axes", 0) else None
    ndim = inputs[0].ndim
    return tuple(sorted(int(a) % max(ndim, 1) for a in axes))


def _reduce(fn, input_from: int = 18):
    def kernel(node, inputs):
        x = inputs[0]
        axes = _axes(node, inputs, input_from)
        if axes == "noop":
            return x
        keep = bool(node.get("keepdims", 1))
        if x.data.dtype.kind != "f":
            if x.size == 0 and fn in (_max, _min):  # the identity of max/min over nothing
                info = np.iinfo(x.data.dtype) if x.data.dtype.kind in "iu" else None
                low, high = (False, True) if info is None else (info.min, info.max)
                shape = np.sum(np.zeros(x.shape), axis=axes, keepdims=keep).shape
                return constant(np.full(shape, low if fn is _max else high, dtype=x.data.dtype))
            return constant(fn.__np__(x.data, axis=axes, keepdims=keep).astype(x.data.dtype))
        return fn(x, axes, keep)

    return kernel


def _np(np_fn):
    def wrap(fn):
        fn.__np__ = np_fn
        return fn

    return wrap


def _empty_ok(np_fn, ember_fn, x, axes, keep):
    """Max/Min over zero elements: ONNX defines the identity (-inf/+inf), which has no gradient."""
    if x.size == 0:
        return constant(np_fn(x.data, axis=axes, keepdims=keep, initial=-np.inf if np_fn is np.max else np.inf))
    return ember_fn(x, axis=axes, keepdims=keep)


@_np(np.sum)
def _sum(x, axes, keep):
    return ops.sum(x, axis=axes, keepdims=keep)


@_np(np.mean)
def _mean(x, axes, keep):
    return ops.mean(x, axis=axes, keepdims=keep)


@_np(np.max)
def _max(x, axes, keep):
    return _empty_ok(np.max, ops.max, x, axes, keep)


@_np(np.min)
def _min(x, axes, keep):
    return _empty_ok(np.min, ops.min, x, axes, keep)


@_np(np.prod)
def _prod(x, axes, keep):
    return ops.prod(x, axis=axes, keepdims=keep)


@_np(lambda a, axis, keepdims: np.sum(np.abs(a), axis=axis, keepdims=keepdims))
def _l1(x, axes, keep):
    return ops.sum(ops.abs(x), axis=axes, keepdims=keep)


@_np(lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)))
def _l2(x, axes, keep):
    return ops.sqrt(ops.sum(ops.square(x), axis=axes, keepdims=keep))


@_np(lambda a, axis, keepdims: np.sum(a * a, axis=axis, keepdims=keepdims))
def _sum_square(x, axes, keep):
    return ops.sum(ops.square(x), axis=axes, keepdims=keep)


@_np(lambda a, axis, keepdims: np.log(np.sum(a, axis=axis, keepdims=keepdims)))
def _log_sum(x, axes, keep):
    return ops.log(ops.sum(x, axis=axes, keepdims=keep))


@_np(lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)))
def _log_sum_exp(x, axes, keep):
    if x.size == 0:
        return constant(np.full(np.sum(x.data, axis=axes, keepdims=keep).shape, -np.inf, x.data.dtype))
    return ops.logsumexp(x, axis=axes, keepdims=keep)


def _arg(np_fn):
    def kernel(node, inputs):
        a = inputs[0].data
        axis, keep = int(node.get("axis", 0)), bool(node.get("keepdims", 1))
        if node.get("select_last_index", 0):
            flipped = np.flip(a, axis)
            out = a.shape[axis] - 1 - np_fn(flipped, axis=axis, keepdims=True)
        else:
            out = np_fn(a, axis=axis, keepdims=True)
        return constant((out if keep else np.squeeze(out, axis)).astype(np.int64))

    return kernel


def _in_input_type(function):
    """ONNX computes Softmax/LogSoftmax in the input's type; ``ops.softmax`` lifts float16 to float32 (Keras)."""
    return lambda x, axis: function.apply(x, axis=axis % x.ndim if x.ndim else axis)


def _softmax(ember_fn):
    """Softmax/LogSoftmax: before opset 13 the input is flattened to 2-D at ``axis`` (default 1)."""

    def kernel(node, inputs):
        x = inputs[0]
        if node.opset >= 13:
            return ember_fn(x, axis=int(node.get("axis", -1)))
        axis = int(node.get("axis", 1)) % max(x.ndim, 1)
        rows = int(np.prod(x.shape[:axis], dtype=np.int64))
        flat = ops.reshape(x, (rows, -1))
        return ops.reshape(ember_fn(flat, axis=-1), x.shape)

    return kernel


def _hardmax(node, inputs):
    a = inputs[0].data
    axis = int(node.get("axis", -1 if node.opset >= 13 else 1)) % max(a.ndim, 1)
    shape = a.shape
    if node.opset < 13:
        a = a.reshape(int(np.prod(shape[:axis], dtype=np.int64)), -1)
        axis = 1
    idx = np.expand_dims(np.argmax(a, axis=axis), axis)
    out = np.zeros_like(a)
    np.put_along_axis(out, idx, 1, axis=axis)
    return constant(out.reshape(shape))


KERNELS = {
    "ReduceSum": _reduce(_sum, input_from=13),
    "ReduceMean": _reduce(_mean),
    "ReduceMax": _reduce(_max),
    "ReduceMin": _reduce(_min),
    "ReduceProd": _reduce(_prod),
    "ReduceL1": _reduce(_l1),
    "ReduceL2": _reduce(_l2),
    "ReduceSumSquare": _reduce(_sum_square),
    "ReduceLogSum": _reduce(_log_sum),
    "ReduceLogSumExp": _reduce(_log_sum_exp),
    "ArgMax": _arg(np.argmax),
    "ArgMin": _arg(np.argmin),
    "Softmax": _softmax(_in_input_type(Softmax)),
    "LogSoftmax": _softmax(_in_input_type(LogSoftmax)),
    "Hardmax": _hardmax,
}
