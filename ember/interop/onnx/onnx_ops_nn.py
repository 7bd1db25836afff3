"""ONNX matrix products, convolutions and pooling (NCHW, as ONNX defines them) as ember ops.

ONNX tensors are channels-first and convolution weights ``(out, in / group, *kernel)``; ember's conv is
channels-last with Keras kernels ``(*kernel, in / group, out)``. Each kernel transposes the weight,
pads the input explicitly (``pads`` / ``auto_pad``, ONNX's ``[begin..., end...]`` layout) and calls
``ember.ops.conv`` with ``padding='valid'`` and ``data_format='channels_first'``, so the gradient of
every step is ember's. Reference: ONNX operator specification (Conv, ConvTranspose, MaxPool, ...).
"""

from __future__ import annotations

import math

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _matmul(node, inputs):
    a, b = inputs
    if a.data.dtype.kind == "f":
        return ops.matmul(a, b)
    return constant(np.matmul(a.data, b.data))


def _gemm(node, inputs):
    a, b = inputs[0], inputs[1]
    if node.get("transA", 0):
        a = ops.transpose(a)
    if node.get("transB", 0):
        b = ops.transpose(b)
    y = ops.matmul(a, b)
    alpha, beta = node.get("alpha", 1.0), node.get("beta", 1.0)
    if alpha != 1.0:
        y = ops.multiply(y, constant(np.asarray(alpha, y.data.dtype)))
    if len(inputs) > 2 and inputs[2] is not None:
        c = inputs[2]
        y = ops.add(y, c if beta == 1.0 else ops.multiply(c, constant(np.asarray(beta, y.data.dtype))))
    return y


def spatial_pads(node, in_spatial, kernel, strides, dilations) -> list[tuple[int, int]]:
    """(begin, end) padding per spatial axis from ``auto_pad`` and ``pads`` (ONNX's rules)."""
    rank = len(in_spatial)
    auto = node.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for n, k, s, d in zip(in_spatial, kernel, strides, dilations, strict=True):
            total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return out
    if auto == "VALID":
        return [(0, 0)] * rank
    pads = node.get("pads", [0] * (2 * rank))
    return list(zip(pads[:rank], pads[rank:], strict=True))


def _geometry(node, x, kernel):
    rank = x.ndim - 2
    strides = tuple(node.get("strides", [1] * rank))
    dilations = tuple(node.get("dilations", [1] * rank))
    return strides, dilations, spatial_pads(node, x.shape[2:], kernel, strides, dilations)


def _pad_nchw(x, pads, value=0.0):
    if not any(lo or hi for lo, hi in pads):
        return x
    return ops.pad(x, [(0, 0), (0, 0), *pads], constant_values=value)


def _bias(y, b):
    return ops.add(y, ops.reshape(b, (1, -1) + (1,) * (y.ndim - 2)))


def _conv(node, inputs):
    """``Conv``: ``y = conv(pad(x), w) + b``; weight ``(M, C/group, *k)``."""
    x, w = inputs[0], inputs[1]
    rank = x.ndim - 2
    strides, dilations, pads = _geometry(node, x, w.shape[2:])
    kernel = ops.transpose(w, (*range(2, 2 + rank), 1, 0))
    y = ops.conv(
        _pad_nchw(x, pads), kernel, strides, "valid", "channels_first", dilations, groups=int(node.get("group", 1))
    )
    return _bias(y, inputs[2]) if len(inputs) > 2 and inputs[2] is not None else y


def _conv_transpose_pads(node, x, kernel, strides, dilations, out_pad):
    rank = x.ndim - 2
    full = [
        (n - 1) * s + (k - 1) * d + 1 + p
        for n, k, s, d, p in zip(x.shape[2:], kernel, strides, dilations, out_pad, strict=True)
    ]
    out_shape = node.get("output_shape")
    auto = node.get("auto_pad", "NOTSET")
    if out_shape is None and auto in ("SAME_UPPER", "SAME_LOWER"):
        out_shape = [n * s for n, s in zip(x.shape[2:], strides, strict=True)]
    if out_shape is None:
        return full, _explicit(node, rank)
    out_shape = list(out_shape)[-rank:]
    pads = []
    for f, o in zip(full, out_shape, strict=True):
        total = f - o
        half = total // 2
        pads.append((half, total - half) if auto == "SAME_UPPER" else (total - half, half))
    return full, pads


def _explicit(node, rank):
    pads = node.get("pads", [0] * 2 * rank)
    return list(zip(pads[:rank], pads[rank:], strict=True))


def _conv_transpose(node, inputs):
    """``ConvTranspose``: full transposed conv, then ``output_padding`` zeros at the end, then crop ``pads``."""
    x, w = inputs[0], inputs[1]
    rank, group = x.ndim - 2, int(node.get("group", 1))
    kernel = w.shape[2:]
    strides = tuple(node.get("strides", [1] * rank))
    dilations = tuple(node.get("dilations", [1] * rank))
    out_pad = list(node.get("output_padding", [0] * rank))
    full, pads = _conv_transpose_pads(node, x, kernel, strides, dilations, out_pad)
    for axis, (lo, hi) in enumerate(pads):  # an output_shape beyond the full output: zeros at the end
        if hi < 0:
            out_pad[axis], full[axis], pads[axis] = out_pad[axis] - hi, full[axis] - hi, (lo, 0)
    xs = ops.split(x, group, axis=1) if group > 1 else [x]
    ws = ops.split(w, group, axis=0) if group > 1 else [w]
    ys = []
    for xg, wg in zip(xs, ws, strict=True):
        k = ops.transpose(wg, (*range(2, 2 + rank), 1, 0))  # (C/g, M/g, *k) -> (*k, M/g, C/g)
        ys.append(ops.conv_transpose(xg, k, strides, "valid", 0, "channels_first", dilations))
    y = ys[0] if group == 1 else ops.concatenate(ys, axis=1)
    y = _pad_nchw(y, [(0, p) for p in out_pad])
    index = (slice(None), slice(None)) + tuple(slice(lo, f - hi) for (lo, hi), f in zip(pads, full, strict=True))
    y = ops.getitem(y, index)
    return _bias(y, inputs[2]) if len(inputs) > 2 and inputs[2] is not None else y


def _pool_pads(node, x, kernel, strides, dilations):
    """Explicit pads plus the extra end padding ``ceil_mode`` needs, per spatial axis."""
    pads = spatial_pads(node, x.shape[2:], kernel, strides, dilations)
    extra = []
    for n, k, s, d, (lo, hi) in zip(x.shape[2:], kernel, strides, dilations, pads, strict=True):
        dk = (k - 1) * d + 1
        span = n + lo + hi - dk
        out = (-(-span // s) if node.get("ceil_mode", 0) else span // s) + 1
        if node.get("ceil_mode", 0) and (out - 1) * s >= n + lo:
            out -= 1
        extra.append(max((out - 1) * s + dk - (n + lo + hi), 0))
    return pads, extra


def _pool_args(node, x):
    kernel = tuple(node.get("kernel_shape"))
    rank = len(kernel)
    dilations = tuple(node.get("dilations", [1] * rank))
    strides = tuple(node.get("strides", [1] * rank))
    pads, extra = _pool_pads(node, x, kernel, strides, dilations)
    return kernel, strides, dilations, pads, extra


def _window_taps(x, kernel, strides, dilations):
    """One strided slice of ``x`` per kernel tap (for dilated windows, which ember's pooling lacks)."""
    import itertools

    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(x.shape[2:], kernel, strides, dilations, strict=True)]
    for offsets in itertools.product(*(range(k) for k in kernel)):
        index = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + (m - 1) * s + 1, s)
            for o, d, s, m in zip(offsets, dilations, strides, outs, strict=True)
        )
        yield ops.getitem(x, index)


def _pool(x, kernel, strides, dilations, kind):
    if all(d == 1 for d in dilations):
        fn = ops.max_pool if kind == "max" else ops.average_pool
        return fn(x, kernel, strides, "valid", "channels_first")
    out = None
    for tap in _window_taps(x, kernel, strides, dilations):
        out = tap if out is None else (ops.maximum(out, tap) if kind == "max" else ops.add(out, tap))
    return out if kind == "max" else ops.divide(out, constant(np.asarray(math.prod(kernel), x.data.dtype)))


def _max_pool(node, inputs):
    x = inputs[0]
    kernel, strides, dilations, pads, extra = _pool_args(node, x)
    widths = [(lo, hi + e) for (lo, hi), e in zip(pads, extra, strict=True)]
    low = -np.inf if x.data.dtype.kind == "f" else np.iinfo(x.data.dtype).min
    y = _pool(_pad_nchw(x, widths, low), kernel, strides, dilations, "max")
    if len(node.outputs) > 1 and node.outputs[1]:
        return [y, _max_pool_indices(node, x, widths, kernel, strides, dilations, low)]
    return y


def _max_pool_indices(node, x, widths, kernel, strides, dilations, low):
    """``Indices``: flat position of each window's first maximum in the unpadded input
    (row-major over ``N, C, *spatial``; ``storage_order=1`` orders the spatial axes column-major)."""
    n_c, spatial = x.shape[:2], x.shape[2:]
    within = np.arange(math.prod(spatial)).reshape(spatial)
    if node.get("storage_order", 0):
        within = np.arange(math.prod(spatial)).reshape(spatial[::-1]).T
    flat = np.arange(math.prod(n_c)).reshape(n_c + (1,) * len(spatial)) * math.prod(spatial) + within
    pad = [(0, 0), (0, 0), *widths]
    vals = constant(np.pad(x.data, pad, constant_values=low))
    idx = constant(np.pad(flat, pad, constant_values=-1))
    best_v = best_i = None
    for v, i in zip(_window_taps(vals, kernel, strides, dilations), _window_taps(idx, kernel, strides, dilations),
                    strict=True):  # fmt: skip
        if best_v is None:
            best_v, best_i = v.data, i.data
        else:
            better = v.data > best_v
            best_v, best_i = np.where(better, v.data, best_v), np.where(better, i.data, best_i)
    return constant(best_i.astype(np.int64))


def _average_pool(node, inputs):
    """``AveragePool``: average of the zero-padded input divided by the average of a 0/1 mask of the
    counted positions (the input, plus the explicit pads when ``count_include_pad``)."""
    x = inputs[0]
    kernel, strides, dilations, pads, extra = _pool_args(node, x)
    widths = [(lo, hi + e) for (lo, hi), e in zip(pads, extra, strict=True)]
    y = _pool(_pad_nchw(x, widths), kernel, strides, dilations, "avg")
    if not any(lo or hi for lo, hi in widths):
        return y
    if node.get("count_include_pad", 0):
        padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads, strict=True))
        mask = np.pad(np.ones((1, 1) + padded), [(0, 0), (0, 0)] + [(0, e) for e in extra])
    else:
        mask = np.pad(np.ones((1, 1) + tuple(x.shape[2:])), [(0, 0), (0, 0), *widths])
    count = _pool(constant(mask.astype(x.data.dtype)), kernel, strides, dilations, "avg")
    return ops.divide(y, count)


def _global(reduce):
    def kernel(node, inputs):
        x = inputs[0]
        return reduce(x, axis=tuple(range(2, x.ndim)), keepdims=True)

    return kernel


def _einsum(node, inputs):
    return ops.einsum(node.get("equation").replace(" ", ""), *inputs)


KERNELS = {
    "MatMul": _matmul,
    "Gemm": _gemm,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": _global(ops.mean),
    "GlobalMaxPool": _global(ops.max),
    "Einsum": _einsum,
}
