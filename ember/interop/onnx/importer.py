"""``load_model``: an ONNX file as an ember :class:`~ember.models.Model` that predicts, trains and inspects.

The ONNX graph stays a graph: :class:`OnnxGraphLayer` holds the initializers as ember weights (float
ones trainable, integer ones and BatchNormalization statistics not) and its ``call`` walks the nodes in
order, executing each operator with ember ops (:mod:`ember.interop.onnx.runtime`). :class:`OnnxModel`
wraps that layer with Keras's ``predict``/``fit``/``evaluate``; the ``ModelProto`` is kept as
``model.graph_proto`` so an exporter can write the same graph back with the current weights
(:meth:`OnnxModel.to_onnx`).

Reference: ONNX IR spec (``docs/IR.md``); ``onnx.backend`` (the reference runner these semantics match).
"""

from __future__ import annotations

import os
import re

import numpy as np

from ember.autograd import Tensor, Variable
from ember.interop.onnx.reader import read_model_proto, to_array
from ember.interop.onnx.runtime import GraphRunner, constant, opset_of
from ember.layers.layer import Layer
from ember.models.model import Model

_STAT_INPUTS = {"BatchNormalization": (3, 4)}  # running mean and variance: statistics, not trained


def _frozen_names(graph) -> set:
    names = set()
    for node in graph.node:
        for k in _STAT_INPUTS.get(node.op_type, ()):
            if k < len(node.input):
                names.add(node.input[k])
    return names


class OnnxGraphLayer(Layer):
    """An ONNX graph executed with ember ops; its initializers are this layer's weights.

    Args:
        graph: the ``onnx.GraphProto``.
        opset: the default domain's opset version.
        name: layer name. Defaults to the graph's name (made a valid identifier).

    Call arguments:
        inputs: one Tensor/array, a list in graph input order, or a dict by input name.

    Returns:
        One Tensor for a single-output graph, else a list in graph output order.

    Raises:
        NotImplementedError: at construction, naming the operator, node and opset ember lacks.
        ValueError: for a wrong number of inputs or unknown input names.
    """

    def __init__(self, graph, opset: int, name: str | None = None, **kwargs):
        super().__init__(name=name or _identifier(graph.name or "onnx_graph"), **kwargs)
        self.graph, self.opset = graph, opset
        self.runner = GraphRunner(graph, opset)
        init_names = {t.name for t in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in init_names]
        self.output_names = [o.name for o in graph.output]
        frozen = _frozen_names(graph)
        self.params = {}
        for t in graph.initializer:
            value = to_array(t)
            trainable = value.dtype.kind == "f" and t.name not in frozen
            var = Variable(value, name=t.name, trainable=trainable)
            var.path = f"{self.name}/{t.name}"
            self._weights.append(var)
            self.params[t.name] = var
        self.built = True

    def _env(self, inputs) -> dict:
        if isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(self.input_names))
            if unknown:
                raise ValueError(
                    f"OnnxGraphLayer '{self.name}': unknown inputs {unknown}. Expected: {self.input_names}"
                )
            values = dict(inputs)
        else:
            items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            if len(items) != len(self.input_names):
                raise ValueError(
                    f"OnnxGraphLayer '{self.name}' expects {len(self.input_names)} inputs {self.input_names}. "
                    f"Received: {len(items)} inputs"
                )
            values = dict(zip(self.input_names, items, strict=True))
        env = dict(self.params)
        for name, value in values.items():
            env[name] = value if isinstance(value, Tensor) else constant(np.asarray(value))
        return env

    def call(self, inputs, training=None):
        # ONNX follows IEEE arithmetic: sqrt(-1) is NaN, 1/0 is inf, as in onnxruntime, without a warning.
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            outputs = self.runner.run(self._env(inputs))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def __call__(self, inputs, *args, **kwargs):
        # NOTE: the base class would turn a dict or a list of mixed arrays into tensors its own way;
        # ONNX inputs keep their dtypes (int64 shapes, bool flags), so the graph layer takes them as given.
        return self.call(inputs, training=kwargs.get("training"))


def _declared_shape(value_info):
    """A graph output's declared shape, ``None`` for symbolic or unknown dimensions."""
    dims = value_info.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims)


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name) or "onnx_graph"


class OnnxModel(Model):
    """An imported ONNX model: a :class:`~ember.models.Model` around one :class:`OnnxGraphLayer`.

    ``predict(x)`` takes batched NumPy (a list in graph input order, or a dict by name, for several
    inputs) and returns NumPy (a list in graph output order for several outputs), as Keras does.
    :meth:`run` is the onnxruntime-style call for graphs whose inputs are not batched alike.

    Attributes:
        graph_proto: the ``onnx.ModelProto`` the model was built from (initializers as loaded).
        input_names, output_names: the graph's input (initializers excluded) and output names.
        metadata: ``metadata_props`` as a dict (e.g. the PaddleOCR recogniser's ``character`` list).
    """

    def __init__(self, model_proto, name: str | None = None):
        super().__init__(name=name or _identifier(model_proto.graph.name or "onnx_model"))
        self.graph_proto = model_proto
        self.opset = opset_of(model_proto.opset_import)
        self.graph_layer = OnnxGraphLayer(model_proto.graph, self.opset, name=f"{self.name}_graph")
        self.input_names, self.output_names = self.graph_layer.input_names, self.graph_layer.output_names
        self.metadata = {p.key: p.value for p in model_proto.metadata_props}
        shapes = [_declared_shape(o) for o in model_proto.graph.output]
        self.graph_layer._built_output_shape = shapes[0] if len(shapes) == 1 else shapes  # for summary()
        self.built = True

    def call(self, inputs, training=None):
        return self.graph_layer(inputs, training=training)

    def __call__(self, inputs, *args, **kwargs):
        return self.call(inputs, training=kwargs.get("training"))

    def _flatten_inputs(self, x: dict) -> list:
        missing = [n for n in self.input_names if n not in x]
        if missing:
            raise ValueError(f"OnnxModel '{self.name}': missing inputs {missing}. Received: {sorted(x)}")
        return [x[n] for n in self.input_names]

    def run(self, inputs) -> list[np.ndarray]:
        """Outputs as NumPy arrays in graph output order (``onnxruntime.InferenceSession.run``'s shape).

        Args:
            inputs: dict ``{input name: array}``, or a list in graph input order.
        """
        from ember.autograd import no_grad

        with no_grad():
            outs = self.graph_layer(inputs)
        return [np.asarray(o.numpy()) for o in (outs if isinstance(outs, list) else [outs])]

    def to_onnx(self):
        """A copy of :attr:`graph_proto` whose initializers hold the current (e.g. fine-tuned) weights."""
        from onnx import numpy_helper

        proto = type(self.graph_proto)()
        proto.CopyFrom(self.graph_proto)
        for t in proto.graph.initializer:
            t.CopyFrom(numpy_helper.from_array(self.graph_layer.params[t.name].numpy(), t.name))
        return proto

    def export(self, filepath, format: str = "onnx", **kwargs) -> None:  # noqa: A002 - Keras's argument name
        """Write the imported graph, with the current weights, to ``filepath`` (Keras 3's ``Model.export``).

        Only ``format="onnx"`` is possible for an imported model: its computation is the ONNX graph
        itself. Other keyword arguments (``opset``, ``dynamic_batch``, ...) are ignored; the graph keeps
        its opset and input shapes. The file is written atomically.

        Raises:
            ValueError: for another ``format``.
        """
        from ember.saving.atomic import atomic_write_bytes

        if format != "onnx":
            raise ValueError(f"OnnxModel '{self.name}'.export: only format='onnx' is supported. Received: {format!r}")
        atomic_write_bytes(os.fspath(filepath), self.to_onnx().SerializeToString())


def load_model(source, check: bool = True) -> OnnxModel:
    """Load an ONNX model as an ember :class:`OnnxModel` (a :class:`~ember.models.Model`).

    Reads with ``onnx.load(load_external_data=False)``, resolves external data only inside the model's
    folder, refuses absurd tensor sizes before allocating, runs ``onnx.checker`` and shape inference,
    then builds the graph layer (every operator must be implemented: see ``supported_ops()``).

    Args:
        source: path to a ``.onnx`` file, or an ``onnx.ModelProto``.
        check: run the ONNX checker and shape inference. Defaults to ``True``.

    Returns:
        The model; ``model.predict(x)`` runs it, ``model.weights`` are the initializers.

    Raises:
        FileNotFoundError: for a missing file.
        ValueError: naming the file for a corrupt/truncated file, absurd tensor sizes or a rejected model.
        UnsafeFileError: for external data outside the model's folder.
        NotImplementedError: naming op_type, node name and opset for an operator ember lacks.

    Example:
        >>> import onnx, numpy as np
        >>> from onnx import helper, TensorProto
        >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
        ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])])
        >>> m = load_model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
        >>> m.predict(np.array([[-1.0, 2.0]], np.float32), verbose=0).tolist()
        [[0.0, 2.0]]
    """
    proto, _ = read_model_proto(source, check=check)
    if check:
        _infer_shapes(proto, source)
    try:
        hoist_constant_weights(proto.graph)
        return OnnxModel(proto)
    except (TypeError, UnicodeDecodeError, KeyError, IndexError, AttributeError) as exc:
        # a damaged file can parse as protobuf yet hold non-text names or dangling references (bit-flip sweep)
        where = source if isinstance(source, (str, os.PathLike)) else "the ModelProto"
        raise ValueError(f"load_model: {where} holds a malformed ONNX graph: {type(exc).__name__}: {exc}") from exc


def hoist_constant_weights(graph) -> int:
    """Turn top-level ``Constant`` nodes holding float tensors of more than one element into initializers.

    Some exporters (paddle2onnx, for the PaddleOCR models) store every weight as a ``Constant`` node;
    as initializers they become trainable weights. Scalars stay constants (they are usually formula
    constants such as the ``6`` of hard-swish). The graph computes the same values. Returns the count.
    """
    from onnx import TensorProto

    kept, moved = [], 0
    for node in graph.node:
        attr = node.attribute[0] if node.op_type == "Constant" and len(node.attribute) == 1 else None
        t = attr.t if attr is not None and attr.name == "value" else None
        floats = (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16)
        if t is not None and t.data_type in floats and int(np.prod(t.dims, dtype=np.int64)) > 1 and node.output[0]:
            init = graph.initializer.add()
            init.CopyFrom(t)
            init.name = node.output[0]
            moved += 1
        else:
            kept.append(node)
    if moved:
        del graph.node[:]
        graph.node.extend(kept)
    return moved


def _infer_shapes(proto, source) -> None:
    from onnx import shape_inference

    try:
        shape_inference.infer_shapes(proto, check_type=True, strict_mode=False)
    except Exception as e:
        label = source if isinstance(source, str) else "<in-memory ModelProto>"
        raise ValueError(f"load_model: ONNX shape inference rejects {label}: {e}") from e
