"""Bias-activation fusion: ``MatMul -> Add(bias) [-> ReLU|Sigmoid|Tanh]`` (or from a ``Conv``) becomes one node.

What ``ops.matmul(x, w) + b`` followed by an activation records (a custom layer, a subclassed
model): three nodes, two extra output-sized arrays, three backward nodes. The rewrite makes one
:class:`~ember.ops.fused_exact.MatMulBiasAct` (from ``Conv``: :class:`~ember.ops.fused_exact.ConvAddAct`)
node that adds the bias and applies the activation in place on the product, and one backward node;
values and gradients are bit-identical to the unfused nodes'. ``Dense`` and ``Conv*`` layers already
record their fused op and are not touched.

A rewrite applies when: the product and the sum each feed only the next node (not an output, not
an in-place target); the sum keeps the product's shape and dtype (the bias broadcasts into it: any
bias shape that does, e.g. ``(units,)``); each node's ctx is used only by its own backward node;
either every node of the group has a backward node or none has, and each backward node's gradient
feeds only the next one's; no in-place effect lies between the group's nodes. The fused forward
runs where the group's last node ran; its backward where the group's first backward node ran.
"""

from __future__ import annotations

from ember.graph.passes.fusion import _uses
from ember.ops.activations import ReLU, Sigmoid, Tanh
from ember.ops.conv import Conv
from ember.ops.fused_exact import ConvAddAct, MatMulBiasAct
from ember.ops.linalg import MatMul
from ember.ops.math import Add

_ACTS = {ReLU: "relu", Sigmoid: "sigmoid", Tanh: "tanh"}
_FUSED = {MatMul: MatMulBiasAct, Conv: ConvAddAct}


def _meta(node):
    return node.attrs.get("meta")


def _bias_ok(prod, add, pos) -> bool:
    """The sum has the product's shape and dtype and the bias its dtype (``y += bias`` equals ``y + bias``)."""
    if _meta(prod) is None or _meta(add) is None or add.attrs.get("tensor_kwargs") or prod.attrs.get("tensor_kwargs"):
        return False
    (in_meta, out_meta), prod_out = _meta(add), _meta(prod)[1]
    return out_meta == prod_out and in_meta[1 - pos][1] == prod_out[1] and len(add.inputs) == 2


def _no_effect_between(index, first, last) -> bool:
    return all(index["effect"][i] is False for i in range(index["pos"][id(first)], index["pos"][id(last)] + 1))


def _group(graph, add, ctx):
    """``(prod, pos, act)`` for a fusable group ending in ``add`` (``act`` may be None), else None."""
    uses, producer, consumer = ctx["uses"], ctx["producer"], ctx["consumer"]
    for pos in (0, 1):
        prod = producer.get(add.inputs[pos])
        if prod is not None and prod.op in _FUSED and id(prod) not in ctx["done"] and _bias_ok(prod, add, pos):
            break
    else:
        return None
    if uses[prod.outputs[0]] != 1 or uses[prod.outputs[1]] > 1 or uses[add.outputs[1]] > 1:
        return None
    act = consumer.get(add.outputs[0]) if uses[add.outputs[0]] == 1 else None
    if act is not None and (act.op not in _ACTS or uses[act.outputs[1]] > 1 or act.attrs.get("tensor_kwargs")):
        act = None
    for candidate in (act, None) if act is not None else (None,):
        nodes = [prod, add] + ([candidate] if candidate is not None else [])
        if _grads_chain(nodes, pos, ctx) is not None and _no_effect_between(ctx["index"], prod, nodes[-1]):
            return prod, pos, candidate
    return None


def _grads_chain(nodes, pos, ctx):
    """The backward nodes of ``nodes`` (``[]`` when none has one) if they chain only into each other, else None."""
    grads = [ctx["grad_of"].get(n.outputs[1]) for n in nodes]
    if all(g is None for g in grads):
        return []
    if any(g is None for g in grads):
        return None
    uses = ctx["uses"]
    for k, p in enumerate((pos, 0)[: len(nodes) - 1]):  # node k+1 reads node k's value at its input p
        later, earlier = grads[k + 1], grads[k]
        s = later.outputs[p] if p < len(later.outputs) else None
        if s is None or earlier.inputs[1] != s or uses[s] != 1:
            return None
    if not _no_effect_between(ctx["index"], grads[-1], grads[0]):
        return None
    return grads


def _index(graph):
    return {"pos": {id(n): i for i, n in enumerate(graph.nodes)},
            "effect": [n.kind in ("effect", "callback") for n in graph.nodes]}


def fuse_bias_activation(graph):
    """Rewrite matmul/conv + bias [+ activation] groups of ``graph`` in place; returns ``(graph, number fused)``."""
    uses = _uses(graph)
    ops = [n for n in graph.nodes if n.kind == "op"]
    ctx = {"uses": uses, "producer": {n.outputs[0]: n for n in ops}, "done": set(), "index": _index(graph),
           "consumer": {s: n for n in ops for s in n.inputs if uses[s] == 1},
           "grad_of": {n.inputs[0]: n for n in graph.nodes if n.kind == "grad"}}  # fmt: skip
    replace, drop, fused = {}, set(), 0
    for add in ops:
        if add.op is not Add or id(add) in ctx["done"]:
            continue
        found = _group(graph, add, ctx)
        if found is None:
            continue
        prod, pos, act = found
        nodes = [prod, add] + ([act] if act is not None else [])
        grads = _grads_chain(nodes, pos, ctx)
        last = nodes[-1]
        attrs = {"kwargs": {**prod.attrs["kwargs"], "activation": _ACTS.get(act.op if act else None, "linear")},
                 "needs": (*prod.attrs["needs"], add.attrs["needs"][1 - pos]), "tensor_kwargs": (),
                 "meta": (_meta(prod)[0] + (_meta(add)[0][1 - pos],), _meta(last)[1])}  # fmt: skip
        node = type(prod)("op", _FUSED[prod.op], [*prod.inputs, add.inputs[1 - pos]], list(last.outputs), attrs)
        replace[id(last)] = node
        drop.update(id(n) for n in nodes if n is not last)
        if grads:
            g_prod, g_add, g_first = grads[0], grads[1], grads[-1]
            outs = [*g_prod.outputs, g_add.outputs[1 - pos]]
            replace[id(g_first)] = type(g_first)("grad", None, [last.outputs[1], g_first.inputs[1]], outs)
            drop.update(id(g) for g in grads if g is not g_first)
        ctx["done"].update(id(n) for n in nodes)
        fused += 1
    graph.nodes = [replace.get(id(n), n) for n in graph.nodes if id(n) not in drop]
    return graph, fused
