"""ONNX elementwise math, activations, comparisons and reductions as ember ops.

Float inputs go through ``ember.ops`` (so gradients flow); integer and boolean inputs, which never
carry a gradient, are computed on their arrays with ONNX's integer semantics (e.g. ``Div`` truncates).
Formulas follow the ONNX operator specification (``onnx/docs/Operators.md``).
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _float(t) -> bool:
    return t.data.dtype.kind == "f"


def _binary(ember_fn, np_fn):
    """A broadcasting binary kernel: ember op on floats, ``np_fn`` (same dtype as ``a``) otherwise."""

    def kernel(node, inputs):
        a, b = inputs[0], inputs[1]
        if _float(a) and _float(b):
            return ember_fn(a, b)
        return constant(np.asarray(np_fn(a.data, b.data)).astype(a.data.dtype, copy=False))

    return kernel


def _int_div(a, b):
    if a.dtype.kind == "f":
        return a / b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(a / b)  # C-style integer division, as ONNX Runtime and the reference


def _pow(node, inputs):
    a, b = inputs
    if _float(a):
        return ops.power(a, b if _float(b) and b.dtype == a.dtype else constant(b.data.astype(a.data.dtype)))
    return constant(np.power(a.data, b.data.astype(a.data.dtype)).astype(a.data.dtype))


def _mod(node, inputs):
    a, b = (t.data for t in inputs)
    out = np.fmod(a, b) if node.get("fmod", 0) else np.mod(a, b)
    return constant(out.astype(a.dtype))


def _unary(ember_fn, np_fn=None):
    def kernel(node, inputs):
        x = inputs[0]
        if _float(x) or np_fn is None:
            return ember_fn(x)
        return constant(np_fn(x.data).astype(x.data.dtype))

    return kernel


def _compare(np_fn):
    def kernel(node, inputs):
        return constant(np_fn(inputs[0].data, inputs[1].data))

    return kernel


def _variadic(ember_fn, np_fn):
    def kernel(node, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = ember_fn(out, t) if _float(out) else constant(np_fn(out.data, t.data))
        return out

    return kernel


def _mean(node, inputs):
    total = inputs[0]
    for t in inputs[1:]:
        total = ops.add(total, t)
    return ops.divide(total, constant(np.asarray(len(inputs), dtype=total.data.dtype)))


def _scalar(x, value):
    return constant(np.asarray(value, dtype=x.data.dtype))


def _clip(node, inputs):
    x = inputs[0]
    if node.opset < 11:
        lo, hi = node.get("min"), node.get("max")
        lo = None if lo is None else _scalar(x, lo)
        hi = None if hi is None else _scalar(x, hi)
    else:
        lo = inputs[1] if len(inputs) > 1 else None
        hi = inputs[2] if len(inputs) > 2 else None
    if not _float(x):
        out = x.data
        out = out if lo is None else np.maximum(out, lo.data)
        return constant(out if hi is None else np.minimum(out, hi.data))
    if lo is not None:
        x = ops.maximum(x, lo)
    return x if hi is None else ops.minimum(x, hi)


def _hard_sigmoid(node, inputs):
    x = inputs[0]
    y = ops.add(ops.multiply(x, _scalar(x, node.get("alpha", 0.2))), _scalar(x, node.get("beta", 0.5)))
    return ops.minimum(ops.maximum(y, _scalar(x, 0.0)), _scalar(x, 1.0))


def _hard_swish(node, inputs):
    x = inputs[0]
    gate = ops.add(ops.multiply(x, _scalar(x, 1.0 / 6.0)), _scalar(x, 0.5))
    return ops.multiply(x, ops.minimum(ops.maximum(gate, _scalar(x, 0.0)), _scalar(x, 1.0)))


def _elu(node, inputs):
    return ops.elu(inputs[0], alpha=node.get("alpha", 1.0))


def _selu(node, inputs):
    x = inputs[0]
    alpha, gamma = node.get("alpha", 1.67326319217681884765625), node.get("gamma", 1.05070102214813232421875)
    return ops.multiply(ops.elu(x, alpha=alpha), _scalar(x, gamma))


def _celu(node, inputs):
    x, alpha = inputs[0], node.get("alpha", 1.0)
    neg = ops.multiply(_scalar(x, alpha), ops.expm1(ops.divide(ops.minimum(x, _scalar(x, 0.0)), _scalar(x, alpha))))
    return ops.add(ops.relu(x), neg)


def _thresholded_relu(node, inputs):
    x = inputs[0]
    return ops.where(x.data > node.get("alpha", 1.0), x, _scalar(x, 0.0))


def _prelu(node, inputs):
    x, slope = inputs
    if node.opset < 7 and slope.ndim == 1 and x.ndim > 2 and slope.shape[0] == x.shape[1]:
        slope = ops.reshape(slope, (-1,) + (1,) * (x.ndim - 2))  # before opset 7: one slope per channel
    return ops.where(x.data < 0, ops.multiply(x, slope), x)


def _gelu(node, inputs):
    return ops.gelu(inputs[0], approximate=node.get("approximate", "none") == "tanh")


def _softplus(node, inputs):
    return ops.softplus(inputs[0])


def _mish(node, inputs):
    x = inputs[0]
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def _round(x):
    return ops.round(x)  # NumPy rounds half to even, as ONNX Round


KERNELS = {
    "Add": _binary(ops.add, np.add),
    "Sub": _binary(ops.subtract, np.subtract),
    "Mul": _binary(ops.multiply, np.multiply),
    "Div": _binary(ops.divide, _int_div),
    "Pow": _pow,
    "Mod": _mod,
    "Neg": _unary(ops.negative, np.negative),
    "Abs": _unary(ops.abs, np.abs),
    "Sign": _unary(ops.sign, np.sign),
    "Exp": _unary(ops.exp),
    "Log": _unary(ops.log),
    "Sqrt": _unary(ops.sqrt),
    "Reciprocal": _unary(ops.reciprocal),
    "Floor": _unary(ops.floor),
    "Ceil": _unary(ops.ceil),
    "Round": _unary(_round),
    "Erf": _unary(ops.erf),
    "Sin": _unary(ops.sin),
    "Cos": _unary(ops.cos),
    "Tanh": _unary(ops.tanh),
    "Sigmoid": _unary(ops.sigmoid),
    "Relu": _unary(ops.relu, lambda a: np.maximum(a, 0)),
    "Softsign": _unary(ops.softsign),
    "Softplus": _softplus,
    "Mish": _mish,
    "LeakyRelu": lambda node, inputs: ops.leaky_relu(inputs[0], negative_slope=node.get("alpha", 0.01)),
    "Elu": _elu,
    "Selu": _selu,
    "Celu": _celu,
    "ThresholdedRelu": _thresholded_relu,
    "PRelu": _prelu,
    "Gelu": _gelu,
    "HardSigmoid": _hard_sigmoid,
    "HardSwish": _hard_swish,
    "Clip": _clip,
    "Max": _variadic(ops.maximum, np.maximum),
    "Min": _variadic(ops.minimum, np.minimum),
    "Sum": _variadic(ops.add, np.add),
    "Mean": _mean,
    "Equal": _compare(np.equal),
    "Less": _compare(np.less),
    "LessOrEqual": _compare(np.less_equal),
    "Greater": _compare(np.greater),
    "GreaterOrEqual": _compare(np.greater_equal),
    "And": _compare(np.logical_and),
    "Or": _compare(np.logical_or),
    "Xor": _compare(np.logical_xor),
    "Not": lambda node, inputs: constant(np.logical_not(inputs[0].data)),
    "IsNaN": lambda node, inputs: constant(np.isnan(inputs[0].data)),
    "IsInf": lambda node, inputs: constant(
        (np.isposinf(inputs[0].data) & bool(node.get("detect_positive", 1)))
        | (np.isneginf(inputs[0].data) & bool(node.get("detect_negative", 1)))
    ),
}
