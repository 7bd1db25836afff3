"""Constant folding: ops whose inputs are all constants run once, at trace time.

Constants are the graph's literal arrays plus tensors born during tracing (``as_tensor(0.5)``,
``zeros`` initial states) that are not Variables, do not require grad and are never updated
in place. An op node is folded when every input is constant and no backward node uses it;
its value becomes a new constant and later ops on it fold in turn.
"""

from __future__ import annotations

from ember.autograd import Variable
from ember.graph.tracer import raw


def fold_constants(graph, born_ids=frozenset()):
    """Fold constant subgraphs of ``graph`` in place; returns ``(graph, number folded)``."""
    targets = {n.attrs["target"] for n in graph.nodes if n.kind == "effect"}
    for slot, t in list(graph.captured.items()):
        if id(t) in born_ids and not isinstance(t, Variable) and not t.requires_grad and slot not in targets:
            graph.constants[slot] = raw(t)
            del graph.captured[slot]
    backward_ctx = {n.inputs[0] for n in graph.nodes if n.kind == "grad"}
    kept, folded = [], 0
    for node in graph.nodes:
        if (node.kind == "op" and not node.attrs.get("tensor_kwargs") and node.outputs[1] not in backward_ctx
                and node.outputs[0] not in targets and all(s in graph.constants for s in node.inputs)):  # fmt: skip
            ctx = node.op()
            ctx.needs_grad = node.attrs["needs"]
            graph.constants[node.outputs[0]] = ctx.forward(*[graph.constants[s] for s in node.inputs],
                                                           **node.attrs["kwargs"])  # fmt: skip
            folded += 1
            continue
        kept.append(node)
    graph.nodes = kept
    return graph, folded
