"""Converters: BatchNormalization (inference form), LayerNormalization, GroupNormalization, UnitNormalization."""

from __future__ import annotations

import numpy as np

from ember import layers
from ember.interop.onnx.export_builder import to_numpy
from ember.interop.onnx.export_registry import register


def _bshape(rank: int, axis: int, size: int) -> list[int]:
    shape = [1] * rank
    shape[axis] = size
    return shape


@register(layers.BatchNormalization)
def batch_norm(b, layer, call):
    # Inference: y = x * scale + shift, scale = gamma / sqrt(moving_var + eps), shift = beta - moving_mean * scale.
    rank, axis = len(call.shapes[0]), layer._feature_axis
    var = to_numpy(layer.moving_variance).astype(np.float64)
    scale = 1.0 / np.sqrt(var + layer.epsilon)
    if layer.gamma is not None:
        scale = scale * to_numpy(layer.gamma)
    shift = -to_numpy(layer.moving_mean) * scale
    if layer.beta is not None:
        shift = shift + to_numpy(layer.beta)
    shape = _bshape(rank, axis, scale.size)
    y = b.op("Mul", [call.inputs[0], b.const(scale.reshape(shape), f"{layer.name}_scale")])
    return [b.op("Add", [y, b.const(shift.reshape(shape), f"{layer.name}_shift")], layer.name)]


@register(layers.LayerNormalization)
def layer_norm(b, layer, call):
    x, rank = call.inputs[0], len(call.shapes[0])
    axes = sorted(a % rank for a in layer._norm_axes)
    gamma = None if layer.gamma is None else to_numpy(layer.gamma).reshape(layer._param_shape)
    beta = None if layer.beta is None else to_numpy(layer.beta).reshape(layer._param_shape)
    trailing = axes == list(range(axes[0], rank))
    if layer.rms_scaling or b.opset < 17 or not trailing:
        return [_layer_norm_composed(b, layer, x, axes, gamma, beta)]
    tail = tuple(call.shapes[0][axes[0]:])
    scale = np.ones(tail) if gamma is None else np.broadcast_to(gamma.reshape(gamma.shape[-len(tail):]), tail)
    inputs = [x, b.const(np.ascontiguousarray(scale), f"{layer.name}_gamma")]
    if beta is not None:
        inputs.append(b.const(np.ascontiguousarray(np.broadcast_to(beta.reshape(beta.shape[-len(tail):]), tail)),
                              f"{layer.name}_beta"))  # fmt: skip
    return [b.op("LayerNormalization", inputs, layer.name, axis=axes[0], epsilon=layer.epsilon)]


def _layer_norm_composed(b, layer, x, axes, gamma, beta):
    centred = b.op("Sub", [x, b.reduce("ReduceMean", x, axes)])
    var = b.reduce("ReduceMean", b.op("Mul", [centred, centred]), axes)
    if layer.rms_scaling:  # Keras 3.15's rms_scaling: x (not centred) / sqrt(var + eps) * gamma
        y = b.op("Div", [x, b.op("Sqrt", [b.op("Add", [var, b.scalar(layer.epsilon)])])])
        return y if gamma is None else b.op("Mul", [y, b.const(gamma)], layer.name)
    y = b.op("Div", [centred, b.op("Sqrt", [b.op("Add", [var, b.scalar(layer.epsilon)])])])
    if gamma is not None:
        y = b.op("Mul", [y, b.const(gamma)])
    return y if beta is None else b.op("Add", [y, b.const(beta)], layer.name)


@register(layers.GroupNormalization)
def group_norm(b, layer, call):
    shape = list(call.shapes[0])
    rank, axis = len(shape), layer._channel_axis
    x = call.inputs[0]
    if axis != rank - 1:
        x = b.transpose(x, [a for a in range(rank) if a != axis] + [axis])
    last = [shape[a] for a in range(1, rank) if a != axis] + [shape[axis]]
    groups = layer.groups
    grouped = b.reshape(x, [0, *last[:-1], groups, last[-1] // groups])
    axes = list(range(1, rank - 1)) + [rank]
    centred = b.op("Sub", [grouped, b.reduce("ReduceMean", grouped, axes)])
    var = b.reduce("ReduceMean", b.op("Mul", [centred, centred]), axes)
    y = b.op("Div", [centred, b.op("Sqrt", [b.op("Add", [var, b.scalar(layer.epsilon)])])])
    y = b.reshape(y, [0, *last])
    if layer.gamma is not None:
        y = b.op("Mul", [y, b.const(to_numpy(layer.gamma))])
    if layer.beta is not None:
        y = b.op("Add", [y, b.const(to_numpy(layer.beta))])
    if axis != rank - 1:
        y = b.transpose(y, list(range(axis)) + [rank - 1] + list(range(axis, rank - 1)))
    return [b.op("Identity", [y], layer.name)]


@register(layers.UnitNormalization)
def unit_norm(b, layer, call):
    rank = len(call.shapes[0])
    axes = [a % rank for a in (layer.axis if isinstance(layer.axis, list) else [layer.axis])]
    total = b.reduce("ReduceSumSquare", call.inputs[0], axes, keepdims=True)
    return [b.op("Div", [call.inputs[0], b.op("Sqrt", [b.op("Max", [total, b.scalar(1e-12)])])], layer.name)]
