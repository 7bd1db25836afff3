"""The ONNX graph under construction: unique names, initializers and nodes, built with ``onnx.helper``.

Every converter (``export_*.py``) writes through a :class:`GraphBuilder`: ``b.op("Relu", [x])`` adds a node and
returns the name of its output, ``b.const(array)`` adds an initializer. The helpers hide the operator changes
between opsets 13 and 18 (``axes`` moved from an attribute to an input of ``ReduceMean``/``ReduceMax``/... in 18).
Source: the ONNX operator specification, https://onnx.ai/onnx/operators/.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Reductions whose ``axes`` is an attribute before opset 18 and an input from 18 on (ReduceSum: from 13).
_AXES_INPUT_FROM = {"ReduceSum": 13}


class ExportError(ValueError):
    """A model or layer that cannot be written as ONNX; the message names the layer and the reason."""


class GraphBuilder:
    """Collects the nodes and initializers of one ONNX graph.

    Args:
        opset: the default-domain opset the graph targets.
        float_dtype: NumPy dtype of the model's floating-point tensors. Defaults to ``float32``.
    """

    def __init__(self, opset: int, float_dtype=np.float32):
        self.opset = int(opset)
        self.float_dtype = np.dtype(float_dtype)
        self.nodes: list = []
        self.initializers: list = []
        self._used: set[str] = set()
        self._consts: dict = {}

    def name(self, base: str) -> str:
        """A graph-unique tensor name starting with ``base``."""
        base = base.replace("/", "_") or "t"
        name, k = base, 1
        while name in self._used:
            name, k = f"{base}_{k}", k + 1
        self._used.add(name)
        return name

    def reserve(self, name: str) -> str:
        """Claim ``name`` exactly (graph inputs and outputs), raising if it is taken."""
        if name in self._used:
            raise ExportError(f"ONNX export: two graph inputs/outputs are both named {name!r}. Rename a layer.")
        self._used.add(name)
        return name

    def const(self, value, base: str = "const", dtype=None) -> str:
        """An initializer holding ``value`` (array-like; floats become ``float_dtype`` unless ``dtype`` is given)."""
        from onnx import numpy_helper

        array = np.asarray(value)
        if dtype is not None:
            array = array.astype(dtype)
        elif array.dtype.kind == "f":
            array = array.astype(self.float_dtype)
        # Equal constants are stored once (shared layers, repeated scalars and shapes).
        key = (array.dtype.str, array.shape, hashlib.sha256(np.ascontiguousarray(array).tobytes()).digest())
        if key in self._consts:
            return self._consts[key]
        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        self._consts[key] = name
        return name

    def ints(self, values, base: str = "shape") -> str:
        """An int64 initializer (shapes, axes, pads, slice bounds)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), base, np.int64)

    def scalar(self, value, base: str = "scalar") -> str:
        """A float scalar initializer in ``float_dtype``."""
        return self.const(np.asarray(value, dtype=self.float_dtype), base)

    def op(self, op_type: str, inputs, base: str | None = None, outputs: int = 1, **attrs):
        """Add one node; returns its output name (or the list of names when ``outputs > 1``).

        An input given as ``""`` is an omitted optional input, as ONNX spells it.
        """
        from onnx import helper

        names = [self.name(f"{base or op_type.lower()}" + (f"_out{i}" if outputs > 1 else "")) for i in range(outputs)]
        node_name = self.name(f"{base or op_type.lower()}_node")
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=node_name, **attrs))
        return names if outputs > 1 else names[0]

    # ------------------------------------------------------------------ helpers over opset differences
    def reduce(self, op_type: str, x: str, axes, keepdims: bool = True, base: str | None = None) -> str:
        """``ReduceMean``/``ReduceSum``/``ReduceMax``/... over ``axes``, in this opset's spelling."""
        axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
        if self.opset >= _AXES_INPUT_FROM.get(op_type, 18):
            return self.op(op_type, [x, self.ints(axes, "axes")], base, keepdims=int(keepdims))
        return self.op(op_type, [x], base, axes=axes, keepdims=int(keepdims))

    def transpose(self, x: str, perm, base: str | None = None) -> str:
        """``Transpose`` with ``perm`` (identity permutations add no node)."""
        perm = [int(p) for p in perm]
        if perm == list(range(len(perm))):
            return x
        return self.op("Transpose", [x], base, perm=perm)

    def reshape(self, x: str, shape, base: str | None = None) -> str:
        """``Reshape`` to ``shape``; a ``0`` copies the input's size on that axis (the dynamic batch)."""
        return self.op("Reshape", [x, self.ints(shape)], base)

    def unsqueeze(self, x: str, axes, base: str | None = None) -> str:
        return self.op("Unsqueeze", [x, self.ints(list(axes) if isinstance(axes, (list, tuple)) else [axes])], base)

    def squeeze(self, x: str, axes, base: str | None = None) -> str:
        return self.op("Squeeze", [x, self.ints(list(axes) if isinstance(axes, (list, tuple)) else [axes])], base)

    def slice(self, x: str, starts, ends, axes, steps=None, base: str | None = None) -> str:
        inputs = [x, self.ints(starts), self.ints(ends), self.ints(axes)]
        if steps is not None:
            inputs.append(self.ints(steps))
        return self.op("Slice", inputs, base)

    def flip(self, x: str, axis: int, base: str | None = None) -> str:
        """Reverse ``x`` along ``axis`` (a Slice with step -1)."""
        return self.slice(x, [-1], [-(2**62)], [axis], [-1], base)

    def matmul_weight(self, x: str, w, bias=None, base: str | None = None) -> str:
        """``x @ w (+ bias)`` with ``w`` and ``bias`` stored as initializers."""
        y = self.op("MatMul", [x, self.const(w, f"{base or 'dense'}_kernel")], base)
        if bias is not None:
            y = self.op("Add", [y, self.const(bias, f"{base or 'dense'}_bias")], base)
        return y

    def cast_float(self, x: str, base: str | None = None) -> str:
        from onnx import helper

        return self.op("Cast", [x], base, to=helper.np_dtype_to_tensor_dtype(self.float_dtype))

    def cast(self, x: str, np_dtype, base: str | None = None) -> str:
        from onnx import helper

        return self.op("Cast", [x], base, to=helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype)))


def to_numpy(tensor) -> np.ndarray:
    """A weight (ember Tensor/Variable) or array as a NumPy array."""
    if hasattr(tensor, "numpy"):
        return np.asarray(tensor.numpy())
    return np.asarray(tensor)
