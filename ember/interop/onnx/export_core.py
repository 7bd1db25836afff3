"""Converters: activations, Dense/EinsumDense, Embedding, Masking, preprocessing and inference no-ops."""

from __future__ import annotations

import math

import numpy as np

from ember import activations, layers, ops
from ember.interop.onnx.export_builder import GraphBuilder, to_numpy
from ember.interop.onnx.export_registry import register, unsupported


def _gelu_tanh(b: GraphBuilder, x: str) -> str:
    # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), ember's and Keras's default (approximate) GELU
    cube = b.op("Mul", [b.op("Mul", [x, x]), x])
    inner = b.op("Mul", [b.op("Add", [x, b.op("Mul", [cube, b.scalar(0.044715)])]), b.scalar(math.sqrt(2 / math.pi))])
    return b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), b.op("Add", [b.op("Tanh", [inner]), b.scalar(1.0)])])


def _gelu_erf(b: GraphBuilder, x: str) -> str:
    # 0.5 x (1 + erf(x / sqrt(2))): the exact GELU, Keras 3's activation "gelu" (ember.activations.gelu)
    erf = b.op("Erf", [b.op("Mul", [x, b.scalar(1 / math.sqrt(2))])])
    return b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), b.op("Add", [erf, b.scalar(1.0)])])


def _silu(b: GraphBuilder, x: str) -> str:
    return b.op("Mul", [x, b.op("Sigmoid", [x])])


def _mish(b: GraphBuilder, x: str) -> str:
    return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x])])])


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
# ember activation function -> emitter. Keras names: keras/src/activations/activations.py.
ACTIVATIONS = {
    ops.relu: lambda b, x: b.op("Relu", [x]),
    ops.sigmoid: lambda b, x: b.op("Sigmoid", [x]),
    ops.tanh: lambda b, x: b.op("Tanh", [x]),
    ops.softmax: lambda b, x: b.op("Softmax", [x], axis=-1),
    ops.log_softmax: lambda b, x: b.op("LogSoftmax", [x], axis=-1),
    ops.leaky_relu: lambda b, x: b.op("LeakyRelu", [x], alpha=0.2),
    ops.elu: lambda b, x: b.op("Elu", [x], alpha=1.0),
    ops.selu: lambda b, x: b.op("Selu", [x], alpha=_SELU[0], gamma=_SELU[1]),
    ops.gelu: _gelu_tanh,
    ops.silu: _silu,
    ops.softplus: lambda b, x: b.op("Softplus", [x]),
    ops.softsign: lambda b, x: b.op("Softsign", [x]),
    ops.hard_sigmoid: lambda b, x: b.op("HardSigmoid", [x], alpha=1 / 6, beta=0.5),
    ops.relu6: lambda b, x: b.op("Clip", [x, b.scalar(0.0), b.scalar(6.0)]),
    ops.mish: _mish,
    ops.exponential: lambda b, x: b.op("Exp", [x]),
    activations.linear: lambda b, x: x,
}
if hasattr(activations, "gelu") and activations.gelu is not ops.gelu:
    ACTIVATIONS[activations.gelu] = _gelu_erf
if hasattr(ops, "hard_silu"):
    ACTIVATIONS[ops.hard_silu] = lambda b, x: b.op("HardSwish", [x])


def activation(b: GraphBuilder, layer, fn, x: str) -> str:
    """Apply the ember activation ``fn`` to ONNX tensor ``x``.

    Raises:
        ExportError: for a custom (Python) activation, naming ``layer``.
    """
    emit = ACTIVATIONS.get(fn)
    if emit is None:
        raise unsupported(layer, f"its activation {getattr(fn, '__name__', fn)!r} is custom Python code; use a "
                                 f"built-in one ({', '.join(sorted(f.__name__ for f in ACTIVATIONS))})")  # fmt: skip
    return emit(b, x)


@register(layers.Dense)
def dense(b, layer, call):
    bias = None if layer.bias is None else to_numpy(layer.bias)
    y = b.matmul_weight(call.inputs[0], to_numpy(layer.kernel), bias, layer.name)
    return [activation(b, layer, layer.activation, y)]


@register(layers.EinsumDense)
def einsum_dense(b, layer, call):
    y = b.op("Einsum", [call.inputs[0], b.const(to_numpy(layer.kernel), f"{layer.name}_kernel")], layer.name,
             equation=layer.equation)  # fmt: skip
    if layer.bias is not None:
        y = b.op("Add", [y, b.const(to_numpy(layer.bias), f"{layer.name}_bias")])
    return [activation(b, layer, layer.activation, y)]


@register(layers.Activation)
def activation_layer(b, layer, call):
    return [activation(b, layer, layer.activation, call.inputs[0])]


@register(layers.ReLU)
def relu(b, layer, call):
    x = call.inputs[0]
    if layer.threshold == 0.0 and layer.negative_slope == 0.0:
        y = b.op("Relu", [x])
    else:
        shifted = b.op("Mul", [b.op("Sub", [x, b.scalar(layer.threshold)]), b.scalar(layer.negative_slope)])
        y = b.op("Where", [b.op("GreaterOrEqual", [x, b.scalar(layer.threshold)]), x, shifted])
    if layer.max_value is not None:
        y = b.op("Min", [y, b.scalar(layer.max_value)])
    return [y]


@register(layers.LeakyReLU)
def leaky_relu(b, layer, call):
    return [b.op("LeakyRelu", [call.inputs[0]], layer.name, alpha=layer.negative_slope)]


@register(layers.ELU)
def elu(b, layer, call):
    return [b.op("Elu", [call.inputs[0]], layer.name, alpha=layer.alpha)]


@register(layers.PReLU)
def prelu(b, layer, call):
    return [b.op("PRelu", [call.inputs[0], b.const(to_numpy(layer.alpha), f"{layer.name}_alpha")], layer.name)]


@register(layers.Softmax)
def softmax(b, layer, call):
    if call.masks[0] is not None:
        raise unsupported(layer, "a Softmax over a Keras mask is not exported")
    x, rank = call.inputs[0], len(call.shapes[0])
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    if len(axes) == 1:
        return [b.op("Softmax", [x], layer.name, axis=int(axes[0]) % rank)]
    lse = b.reduce("ReduceLogSumExp", x, [a % rank for a in axes], keepdims=True)
    return [b.op("Exp", [b.op("Sub", [x, lse])], layer.name)]


@register(layers.Dropout, layers.SpatialDropout1D, layers.SpatialDropout2D, layers.GaussianNoise,
          layers.GaussianDropout, layers.ActivityRegularization, layers.Identity)  # fmt: skip
def identity(b, layer, call):
    """Training-only layers are the identity at inference: no node at all."""
    return [call.inputs[0]]


@register(layers.Embedding)
def embedding(b, layer, call):
    x = call.inputs[0]
    indices = b.cast(x, np.int64)
    y = b.op("Gather", [b.const(to_numpy(layer.embeddings), f"{layer.name}_embeddings"), indices], layer.name, axis=0)
    if layer.mask_zero:
        call.out_masks = [b.op("Not", [b.op("Equal", [indices, b.ints([0])])], f"{layer.name}_mask")]
    return [y]


@register(layers.Masking)
def masking(b, layer, call):
    x = call.inputs[0]
    differs = b.cast(b.op("Not", [b.op("Equal", [x, b.scalar(layer.mask_value)])]), b.float_dtype)
    keep = b.reduce("ReduceMax", differs, [-1], keepdims=False)
    call.out_masks = [b.cast(keep, np.bool_, f"{layer.name}_mask")]
    return [b.op("Mul", [x, b.unsqueeze(keep, [-1])], layer.name)]


def _as_float(b, call):
    x = call.inputs[0]
    return x if np.dtype(call.values[0].numpy().dtype).kind == "f" else b.cast_float(x)


@register(layers.Rescaling)
def rescaling(b, layer, call):
    y = b.op("Mul", [_as_float(b, call), b.const(np.asarray(layer.scale, dtype=b.float_dtype))])
    return [b.op("Add", [y, b.const(np.asarray(layer.offset, dtype=b.float_dtype))], layer.name)]


@register(layers.Normalization)
def normalization(b, layer, call):
    # The layer's own ops give mean and std (std = max(sqrt(variance), epsilon)) as constants.
    mean = to_numpy(ops.reshape(layer.mean, layer._broadcast))
    std = np.maximum(np.sqrt(to_numpy(ops.reshape(layer.variance, layer._broadcast))), _epsilon())
    x = _as_float(b, call)
    if layer.invert:
        return [b.op("Add", [b.op("Mul", [x, b.const(std)]), b.const(mean)], layer.name)]
    return [b.op("Div", [b.op("Sub", [x, b.const(mean)]), b.const(std)], layer.name)]


def _epsilon() -> float:
    from ember.layers import preprocessing

    return preprocessing._EPSILON


@register(layers.RBFLayer)
def rbf(b, layer, call):
    # exp(-beta_j ||x - c_j||^2), the distance expanded as |x|^2 - 2 x c^T + |c|^2 and clipped at 0 (as ember)
    x, centers = call.inputs[0], to_numpy(layer.centers)
    x2 = b.reduce("ReduceSumSquare", x, [-1], keepdims=True)
    cross = b.op("MatMul", [x, b.const(-2.0 * centers.T, f"{layer.name}_centers")])
    d = b.op("Max", [b.op("Add", [b.op("Add", [x2, cross]), b.const((centers * centers).sum(-1))]), b.scalar(0.0)])
    return [b.op("Exp", [b.op("Mul", [d, b.const(-to_numpy(layer.betas))])], layer.name)]


@register(layers.RBM)
def rbm(b, layer, call):
    """``p(h = 1 | v) = sigmoid(v W + b_h)``: what an RBM layer returns in a model."""
    y = b.matmul_weight(call.inputs[0], to_numpy(layer.kernel), to_numpy(layer.hidden_bias), layer.name)
    return [b.op("Sigmoid", [y], layer.name)]
