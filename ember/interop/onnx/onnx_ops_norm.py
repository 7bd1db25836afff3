"""ONNX normalizations and resizing as compositions of ember ops (so each has a gradient).

- ``BatchNormalization``: ``y = (x - mean) / sqrt(var + eps) * scale + B`` per channel (axis 1); with
  ``training_mode=1`` the batch statistics are used and the running ones updated with ``momentum``.
- ``LayerNormalization``: normalise over axes ``axis..rank-1``; outputs ``Y, Mean, InvStdDev``.
- ``InstanceNormalization``, ``GroupNormalization``: statistics per sample and channel (group).
- ``Resize``/``Upsample``: separable interpolation. For each resized axis, the output coordinate is mapped
  back (``coordinate_transformation_mode``) and the output is a weighted sum of gathered input slices:
  one tap for ``nearest``, two for ``linear``, four for ``cubic`` (Keys' kernel, ``cubic_coeff_a``);
  indices beyond the edge repeat the edge, as the ONNX reference implementation does.

Reference: ONNX operator specification and ``onnx/reference/ops/op_resize.py``.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _s(x, value):
    return constant(np.asarray(value, dtype=x.data.dtype))


def _channel(t, ndim):
    return ops.reshape(t, (1, -1) + (1,) * (ndim - 2))


def _normalize(x, axes, eps):
    mean = ops.mean(x, axis=axes, keepdims=True)
    centred = ops.subtract(x, mean)
    var = ops.mean(ops.square(centred), axis=axes, keepdims=True)
    inv = ops.rsqrt(ops.add(var, _s(x, eps)))
    return ops.multiply(centred, inv), mean, inv


def _batch_norm(node, inputs):
    x, scale, bias, mean, var = inputs[:5]
    eps = node.get("epsilon", 1e-5)
    if node.get("training_mode", 0):
        axes = (0, *range(2, x.ndim))
        y, bmean, inv = _normalize(x, axes, eps)
        y = ops.add(ops.multiply(y, _channel(scale, x.ndim)), _channel(bias, x.ndim))
        m = node.get("momentum", 0.9)
        bvar = ops.var(x, axis=axes)
        run_mean = ops.add(ops.multiply(mean, _s(x, m)), ops.multiply(ops.reshape(bmean, (-1,)), _s(x, 1 - m)))
        run_var = ops.add(ops.multiply(var, _s(x, m)), ops.multiply(bvar, _s(x, 1 - m)))
        return [y, run_mean, run_var]
    inv = ops.multiply(ops.rsqrt(ops.add(var, _s(var, eps))), scale)
    shift = ops.subtract(bias, ops.multiply(mean, inv))
    return ops.add(ops.multiply(x, _channel(inv, x.ndim)), _channel(shift, x.ndim))


def _layer_norm(node, inputs):
    x, scale = inputs[0], inputs[1]
    axis = int(node.get("axis", -1)) % x.ndim
    axes = tuple(range(axis, x.ndim))
    y, mean, inv = _normalize(x, axes, node.get("epsilon", 1e-5))
    y = ops.multiply(y, scale)
    if len(inputs) > 2 and inputs[2] is not None:
        y = ops.add(y, inputs[2])
    return [y, mean, inv]


def _instance_norm(node, inputs):
    x, scale, bias = inputs
    y, _, _ = _normalize(x, tuple(range(2, x.ndim)), node.get("epsilon", 1e-5))
    return ops.add(ops.multiply(y, _channel(scale, x.ndim)), _channel(bias, x.ndim))


def _group_norm(node, inputs):
    x, scale, bias = inputs
    g, (n, c) = int(node.get("num_groups")), x.shape[:2]
    grouped = ops.reshape(x, (n, g, -1))
    y, _, _ = _normalize(grouped, (2,), node.get("epsilon", 1e-5))
    y = ops.reshape(y, x.shape)
    if node.opset < 21:  # opset 18 gives scale and bias per group
        scale, bias = (ops.reshape(ops.broadcast_to(ops.reshape(t, (g, 1)), (g, c // g)), (c,)) for t in (scale, bias))
    return ops.add(ops.multiply(y, _channel(scale, x.ndim)), _channel(bias, x.ndim))


# ---------------------------------------------------------------------------------------------- resize
def _original_coords(mode, out_n, in_n, scale):
    x = np.arange(out_n, dtype=np.float64)
    if mode == "half_pixel":
        return (x + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (x + 0.5) / scale - 0.5 if out_n > 1 else np.zeros_like(x)
    if mode == "align_corners":  # the reference divides by the real-valued output length scale * in_n
        out_f = scale * in_n
        return np.zeros_like(x) if out_f == 1 else x * (in_n - 1) / (out_f - 1)
    if mode == "asymmetric":
        return x / scale
    if mode == "tf_half_pixel_for_nn":
        return (x + 0.5) / scale
    if mode == "half_pixel_symmetric":
        adjustment = out_n / (scale * in_n)
        return in_n / 2 * (1 - adjustment) + (x + 0.5) / scale - 0.5
    raise ValueError(f"unsupported coordinate_transformation_mode {mode!r}")


def _nearest(coords, rule):
    if rule == "round_prefer_floor":
        return np.ceil(coords - 0.5)
    if rule == "round_prefer_ceil":
        return np.floor(coords + 0.5)
    return np.floor(coords) if rule == "floor" else np.ceil(coords)


def _cubic(ratio, a):
    r = [ratio + 1, ratio, 1 - ratio, 2 - ratio]
    near = lambda t: ((a + 2) * t - (a + 3)) * t * t + 1  # noqa: E731 - |t| <= 1
    far = lambda t: ((a * t - 5 * a) * t + 8 * a) * t - 4 * a  # noqa: E731 - 1 < |t| < 2
    return np.stack([far(r[0]), near(r[1]), near(r[2]), far(r[3])], axis=1)


def taps(node, mode, out_n, in_n, scale):
    """``(indices, weights)``, each ``(out_n, taps)``: output ``i`` is ``sum_t w[i, t] * x[idx[i, t]]``."""
    coords = _original_coords(node.get("coordinate_transformation_mode", "half_pixel"), out_n, in_n, scale)
    if mode == "nearest":
        idx = _nearest(coords, node.get("nearest_mode", "round_prefer_floor"))[:, None]
        return np.clip(idx, 0, in_n - 1).astype(np.int64), np.ones_like(idx)
    base = np.floor(coords)
    ratio = coords - base
    if mode == "linear":
        idx, w = base[:, None] + np.array([0, 1]), np.stack([1 - ratio, ratio], axis=1)
    else:
        idx, w = base[:, None] + np.array([-1, 0, 1, 2]), _cubic(ratio, node.get("cubic_coeff_a", -0.75))
    if node.get("exclude_outside", 0):
        w = np.where((idx < 0) | (idx >= in_n), 0.0, w)
        w = w / w.sum(axis=1, keepdims=True)
    return np.clip(idx, 0, in_n - 1).astype(np.int64), w


def _resize_axis(node, x, axis, mode, out_n, scale):
    idx, w = taps(node, mode, out_n, x.shape[axis], scale)
    shape = [1] * x.ndim
    shape[axis] = out_n
    out = None
    for t in range(idx.shape[1]):
        term = ops.take(x, idx[:, t], axis=axis)
        if mode != "nearest":
            term = ops.multiply(term, constant(w[:, t].reshape(shape).astype(x.data.dtype)))
        out = term if out is None else ops.add(out, term)
    return out


def _resize_args(node, inputs):
    x = inputs[0]
    if node.op_type == "Upsample" or node.opset < 11:
        scales = node.get("scales") if node.opset < 9 else inputs[1].data
        return np.asarray(scales, np.float64), None
    scales = inputs[2] if len(inputs) > 2 and inputs[2] is not None and inputs[2].size else None
    sizes = inputs[3] if len(inputs) > 3 and inputs[3] is not None and inputs[3].size else None
    axes = node.get("axes", list(range(x.ndim)))
    full_scales, full_sizes = np.ones(x.ndim), None
    if scales is not None:
        full_scales[[a % x.ndim for a in axes]] = scales.data
    if sizes is not None:
        idx = [a % x.ndim for a in axes]
        full_sizes = np.asarray(x.shape, np.int64)
        policy = node.get("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":  # one scale for every resized axis, the smallest or largest ratio
            ratios = np.asarray(sizes.data, np.float64) / np.asarray(x.shape, np.float64)[idx]
            scale = ratios.min() if policy == "not_larger" else ratios.max()
            full_scales[idx] = scale
            full_sizes[idx] = np.floor(scale * np.asarray(x.shape, np.float64)[idx] + 0.5).astype(np.int64)
            return full_scales, full_sizes
        full_sizes[idx] = sizes.data
    return full_scales, full_sizes


def _resize(node, inputs):
    x = inputs[0]
    if node.get("antialias", 0):
        raise node.unsupported("Resize with antialias")
    if node.get("coordinate_transformation_mode") == "tf_crop_and_resize":
        raise node.unsupported("Resize with tf_crop_and_resize")
    mode = node.get("mode", "nearest")
    if node.opset < 11:  # Upsample-style semantics
        node.attrs.setdefault("coordinate_transformation_mode", "asymmetric")
        node.attrs.setdefault("nearest_mode", "floor")
        mode = {"bilinear": "linear"}.get(mode, mode)
    scales, sizes = _resize_args(node, inputs)
    for axis in range(x.ndim):
        n = x.shape[axis]
        out_n = int(sizes[axis]) if sizes is not None else int(np.floor(n * scales[axis]))
        keep = sizes is not None and node.get("keep_aspect_ratio_policy", "stretch") != "stretch"
        scale = out_n / n if sizes is not None and not keep else float(scales[axis])
        if out_n != n or scale != 1.0:
            x = _resize_axis(node, x, axis, mode, out_n, scale)
    return x


KERNELS = {
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "InstanceNormalization": _instance_norm,
    "GroupNormalization": _group_norm,
    "Resize": _resize,
    "Upsample": _resize,
}
