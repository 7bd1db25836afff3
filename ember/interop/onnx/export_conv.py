"""Converters: convolutions (Conv1D/2D, transposed, depthwise, separable) and windowed pooling.

ONNX's ``Conv``/``ConvTranspose``/``MaxPool``/``AveragePool`` are channels-first; a channels-last layer is wrapped
in ``Transpose`` nodes (onnxruntime's transpose optimizer cancels the pairs between consecutive layers).
TensorFlow-style ``'same'`` padding (the odd element after) becomes explicit ``pads``, as does Conv1D's
``'causal'`` left padding. Kernel layouts: Keras ``(*k, in/groups, out)`` -> ONNX ``(out, in/groups, *k)``;
Keras transposed ``(*k, out, in)`` -> ONNX ``(in, out, *k)``; depthwise ``(*k, in, mult)`` -> ``(in*mult, 1, *k)``.
"""

from __future__ import annotations

import numpy as np

from ember import layers
from ember.interop.onnx.export_builder import to_numpy
from ember.interop.onnx.export_core import activation
from ember.interop.onnx.export_registry import register
from ember.ops.conv import geometry
from ember.ops.conv_transpose import _transpose_crop


def to_channels_first(b, x, rank, data_format):
    if data_format == "channels_first":
        return x
    return b.transpose(x, [0, rank + 1, *range(1, rank + 1)])


def to_channels_last(b, y, rank, data_format, base=None):
    if data_format == "channels_first":
        return y
    return b.transpose(y, [0, *range(2, rank + 2), 1], base)


def spatial_of(shape, data_format):
    return tuple(shape[2:]) if data_format == "channels_first" else tuple(shape[1:-1])


def explicit_pads(layer, spatial, kernel, strides, dilation, padding) -> list[int]:
    """ONNX ``pads`` (all begins, then all ends) for Keras's ``'valid'``/``'same'``/``'causal'``."""
    if padding == "causal":
        return [(kernel[0] - 1) * dilation[0], 0]
    geo = geometry(spatial, kernel, strides, padding, dilation, f"{type(layer).__name__} '{layer.name}'")
    return [p[0] for p in geo.pads] + [p[1] for p in geo.pads]


def _onnx_kernel(kernel: np.ndarray) -> np.ndarray:
    rank = kernel.ndim - 2
    return kernel.transpose(rank + 1, rank, *range(rank))


def _conv(b, layer, call, weight, bias, group, padding=None, strides=None, dilation=None):
    rank = layer.rank
    x = to_channels_first(b, call.inputs[0], rank, layer.data_format)
    strides = strides or layer.strides
    dilation = dilation or layer.dilation_rate
    kernel = weight.shape[2:]
    pads = explicit_pads(layer, spatial_of(call.shapes[0], layer.data_format), kernel, strides, dilation,
                         padding or layer.padding)  # fmt: skip
    inputs = [x, b.const(weight, f"{layer.name}_kernel")]
    if bias is not None:
        inputs.append(b.const(bias, f"{layer.name}_bias"))
    return b.op("Conv", inputs, layer.name, kernel_shape=list(kernel), strides=list(strides),
                dilations=list(dilation), pads=pads, group=int(group))  # fmt: skip


def _bias(layer):
    return None if getattr(layer, "bias", None) is None else to_numpy(layer.bias)


@register(layers.Conv1D, layers.Conv2D)
def conv(b, layer, call):
    kernel = to_numpy(layer.kernel)
    channels = call.shapes[0][layer._channel_axis]
    y = _conv(b, layer, call, _onnx_kernel(kernel), _bias(layer), channels // kernel.shape[-2])
    y = to_channels_last(b, y, layer.rank, layer.data_format)
    return [activation(b, layer, layer.activation, y)]


def _depthwise_weight(kernel: np.ndarray) -> np.ndarray:
    *k, cin, mult = kernel.shape
    flat = kernel.reshape(*k, cin * mult)  # output channel c * mult + m, as Keras orders them
    return flat.transpose(len(k), *range(len(k)))[:, None]


@register(layers.DepthwiseConv2D)
def depthwise(b, layer, call):
    kernel = to_numpy(layer.kernel)
    y = _conv(b, layer, call, _depthwise_weight(kernel), _bias(layer), kernel.shape[-2])
    y = to_channels_last(b, y, layer.rank, layer.data_format)
    return [activation(b, layer, layer.activation, y)]


@register(layers.SeparableConv2D)
def separable(b, layer, call):
    dw = to_numpy(layer.depthwise_kernel)
    y = _conv(b, layer, call, _depthwise_weight(dw), None, dw.shape[-2])
    pw = _onnx_kernel(to_numpy(layer.pointwise_kernel))
    inputs = [y, b.const(pw, f"{layer.name}_pointwise")]
    if layer.bias is not None:
        inputs.append(b.const(to_numpy(layer.bias), f"{layer.name}_bias"))
    y = b.op("Conv", inputs, layer.name, kernel_shape=[1, 1], strides=[1, 1], pads=[0, 0, 0, 0])
    y = to_channels_last(b, y, layer.rank, layer.data_format)
    return [activation(b, layer, layer.activation, y)]


@register(layers.Conv1DTranspose, layers.Conv2DTranspose)
def conv_transpose(b, layer, call):
    rank, kernel = layer.rank, to_numpy(layer.kernel)
    x = to_channels_first(b, call.inputs[0], rank, layer.data_format)
    weight = kernel.transpose(rank + 1, rank, *range(rank))  # (in, out, *k)
    inputs = [x, b.const(weight, f"{layer.name}_kernel")]
    y = b.op("ConvTranspose", inputs, layer.name, kernel_shape=list(kernel.shape[:rank]), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), pads=[0] * (2 * rank))  # fmt: skip
    # ONNX gives the full output ((n - 1) s + dk per axis); Keras keeps a window of it (ember.ops.conv_transpose).
    spatial = spatial_of(call.shapes[0], layer.data_format)
    ops_pad = layer.output_padding or (None,) * rank
    crops = [_transpose_crop(n, k, s, d, layer.padding, p) for n, k, s, d, p in zip(
        spatial, layer.kernel_size, layer.strides, layer.dilation_rate, ops_pad, strict=True)]  # fmt: skip
    full = [(n - 1) * s + (k - 1) * d + 1 for n, k, s, d in zip(spatial, layer.kernel_size, layer.strides,
                                                                   layer.dilation_rate, strict=True)]  # fmt: skip
    axes = list(range(2, rank + 2))
    y = b.slice(y, [lo for lo, _ in crops], [lo + n for lo, n in crops], axes)
    extra = [max(lo + n - f, 0) for (lo, n), f in zip(crops, full, strict=True)]
    if any(extra):
        y = b.op("Pad", [y, b.ints([0] * (rank + 2) + [0, 0] + extra)])
    if layer.bias is not None:  # after the crop/pad: Keras adds the bias to the zero-filled border too
        y = b.op("Add", [y, b.const(to_numpy(layer.bias).reshape(-1, *[1] * rank), f"{layer.name}_bias")])
    y = to_channels_last(b, y, rank, layer.data_format)
    return [activation(b, layer, layer.activation, y)]


@register(layers.MaxPooling1D, layers.MaxPooling2D, layers.AveragePooling1D, layers.AveragePooling2D)
def pooling(b, layer, call):
    rank = len(layer.pool_size)
    x = to_channels_first(b, call.inputs[0], rank, layer.data_format)
    pads = explicit_pads(layer, spatial_of(call.shapes[0], layer.data_format), layer.pool_size, layer.strides,
                         (1,) * rank, layer.padding)  # fmt: skip
    is_max = isinstance(layer, (layers.MaxPooling1D, layers.MaxPooling2D)) and not isinstance(
        layer, (layers.AveragePooling1D, layers.AveragePooling2D))  # fmt: skip
    attrs = dict(kernel_shape=list(layer.pool_size), strides=list(layer.strides), pads=pads)
    if is_max:
        y = b.op("MaxPool", [x], layer.name, **attrs)
    else:  # Keras/TF average the valid elements of a border window only
        y = b.op("AveragePool", [x], layer.name, count_include_pad=0, **attrs)
    return [to_channels_last(b, y, rank, layer.data_format)]

