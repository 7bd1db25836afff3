"""Elementwise-chain fusion: a chain of single-consumer elementwise ops becomes one node.

``x * sigmoid(x)``, ``0.5 * x * (1 + tanh(c * (x + 0.044715 * x ** 3)))`` and the like record one
node per op, each making a new array, and one backward node per op. A maximal chain
``f_1 -> f_2 -> ... -> f_n`` of elementwise ops (:data:`ember.ops.fused_chain.ELEMENTWISE`; unary and
binary, broadcasting allowed) in which each intermediate value feeds only the next op becomes one
:class:`~ember.ops.fused_chain.ElementwiseChain` node: one dispatch, intermediates written into the
previous intermediate's buffer where no backward needs that buffer (``out=``, decided here from the
recorded shapes and dtypes), and one backward node that runs the members' backwards in reverse.
Values and gradients are bit-identical to the unfused nodes'.

A link ``f_k -> f_{k+1}`` is taken when: ``f_k``'s value is used exactly once (by ``f_{k+1}``, at one
operand; not an output, not an in-place target) and its ctx only by its own backward node; both
have a backward node or neither has; and ``f_{k+1}``'s backward node's gradient for that operand is
``f_k``'s backward node's upstream and nothing else reads it. Each operand from outside the chain
becomes an input of the fused node (one per occurrence, so the recorded gradient accumulation after
it is unchanged). The fused forward runs where ``f_n`` ran, its backward where ``f_n``'s backward
ran; a chain with an in-place effect between its nodes (or its backward nodes) is left alone.
"""

from __future__ import annotations

from ember.graph.passes.fusion import _uses
from ember.ops.fused_chain import ELEMENTWISE, INPLACE, SAVES_OUTPUT, ElementwiseChain


def _member(node) -> bool:
    return node.kind == "op" and node.op in ELEMENTWISE and not node.attrs.get("tensor_kwargs") and "meta" in node.attrs


def _link(prev, nxt, ctx) -> bool:
    uses, grad_of = ctx["uses"], ctx["grad_of"]
    s = prev.outputs[0]
    if nxt is None or not _member(nxt) or uses[s] != 1 or nxt.inputs.count(s) != 1 or uses[nxt.outputs[1]] > 1:
        return False
    gp, gn = grad_of.get(prev.outputs[1]), grad_of.get(nxt.outputs[1])
    if (gp is None) != (gn is None):
        return False
    if gp is None:
        return True
    p = nxt.inputs.index(s)
    gs = gn.outputs[p] if p < len(gn.outputs) else None
    return gs is not None and gp.inputs[1] == gs and uses[gs] == 1


def _chains(graph, ctx):
    """Maximal chains (lists of op nodes, in order) of two or more members."""
    seen, out = set(), []
    for node in graph.nodes:
        if id(node) in seen or not _member(node) or ctx["uses"][node.outputs[1]] > 1:
            continue
        chain = [node]
        while True:
            nxt = ctx["consumer"].get(chain[-1].outputs[0])
            if id(nxt) in seen or not _link(chain[-1], nxt, ctx):  # a node joins one chain only
                break
            chain.append(nxt)
        seen.update(id(n) for n in chain)
        if len(chain) >= 2 and _effect_free(chain, ctx):
            out.append(chain)
    return out


def _effect_free(chain, ctx) -> bool:
    pos, effect = ctx["pos"], ctx["effect"]
    spans = [(chain[0], chain[-1])]
    grads = [ctx["grad_of"].get(n.outputs[1]) for n in chain]
    if grads[0] is not None:
        spans.append((grads[-1], grads[0]))
    return not any(effect[i] for a, b in spans for i in range(pos[id(a)], pos[id(b)] + 1))


def _program(chain):
    """``(inputs, program, needs, meta)`` of the fused node: see :class:`~ember.ops.fused_chain.ElementwiseChain`."""
    inputs, program, needs, metas = [], [], [], []
    for k, node in enumerate(chain):
        internal = chain[k - 1].outputs[0] if k else None
        refs = []
        for j, s in enumerate(node.inputs):
            if s == internal:
                refs.append(-1)
            else:
                refs.append(len(inputs))
                inputs.append(s)
                needs.append(node.attrs["needs"][j])
                metas.append(node.attrs["meta"][0][j])
        # in place when the buffer is free and the result fits it (0-d ufunc results are NumPy scalars, not buffers)
        out_meta = node.attrs["meta"][1]
        inplace = bool(k) and node.op in INPLACE and chain[k - 1].op not in SAVES_OUTPUT and \
            out_meta == chain[k - 1].attrs["meta"][1] and len(out_meta[0] or ()) > 0  # fmt: skip
        program.append((node.op, node.attrs["kwargs"], node.attrs["needs"], tuple(refs), inplace))
    return inputs, tuple(program), tuple(needs), (tuple(metas), chain[-1].attrs["meta"][1])


def _grad_outputs(chain, grads):
    """The fused backward node's output slots: each external operand's gradient slot, in input order."""
    outs = []
    for k, (node, g) in enumerate(zip(chain, grads, strict=True)):
        internal = chain[k - 1].outputs[0] if k else None
        for j, s in enumerate(node.inputs):
            if s != internal:
                outs.append(g.outputs[j] if j < len(g.outputs) else None)
    return outs


def fuse_elementwise_chains(graph):
    """Rewrite maximal elementwise chains of ``graph`` in place; returns ``(graph, number of ops fused away)``."""
    uses = _uses(graph)
    ops = [n for n in graph.nodes if n.kind == "op"]
    ctx = {"uses": uses, "consumer": {s: n for n in ops for s in n.inputs if uses[s] == 1},
           "grad_of": {n.inputs[0]: n for n in graph.nodes if n.kind == "grad"},
           "pos": {id(n): i for i, n in enumerate(graph.nodes)},
           "effect": [n.kind in ("effect", "callback") for n in graph.nodes]}
    replace, drop, removed = {}, set(), 0
    for chain in _chains(graph, ctx):
        inputs, program, needs, meta = _program(chain)
        last = chain[-1]
        attrs = {"kwargs": {"program": program}, "needs": needs, "tensor_kwargs": (), "meta": meta}
        replace[id(last)] = type(last)("op", ElementwiseChain, inputs, list(last.outputs), attrs)
        drop.update(id(n) for n in chain[:-1])
        grads = [ctx["grad_of"].get(n.outputs[1]) for n in chain]
        if grads[0] is not None:
            outs = _grad_outputs(chain, grads)
            replace[id(grads[-1])] = type(last)("grad", None, [last.outputs[1], grads[-1].inputs[1]], outs)
            drop.update(id(g) for g in grads[:-1])
        removed += len(chain) - 1
    graph.nodes = [replace.get(id(n), n) for n in graph.nodes if id(n) not in drop]
    return graph, removed
