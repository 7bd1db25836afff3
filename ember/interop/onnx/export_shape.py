"""Converters: reshaping (Flatten, Reshape, Permute, RepeatVector) and merging (Add ... Concatenate, Dot)."""

from __future__ import annotations

from ember import layers
from ember.interop.onnx.export_registry import register, unsupported


@register(layers.Flatten)
def flatten(b, layer, call):
    x = call.inputs[0]
    rank = len(call.shapes[0])
    if layer.data_format == "channels_first" and rank > 2:
        x = b.transpose(x, [0, *range(2, rank), 1])
    return [b.reshape(x, [0, -1], layer.name)]


@register(layers.Reshape)
def reshape(b, layer, call):
    target = layer.compute_output_shape(call.shapes[0])[1:]
    return [b.reshape(call.inputs[0], [0, *target], layer.name)]


@register(layers.Permute)
def permute(b, layer, call):
    return [b.transpose(call.inputs[0], [0, *layer.dims], layer.name)]


@register(layers.RepeatVector)
def repeat_vector(b, layer, call):
    return [b.op("Tile", [b.unsqueeze(call.inputs[0], [1]), b.ints([1, layer.n, 1])], layer.name)]


def _no_masks(layer, call):
    if any(m is not None for m in call.masks):
        raise unsupported(layer, "merging tensors that carry Keras masks is not exported")


def _chain(b, op_type, names, base):
    y = names[0]
    for other in names[1:]:
        y = b.op(op_type, [y, other], base)
    return y


@register(layers.Add)
def add(b, layer, call):
    _no_masks(layer, call)
    return [_chain(b, "Add", call.inputs, layer.name)]


@register(layers.Subtract)
def subtract(b, layer, call):
    _no_masks(layer, call)
    return [b.op("Sub", call.inputs[:2], layer.name)]


@register(layers.Multiply)
def multiply(b, layer, call):
    _no_masks(layer, call)
    return [_chain(b, "Mul", call.inputs, layer.name)]


@register(layers.Average)
def average(b, layer, call):
    _no_masks(layer, call)
    total = _chain(b, "Add", call.inputs, layer.name)
    return [b.op("Div", [total, b.scalar(float(len(call.inputs)))], layer.name)]


@register(layers.Maximum)
def maximum(b, layer, call):
    _no_masks(layer, call)
    return [_chain(b, "Max", call.inputs, layer.name)]


@register(layers.Minimum)
def minimum(b, layer, call):
    _no_masks(layer, call)
    return [_chain(b, "Min", call.inputs, layer.name)]


@register(layers.Concatenate)
def concatenate(b, layer, call):
    _no_masks(layer, call)
    rank = len(call.shapes[0])
    return [b.op("Concat", call.inputs, layer.name, axis=layer.axis % rank)]


def _l2_normalize(b, x, axis):
    total = b.reduce("ReduceSumSquare", x, [axis], keepdims=True)
    return b.op("Div", [x, b.op("Sqrt", [b.op("Max", [total, b.scalar(1e-12)])])])


@register(layers.Dot)
def dot(b, layer, call):
    _no_masks(layer, call)
    ax, ay = layer._pair(call.shapes[:2])
    x, y = call.inputs[:2]
    if layer.normalize:
        x, y = _l2_normalize(b, x, ax), _l2_normalize(b, y, ay)
    if len(call.shapes[0]) == 2:
        return [b.reduce("ReduceSum", b.op("Mul", [x, y]), [1], keepdims=True, base=layer.name)]
    x = b.transpose(x, [0, 3 - ax, ax])  # rank 3: move the contracted axis last
    y = b.transpose(y, [0, ay, 3 - ay])  # and first (after the batch) on the other side
    return [b.op("MatMul", [x, y], layer.name)]
