"""Converters: global pooling, UpSampling, ZeroPadding and Cropping (all in the model's own layout)."""

from __future__ import annotations

from ember import layers
from ember.interop.onnx.export_registry import register


@register(layers.GlobalAveragePooling1D, layers.GlobalAveragePooling2D, masks=True)
def global_average(b, layer, call):
    x, axes = call.inputs[0], list(layer._axes())
    mask = call.masks[0]
    if mask is None or isinstance(layer, layers.GlobalAveragePooling2D):
        return [b.reduce("ReduceMean", x, axes, keepdims=layer.keepdims, base=layer.name)]
    # A masked mean over time: sum(x * w) / sum(w), w the (batch, timesteps) mask as floats.
    w = b.unsqueeze(b.cast_float(mask), [1 if layer.data_format == "channels_first" else -1])
    total = b.reduce("ReduceSum", b.op("Mul", [x, w]), axes, keepdims=layer.keepdims)
    count = b.reduce("ReduceSum", w, axes, keepdims=layer.keepdims)
    return [b.op("Div", [total, count], layer.name)]


@register(layers.GlobalMaxPooling1D, layers.GlobalMaxPooling2D)
def global_max(b, layer, call):
    return [b.reduce("ReduceMax", call.inputs[0], list(layer._axes()), keepdims=layer.keepdims, base=layer.name)]


@register(layers.UpSampling1D, layers.UpSampling2D)
def upsampling(b, layer, call):
    # Nearest neighbour = each element repeated: insert a size-1 axis after each spatial axis, Tile, merge.
    shape = list(call.shapes[0])
    sizes = [layer.size] if isinstance(layer.size, int) else list(layer.size)
    axes = list(layer._axes())
    expanded, repeats, target = [0], [1], [0]
    for axis in range(1, len(shape)):
        expanded.append(shape[axis])
        repeats.append(1)
        if axis in axes:
            factor = sizes[axes.index(axis)]
            expanded.append(1)
            repeats.append(factor)
            target.append(shape[axis] * factor)
        else:
            target.append(shape[axis])
    x = b.reshape(call.inputs[0], expanded)
    x = b.op("Tile", [x, b.ints(repeats)])
    return [b.reshape(x, target, layer.name)]


@register(layers.ZeroPadding1D, layers.ZeroPadding2D)
def zero_padding(b, layer, call):
    rank = len(call.shapes[0])
    begins, ends = [0] * rank, [0] * rank
    for axis, (lo, hi) in zip(layer._axes(), layer.padding, strict=True):
        begins[axis], ends[axis] = lo, hi
    return [b.op("Pad", [call.inputs[0], b.ints(begins + ends)], layer.name)]


@register(layers.Cropping1D, layers.Cropping2D)
def cropping(b, layer, call):
    shape = call.shapes[0]
    axes = list(layer._axes())
    starts = [lo for lo, _ in layer.cropping]
    ends = [shape[a] - hi for a, (_, hi) in zip(axes, layer.cropping, strict=True)]
    return [b.slice(call.inputs[0], starts, ends, axes, base=layer.name)]


