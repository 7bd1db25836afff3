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


def _antialias_coeffs(mode, ratio, scale, a):
    """Filter weights stretched by ``1 / scale`` when downsampling (the ONNX reference's antialias kernels)."""
    scale = min(scale, 1.0)
    if mode == "linear":
        start = int(np.floor(-1 / scale) + 1)
        coeffs = np.clip(1 - np.abs((np.arange(start, 2 - start) - ratio) * scale), 0, 1)
    else:
        start = int(np.floor(-2 / scale) + 1)
        t = np.abs(scale * (np.arange(start, 2 - start) - ratio))
        near, far = ((a + 2) * t - (a + 3)) * t * t + 1, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
        coeffs = np.where(t <= 1, near, np.where(t < 2, far, 0.0))
    return coeffs / coeffs.sum()


def _antialias_taps(node, mode, coords, scale):
    """Indices and weights of the antialiased kernel: the ``n`` inputs nearest each coordinate."""
    base = np.floor(coords)
    ratios = np.where(coords == base, 1.0, coords - base)  # an exact integer takes the pixel on its left
    w = np.stack([_antialias_coeffs(mode, r, scale, node.get("cubic_coeff_a", -0.75)) for r in ratios])
    n = w.shape[1]
    pad = -(-n // 2)
    p = np.floor(coords + pad)
    frac = coords + pad - p
    if n % 2 == 0:
        offset = np.where(frac == 0, -(n // 2), -(n // 2) + 1)
    else:
        offset = np.where(frac <= 0.5, -((n - 1) // 2), -((n - 1) // 2) + 1)
    return (p + offset)[:, None] + np.arange(n) - pad, w


def _crop_coords(out_n, in_n, roi):
    """``tf_crop_and_resize``: output positions spread over ``[start, end]`` (fractions of the input)."""
    start, end = roi
    if out_n == 1:
        return np.full(1, 0.5 * (start + end) * (in_n - 1))
    return start * (in_n - 1) + np.arange(out_n) * (end - start) * (in_n - 1) / (out_n - 1)


def taps(node, mode, out_n, in_n, scale, roi=(0.0, 1.0)):
    """``(indices, weights)``, each ``(out_n, taps)``: output ``i`` is ``sum_t w[i, t] * x[idx[i, t]]``."""
    transform = node.get("coordinate_transformation_mode", "half_pixel")
    if transform == "tf_crop_and_resize":
        coords = _crop_coords(out_n, in_n, roi)
    else:
        coords = _original_coords(transform, out_n, in_n, scale)
    if mode == "nearest":
        idx = _nearest(coords, node.get("nearest_mode", "round_prefer_floor"))[:, None]
        return np.clip(idx, 0, in_n - 1).astype(np.int64), np.ones_like(idx)
    base = np.floor(coords)
    ratio = coords - base
    if node.get("antialias", 0):
        idx, w = _antialias_taps(node, mode, coords, scale)
    elif mode == "linear":
        idx, w = base[:, None] + np.array([0, 1]), np.stack([1 - ratio, ratio], axis=1)
    else:
        idx, w = base[:, None] + np.array([-1, 0, 1, 2]), _cubic(ratio, node.get("cubic_coeff_a", -0.75))
    if node.get("exclude_outside", 0):
        w = np.where((idx < 0) | (idx >= in_n), 0.0, w)
        w = w / w.sum(axis=1, keepdims=True)
    return np.clip(idx, 0, in_n - 1).astype(np.int64), w


def _resize_axis(node, x, axis, mode, out_n, scale, roi):
    in_n = x.shape[axis]
    idx, w = taps(node, mode, out_n, in_n, scale, roi)
    shape = [1] * x.ndim
    shape[axis] = out_n
    out = None
    for t in range(idx.shape[1]):
        term = ops.take(x, idx[:, t], axis=axis)
        if mode != "nearest":
            term = ops.multiply(term, constant(w[:, t].reshape(shape).astype(x.data.dtype)))
        out = term if out is None else ops.add(out, term)
    if node.get("coordinate_transformation_mode") == "tf_crop_and_resize":  # outside the input: a fixed value
        coords = _crop_coords(out_n, in_n, roi)
        outside = np.broadcast_to(((coords < 0) | (coords > in_n - 1)).reshape(shape), out.shape)
        out = ops.where(outside, constant(np.asarray(node.get("extrapolation_value", 0.0), x.data.dtype)), out)
    return out


def _rois(node, inputs, ndim):
    """``(start, end)`` per axis from the ``roi`` input (``tf_crop_and_resize``), else ``(0, 1)``."""
    rois = [(0.0, 1.0)] * ndim
    roi = inputs[1] if len(inputs) > 1 and inputs[1] is not None and inputs[1].size else None
    if node.get("coordinate_transformation_mode") != "tf_crop_and_resize" or roi is None:
        return rois
    values = np.asarray(roi.data, np.float64).reshape(-1)
    axes = [a % ndim for a in node.get("axes", list(range(ndim)))]
    for k, a in enumerate(axes):
        rois[a] = (values[k], values[k + len(axes)])
    return rois


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
    mode = node.get("mode", "nearest")
    if node.opset < 11:  # Upsample-style semantics
        node.attrs.setdefault("coordinate_transformation_mode", "asymmetric")
        node.attrs.setdefault("nearest_mode", "floor")
        mode = {"bilinear": "linear"}.get(mode, mode)
    scales, sizes = _resize_args(node, inputs)
    rois = _rois(node, inputs, x.ndim)
    for axis in range(x.ndim):
        n = x.shape[axis]
        out_n = int(sizes[axis]) if sizes is not None else int(np.floor(n * scales[axis]))
        keep = sizes is not None and node.get("keep_aspect_ratio_policy", "stretch") != "stretch"
        scale = out_n / n if sizes is not None and not keep else float(scales[axis])
        if out_n != n or scale != 1.0 or rois[axis] != (0.0, 1.0):
            x = _resize_axis(node, x, axis, mode, out_n, scale, rois[axis])
    return x


KERNELS = {
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "InstanceNormalization": _instance_norm,
    "GroupNormalization": _group_norm,
    "Resize": _resize,
    "Upsample": _resize,
}
