"""The graph behind a functional model: nodes recorded by :func:`~ember.layers.input_layer.symbolic_call`.

Calling a layer on a :class:`~ember.layers.KerasTensor` records
``history = (layer, inbound, args, kwargs, index)`` on each output. One call is
one *node*; its outputs share the same ``kwargs`` dict, so ``id(kwargs)``
identifies the node. :func:`build_nodes` walks back from the outputs to the
inputs and returns the nodes in an order where every node comes after the
nodes it reads from (a post-order depth-first walk, written with an explicit
stack so deep graphs need no recursion).
"""

from __future__ import annotations

from ember.layers.input_layer import KerasTensor


class Node:
    """One recorded layer call.

    Attributes:
        layer: the layer called.
        inbound: its first argument (a KerasTensor or a list/tuple/dict of them).
        args, kwargs: the other arguments (may hold KerasTensors too).
        outputs: ``[(KerasTensor, index)]`` reached from the model outputs;
            ``index`` is ``None`` for a single-output layer.
    """

    def __init__(self, layer, inbound, args, kwargs):
        self.layer, self.inbound, self.args, self.kwargs = layer, inbound, args, kwargs
        self.outputs: list[tuple[KerasTensor, int | None]] = []

    def parents(self) -> list[KerasTensor]:
        """Every KerasTensor this node reads (inbound, positional and keyword arguments)."""
        return flatten_tensors([self.inbound, list(self.args), list(self.kwargs.values())])


def flatten_tensors(structure) -> list[KerasTensor]:
    """The KerasTensors in a nested list/tuple/dict structure, in order."""
    out, stack = [], [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, KerasTensor):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return out


def map_structure(fn, structure):
    """``structure`` with every KerasTensor ``t`` replaced by ``fn(t)`` (other leaves kept)."""
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return structure


def _node_of(tensor: KerasTensor, nodes: dict, model_name: str, inputs: set, consumer: str) -> Node | None:
    if id(tensor) in inputs:
        return None
    if tensor.history is None:
        raise ValueError(
            f"Functional model '{model_name}': graph disconnected. Cannot obtain a value for tensor {tensor!r} "
            f"needed by {consumer}: it is not one of the model inputs. Pass it in `inputs=`, or build the "
            "outputs from the inputs given"
        )
    layer, inbound, args, kwargs, index = tensor.history
    node = nodes.get(id(kwargs))
    if node is None:
        node = nodes[id(kwargs)] = Node(layer, inbound, args, kwargs)
    if all(t is not tensor for t, _ in node.outputs):
        node.outputs.append((tensor, index))
    return node


def build_nodes(inputs: list[KerasTensor], outputs: list[KerasTensor], model_name: str) -> list[Node]:
    """The nodes between ``inputs`` and ``outputs`` in execution order.

    Raises:
        ValueError: if an output depends on a tensor that is not reachable from
            ``inputs``, naming that tensor and the layer that needs it.
    """
    input_ids = {id(t) for t in inputs}
    nodes: dict[int, Node] = {}
    done: set[int] = set()
    order: list[Node] = []
    stack = []
    for t in reversed(outputs):
        node = _node_of(t, nodes, model_name, input_ids, "the model outputs")
        if node is not None:
            stack.append((node, False))
    while stack:
        node, expanded = stack.pop()
        if id(node.kwargs) in done:
            continue
        if expanded:
            done.add(id(node.kwargs))
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents()):
            consumer = f"layer '{node.layer.name}'"
            pnode = _node_of(parent, nodes, model_name, input_ids, consumer)
            if pnode is not None and id(pnode.kwargs) not in done:
                stack.append((pnode, False))
    return order
