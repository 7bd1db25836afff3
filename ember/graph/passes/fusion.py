"""Elementwise fusion: ``Add`` followed by ``ReLU`` (bias + activation after a conv or matmul) becomes one node.

``relu(x + b)`` recorded as two ops makes the sum, then a second array for the rectified
values, and the backward runs two nodes. :class:`~ember.ops.fused.AddReLU` makes the sum once and
rectifies it in place; its backward masks the gradient once and reduces it to each input's
shape. The rewrite applies when the sum feeds only the ReLU and each backward node is used only
by the other; the forward and backward are bit-identical to the pair's.
"""

from __future__ import annotations

from collections import Counter

from ember.ops.activations import ReLU
from ember.ops.fused import AddReLU
from ember.ops.math import Add


def _uses(graph) -> Counter:
    uses = Counter(s for n in graph.nodes for s in n.inputs)
    uses.update(graph.output_slots)
    uses.update(n.attrs["target"] for n in graph.nodes if n.kind == "effect")
    return uses


def fuse_add_relu(graph):
    """Rewrite ``Add -> ReLU`` pairs of ``graph`` in place; returns ``(graph, number fused)``."""
    uses = _uses(graph)
    producer = {n.outputs[0]: n for n in graph.nodes if n.kind == "op"}
    grad_of = {n.inputs[0]: n for n in graph.nodes if n.kind == "grad"}
    drop, fused = set(), 0
    for relu in graph.nodes:
        if relu.kind != "op" or relu.op is not ReLU:
            continue
        add = producer.get(relu.inputs[0])
        if add is None or add.op is not Add or len(add.inputs) != 2 or uses[add.outputs[0]] != 1:
            continue
        if uses[add.outputs[1]] > 1 or uses[relu.outputs[1]] > 1:
            continue
        g_relu, g_add = grad_of.get(relu.outputs[1]), grad_of.get(add.outputs[1])
        if (g_relu is None) != (g_add is None):
            continue
        if g_relu is not None and (g_add.inputs[1] != g_relu.outputs[0] or uses[g_relu.outputs[0]] != 1):
            continue
        add.op, add.outputs = AddReLU, [relu.outputs[0], relu.outputs[1]]  # the sum's slots are gone
        drop.add(id(relu))
        if g_relu is not None:
            g_add.inputs = [relu.outputs[1], g_relu.inputs[1]]
            drop.add(id(g_relu))
        fused += 1
    graph.nodes = [n for n in graph.nodes if id(n) not in drop]
    return graph, fused
