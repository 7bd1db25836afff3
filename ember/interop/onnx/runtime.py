"""Running an ONNX graph with ember ops: one node at a time, in the graph's topological order.

Each value of the graph is an :class:`ember.Tensor` (``None`` for an omitted optional input). A node
looks up its kernel in :data:`KERNELS` (``op_type -> function(node, inputs)``) and the kernel returns
its outputs as Tensors, built from ``ember.ops`` so gradients flow to the graph's inputs and weights.
Shape arithmetic (``Shape``, ``Gather`` on ints, ``Cast``, ...) runs on the arrays, where no gradient is
needed. Subgraphs (``If``) see the enclosing graph's values (ONNX's outer scope).

Reference: ONNX IR spec (``docs/IR.md``: graphs, nodes, names, outer scope).
"""

from __future__ import annotations

from collections import ChainMap

import numpy as np

from ember.autograd import Tensor
from ember.interop.onnx.reader import to_array


class Node:
    """One ONNX node as kernels see it: ``op_type``, ``name``, decoded ``attrs`` and the domain's ``opset``.

    Attribute values are Python values: ints, floats, str (decoded), lists, NumPy arrays for
    tensors, ``GraphProto`` for subgraphs.
    """

    __slots__ = ("op_type", "name", "attrs", "opset", "inputs", "outputs", "runner")

    def __init__(self, proto, opset: int, runner):
        from onnx import helper

        self.op_type, self.name, self.opset, self.runner = proto.op_type, proto.name, opset, runner
        self.inputs, self.outputs = list(proto.input), list(proto.output)
        self.attrs = {}
        for a in proto.attribute:
            value = helper.get_attribute_value(a)
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            elif isinstance(value, list) and value and isinstance(value[0], bytes):
                value = [v.decode("utf-8") for v in value]
            elif a.HasField("t"):
                value = to_array(a.t)
            self.attrs[a.name] = value

    def get(self, name: str, default=None):
        """The attribute ``name``, or ``default`` when the node does not set it."""
        return self.attrs.get(name, default)

    def describe(self) -> str:
        """``"op_type 'Conv' (node 'conv1', opset 13)"``, for error messages."""
        return f"op_type {self.op_type!r} (node {self.name!r}, opset {self.opset})"

    def unsupported(self, what: str) -> NotImplementedError:
        """The error for a feature of this node that ember does not implement."""
        return NotImplementedError(f"ONNX import: {self.describe()}: {what} is not supported by ember")


def _kernels():
    from ember.interop.onnx import (
        onnx_ops_attention,
        onnx_ops_extra,
        onnx_ops_loss,
        onnx_ops_math,
        onnx_ops_nn,
        onnx_ops_norm,
        onnx_ops_reduce,
        onnx_ops_rnn,
        onnx_ops_shape,
    )

    table = {}
    modules = (onnx_ops_math, onnx_ops_reduce, onnx_ops_nn, onnx_ops_norm, onnx_ops_shape, onnx_ops_rnn, onnx_ops_extra,
               onnx_ops_loss, onnx_ops_attention)  # fmt: skip
    for module in modules:
        table.update(module.KERNELS)
    from ember.interop.onnx.onnx_ops_control import loop, scan

    table.update({"If": _if, "Loop": loop, "Scan": scan})
    return table


_KERNELS: dict = {}


def kernels() -> dict:
    """``{op_type: kernel}`` for every operator of the default ONNX domain ember implements."""
    if not _KERNELS:
        _KERNELS.update(_kernels())
    return _KERNELS


def supported_ops() -> list[str]:
    """The ONNX operator types ember claims, sorted."""
    return sorted(kernels())


def opset_of(opset_imports) -> int:
    """The default domain's opset version among ``OperatorSetIdProto``s (1 when absent)."""
    for o in opset_imports:
        if o.domain in ("", "ai.onnx"):
            return int(o.version)
    return 1


class GraphRunner:
    """Executes a ``GraphProto`` with ember kernels.

    Args:
        graph: the ONNX ``GraphProto`` (its nodes in topological order, as the spec requires).
        opset: the default-domain opset version.

    Raises:
        NotImplementedError: at construction, for a node whose operator ember lacks, naming the
            operator, the node and the opset (subgraphs included).
    """

    def __init__(self, graph, opset: int):
        self.graph, self.opset, self._env = graph, opset, {}
        table = kernels()
        self.nodes = []
        for proto in graph.node:
            node = Node(proto, opset, self)
            if proto.domain not in ("", "ai.onnx") or proto.op_type not in table:
                domain = f" in domain {proto.domain!r}" if proto.domain not in ("", "ai.onnx") else ""
                raise NotImplementedError(
                    f"ONNX import: unsupported operator {proto.op_type!r}{domain} (node {proto.name!r}, opset "
                    f"{opset}); ember implements: {', '.join(supported_ops())}"
                )
            self.nodes.append((node, table[proto.op_type]))
        self.subgraphs = {}
        for node, _ in self.nodes:
            for key, value in node.attrs.items():
                if type(value).__name__ == "GraphProto":
                    self.subgraphs[(id(node), key)] = GraphRunner(value, opset)

    def run(self, env) -> list:
        """Execute every node; ``env`` maps names to Tensors. Returns the graph's outputs in order."""
        self._env = env
        for node, kernel in self.nodes:
            missing = [name for name in node.inputs if name and name not in env]
            if missing:
                raise ValueError(f"ONNX import: {node.describe()} reads {missing}, which no earlier node produces")
            inputs = [env[name] if name else None for name in node.inputs]
            try:
                outs = kernel(node, inputs)
            except NotImplementedError:
                raise
            except (ValueError, TypeError, IndexError) as e:
                raise type(e)(f"ONNX import: {node.describe()} failed: {e}") from e
            outs = outs if isinstance(outs, (list, tuple)) else [outs]
            for name, value in zip(node.outputs, outs, strict=False):
                if name:
                    env[name] = value
        return [env[o.name] for o in self.graph.output]

    def run_subgraph(self, node: Node, key: str, env, inputs=()) -> list:
        """Run the subgraph attribute ``key`` of ``node`` with ``env`` as its outer scope and
        ``inputs`` bound, in order, to the subgraph's declared inputs (``Loop``/``Scan`` bodies)."""
        runner = self.subgraphs[(id(node), key)]
        names = [i.name for i in runner.graph.input]
        return runner.run(ChainMap(dict(zip(names, inputs, strict=True)), env))


def _if(node: Node, inputs):
    """``If``: run ``then_branch`` when the boolean condition holds, else ``else_branch``."""
    cond = bool(np.asarray(inputs[0].data).reshape(-1)[0])
    return node.runner.run_subgraph(node, "then_branch" if cond else "else_branch", node.runner._env)


def constant(array) -> Tensor:
    """A NumPy array as a Tensor without gradient, keeping its dtype."""
    return Tensor._wrap(np.asarray(array))
