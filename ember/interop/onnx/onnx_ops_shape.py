"""ONNX shape, indexing, creation and cast operators as ember ops.

Data movement (``Reshape``, ``Transpose``, ``Slice``, ``Gather``, ``Concat``, ``Pad``, ...) goes through
``ember.ops`` so gradients flow through it; the shape arguments themselves (``Shape``, ``Range``,
``ConstantOfShape``, ``NonZero``, integer ``Cast``) are computed on arrays. Attribute-vs-input changes
across opsets (``axes`` of ``Squeeze``/``Unsqueeze`` at 13, ``Slice`` at 10, ``Pad`` at 11, ``split`` at
13) follow the ONNX operator specification.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.reader import MAX_TENSOR_BYTES
from ember.interop.onnx.runtime import constant


def _ints(t) -> list[int]:
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def _np_dtype(onnx_type: int):
    from onnx import helper

    return np.dtype(helper.tensor_dtype_to_np_dtype(onnx_type))


def check_size(node, shape, dtype) -> tuple:
    """``shape`` as ints, refused (ValueError naming the node) if negative or beyond the size limit."""
    shape = tuple(int(n) for n in shape)
    size = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize if shape else np.dtype(dtype).itemsize
    if any(n < 0 for n in shape) or size > MAX_TENSOR_BYTES:
        raise ValueError(
            f"ONNX import: {node.describe()} would create a tensor of shape {shape} ({size} bytes); "
            f"the limit is {MAX_TENSOR_BYTES} bytes"
        )
    return shape


def _reshape(node, inputs):
    x, shape = inputs[0], _ints(inputs[1]) if node.opset >= 5 else list(node.get("shape"))
    if not node.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return ops.reshape(x, tuple(shape))


def _flatten(node, inputs):
    x = inputs[0]
    axis = int(node.get("axis", 1))
    axis = axis + x.ndim if axis < 0 else axis
    return ops.reshape(x, (int(np.prod(x.shape[:axis], dtype=np.int64)), -1))


def _transpose(node, inputs):
    perm = node.get("perm")
    return ops.transpose(inputs[0], None if perm is None else tuple(perm))


def _axes_arg(node, inputs, input_from: int = 13):
    if node.opset >= input_from:
        return _ints(inputs[1]) if len(inputs) > 1 and inputs[1] is not None else None
    return node.get("axes")


def _squeeze(node, inputs):
    x, axes = inputs[0], _axes_arg(node, inputs)
    axes = tuple(i for i, n in enumerate(x.shape) if n == 1) if axes is None else tuple(a % x.ndim for a in axes)
    return ops.reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def _unsqueeze(node, inputs):
    x, axes = inputs[0], _axes_arg(node, inputs)
    rank = x.ndim + len(axes)
    axes = sorted(a % rank for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return ops.reshape(x, tuple(shape))


def _concat(node, inputs):
    parts = [t for t in inputs if t is not None]
    if all(t.data.dtype.kind == "f" for t in parts):
        return ops.concatenate(parts, axis=int(node.get("axis")))
    return constant(np.concatenate([t.data for t in parts], axis=int(node.get("axis"))))


def _split(node, inputs):
    x, axis = inputs[0], int(node.get("axis", 0)) % inputs[0].ndim
    if node.opset >= 13:
        sizes = _ints(inputs[1]) if len(inputs) > 1 and inputs[1] is not None else None
    else:
        sizes = node.get("split")
    if sizes is None:
        n = node.get("num_outputs", len(node.outputs))
        step = -(-x.shape[axis] // n)
        sizes = [min(step, x.shape[axis] - i * step) for i in range(n)]
    bounds = np.cumsum([0, *sizes])
    return [
        ops.getitem(x, (slice(None),) * axis + (slice(int(a), int(b)),))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def _slice(node, inputs):
    x = inputs[0]
    if node.opset < 10:
        starts, ends, axes, steps = node.get("starts"), node.get("ends"), node.get("axes"), None
    else:
        starts, ends = _ints(inputs[1]), _ints(inputs[2])
        axes = _ints(inputs[3]) if len(inputs) > 3 and inputs[3] is not None else None
        steps = _ints(inputs[4]) if len(inputs) > 4 and inputs[4] is not None else None
    axes = list(range(len(starts))) if axes is None else [a % x.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for a, s, e, st in zip(axes, starts, ends, steps, strict=True):
        n = x.shape[a]
        s, e = max(min(s, 2 * n + 1), -2 * n - 1), max(min(e, 2 * n + 1), -2 * n - 1)  # tame INT64 extremes
        index[a] = slice(s, e, st)
    return ops.getitem(x, tuple(index))


def _gather(node, inputs):
    x, idx = inputs
    axis = int(node.get("axis", 0)) % x.ndim
    i = np.asarray(idx.data).astype(np.int64)
    i = np.where(i < 0, i + x.shape[axis], i)
    return ops.take(x, i, axis=axis)


def _gather_elements(node, inputs):
    x, idx = inputs
    axis = int(node.get("axis", 0)) % x.ndim
    i = np.asarray(idx.data).astype(np.int64)
    return ops.take_along_axis(x, np.where(i < 0, i + x.shape[axis], i), axis=axis)


def _expand(node, inputs):
    x = inputs[0]
    target = _ints(inputs[1])
    rank = max(x.ndim, len(target))
    a, b = (1,) * (rank - x.ndim) + tuple(x.shape), (1,) * (rank - len(target)) + tuple(target)
    shape = [max(m, n) if 1 in (m, n) else m for m, n in zip(a, b, strict=True)]  # NumPy's rule, in Python ints
    return ops.broadcast_to(x, check_size(node, shape, x.data.dtype))


def _tile(node, inputs):
    x, reps = inputs[0], _ints(inputs[1])
    check_size(node, [n * r for n, r in zip(x.shape, reps, strict=False)], x.data.dtype)
    return ops.tile(x, tuple(reps))


_STANDARD = (np.float16, np.float32, np.float64)


def _narrow_cast(node, a, to):
    """Casts involving bfloat16, float8, float4, int4/int2 (ml_dtypes arrays, as onnx.numpy_helper gives):
    computed through float32; ``saturate`` (default 1) clamps to a float8/float4 target's finite range, as
    ONNX says; 4- and 2-bit integers convert as ml_dtypes does (the ONNX test cases' definition)."""
    import ml_dtypes

    if to.name.startswith("float8_e8m0") or a.dtype.name.startswith("float8_e8m0"):
        raise node.unsupported(f"Cast from {a.dtype} to {to}")
    x = a.astype(np.float32) if a.dtype.kind not in "biu" or a.dtype.name in ("int4", "uint4", "int2", "uint2") else a
    if to.kind == "f" and to.type in _STANDARD or to.kind in "biu":
        return x.astype(to)
    if node.get("saturate", 1) and to.name.startswith(("float8", "float4")):
        info = ml_dtypes.finfo(to)
        x = np.clip(x, float(info.min), float(info.max))
    return x.astype(to)


def _standard(dtype) -> bool:
    return dtype.kind in "biu" and dtype.name not in ("int4", "uint4", "int2", "uint2") or dtype.type in _STANDARD


def _cast(node, inputs):
    x, to = inputs[0], _np_dtype(node.get("to"))
    return _cast_to(node, x, to)


def _cast_to(node, x, to):
    if x.data.dtype.kind in "OSU" or to.kind in "OSU":
        raise node.unsupported(f"Cast from {x.data.dtype} to {to}")
    if not (_standard(x.data.dtype) and _standard(to)):
        return constant(_narrow_cast(node, x.data, to))
    if x.data.dtype.kind == "f" and to.kind == "f":
        return ops.cast(x, to)
    return constant(x.data.astype(to))


def _cast_like(node, inputs):
    return _cast_to(node, inputs[0], inputs[1].data.dtype)


def _shape(node, inputs):
    shape = inputs[0].shape
    return constant(np.asarray(shape[node.get("start", 0) : node.get("end", len(shape))], dtype=np.int64))


def _constant(node, inputs):
    for key, make in (
        ("value", np.asarray),
        ("value_float", lambda v: np.asarray(v, np.float32)),
        ("value_floats", lambda v: np.asarray(v, np.float32)),
        ("value_int", lambda v: np.asarray(v, np.int64)),
        ("value_ints", lambda v: np.asarray(v, np.int64)),
    ):
        if key in node.attrs:
            return constant(make(node.attrs[key]))
    raise node.unsupported(f"Constant with attributes {sorted(node.attrs)}")


def _constant_of_shape(node, inputs):
    value = node.get("value", np.zeros(1, np.float32))
    shape = check_size(node, _ints(inputs[0]), value.dtype)
    return constant(np.full(shape, value.reshape(-1)[0], dtype=value.dtype))


def _range(node, inputs):
    start, limit, delta = (t.data for t in inputs)
    check_size(node, [max(int(np.ceil((float(limit) - float(start)) / float(delta))), 0)], start.dtype)
    return constant(np.arange(start, limit, delta).astype(start.dtype))


def _where(node, inputs):
    cond, a, b = inputs
    if a.data.dtype.kind == "f":
        return ops.where(cond.data.astype(bool), a, b)
    return constant(np.where(cond.data, a.data, b.data))


def _pad_widths(node, inputs, x):
    if node.opset < 11:
        pads, value = node.get("pads"), node.get("value", 0.0)
        axes = list(range(x.ndim))
    else:
        pads = _ints(inputs[1])
        value = inputs[2].data.reshape(-1)[0] if len(inputs) > 2 and inputs[2] is not None else 0
        axes = _ints(inputs[3]) if len(inputs) > 3 and inputs[3] is not None else list(range(x.ndim))
    widths = [[0, 0] for _ in range(x.ndim)]
    for k, a in enumerate(axes):
        widths[a % x.ndim] = [pads[k], pads[k + len(axes)]]
    return widths, value


def _pad(node, inputs):
    """``Pad``: constant through ``ops.pad``; reflect/edge/wrap as a gather of padded indices per axis."""
    x = inputs[0]
    widths, value = _pad_widths(node, inputs, x)
    crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(widths))
    x = ops.getitem(x, crop)  # negative pads crop
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    mode = node.get("mode", "constant")
    if mode == "constant":
        return ops.pad(x, widths, constant_values=value)
    np_mode = {"reflect": "reflect", "edge": "edge", "wrap": "wrap"}.get(mode)
    if np_mode is None:
        raise node.unsupported(f"Pad mode {mode!r}")
    for axis, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = ops.take(x, np.pad(np.arange(x.shape[axis]), (lo, hi), mode=np_mode), axis=axis)
    return x


def _dropout(node, inputs):
    x = inputs[0]
    training = len(inputs) > 2 and inputs[2] is not None and bool(inputs[2].data)
    ratio = float(inputs[1].data) if len(inputs) > 1 and inputs[1] is not None else node.get("ratio", 0.5)
    if training and ratio > 0:
        raise node.unsupported("Dropout with training_mode=True")
    return [x, constant(np.ones(x.shape, dtype=bool))]


def _depth_to_space(node, inputs):
    x, b = inputs[0], int(node.get("blocksize"))
    n, c, h, w = x.shape
    if node.get("mode", "DCR") == "DCR":
        y = ops.transpose(ops.reshape(x, (n, b, b, c // (b * b), h, w)), (0, 3, 4, 1, 5, 2))
    else:
        y = ops.transpose(ops.reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return ops.reshape(y, (n, c // (b * b), h * b, w * b))


def _space_to_depth(node, inputs):
    x, b = inputs[0], int(node.get("blocksize"))
    n, c, h, w = x.shape
    perm = (0, 3, 5, 1, 2, 4) if node.get("mode", "DCR") == "DCR" else (0, 1, 3, 5, 2, 4)
    y = ops.transpose(ops.reshape(x, (n, c, h // b, b, w // b, b)), perm)
    return ops.reshape(y, (n, c * b * b, h // b, w // b))


KERNELS = {
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": _transpose,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Concat": _concat,
    "Split": _split,
    "Slice": _slice,
    "Gather": _gather,
    "GatherElements": _gather_elements,
    "Expand": _expand,
    "Tile": _tile,
    "Pad": _pad,
    "Identity": lambda node, inputs: inputs[0],
    "Dropout": _dropout,
    "Cast": _cast,
    "CastLike": _cast_like,
    "Shape": _shape,
    "Size": lambda node, inputs: constant(np.asarray(inputs[0].size, dtype=np.int64)),
    "Constant": _constant,
    "ConstantOfShape": _constant_of_shape,
    "Range": _range,
    "Where": _where,
    "NonZero": lambda node, inputs: constant(np.asarray(np.nonzero(inputs[0].data), dtype=np.int64)),
    "DepthToSpace": _depth_to_space,
    "SpaceToDepth": _space_to_depth,
}
