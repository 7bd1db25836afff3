"""Running a traced :class:`~ember.graph.ir.Graph` on arrays: no Tensors, no autograd bookkeeping.

:func:`compile_graph` turns each node into a small closure over slot numbers once, at trace
time; :class:`Program` then runs them in order on a list of arrays. Op nodes make a fresh
Function object per replay (its ``forward`` saves what its ``backward`` needs) and ``grad``
nodes call that object's ``backward``: the backward graph is fixed at trace time, so no
topological sort, no gradient dictionaries and no Tensor objects are made per step.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor
from ember.autograd import engine as _engine
from ember.graph import replay_buffers


def _op(node):
    cls, ins, (out, ctx_slot) = node.op, node.inputs, node.outputs
    kwargs, needs = node.attrs["kwargs"], node.attrs["needs"]
    if node.attrs.get("tensor_kwargs"):
        return _op_tensor_kwargs(node)
    if len(ins) == 1:
        (a,) = ins

        def run(v):
            ctx = cls()
            ctx.needs_grad = needs
            v[out] = ctx.forward(v[a], **kwargs)
            v[ctx_slot] = ctx
    elif len(ins) == 2:
        a, b = ins

        def run(v):
            ctx = cls()
            ctx.needs_grad = needs
            v[out] = ctx.forward(v[a], v[b], **kwargs)
            v[ctx_slot] = ctx
    else:
        def run(v):
            ctx = cls()
            ctx.needs_grad = needs
            v[out] = ctx.forward(*[v[i] for i in ins], **kwargs)
            v[ctx_slot] = ctx
    return run


def _op_tensor_kwargs(node):
    cls, (out, ctx_slot), needs = node.op, node.outputs, node.attrs["needs"]
    names, kwargs = node.attrs["tensor_kwargs"], node.attrs["kwargs"]
    pos, named = node.inputs[: len(node.inputs) - len(names)], list(zip(names, node.inputs[-len(names):], strict=True))

    def run(v):
        ctx = cls()
        ctx.needs_grad = needs
        v[out] = ctx.forward(*[v[i] for i in pos], **kwargs, **{k: v[i] for k, i in named})
        v[ctx_slot] = ctx
    return run


def _grad(node):
    (ctx_slot, g), outs = node.inputs, node.outputs
    if len(outs) == 1:
        (o,) = outs

        def run(v):
            r = v[ctx_slot].backward(v[g])
            v[o] = r[0] if isinstance(r, tuple) else r
        return run

    def run(v):
        r = v[ctx_slot].backward(v[g])
        for s, x in zip(outs, r if isinstance(r, tuple) else (r,), strict=False):
            if s is not None:
                v[s] = x
    return run


def _host(node):
    fn, kwargs, ins, (out,) = node.op, node.attrs["kwargs"], node.inputs, node.outputs

    def run(v):
        v[out] = fn(*[v[i] for i in ins], **kwargs)
    return run


def _ones(node):
    (a,), (out,) = node.inputs, node.outputs

    def run(v):
        v[out] = backend.namespace(v[a]).ones_like(v[a])
    return run


def _add(node):
    (a, b), (out,) = node.inputs, node.outputs

    def run(v):
        v[out] = v[a] + v[b]
    return run


def _resolve(target, v, args):
    """The tensor a leafgrad/setgrad/effect node refers to: a call argument or a captured tensor."""
    if isinstance(target, tuple):
        return args[target[1]]
    return target


def _leafgrad(node, graph):
    (g,), (out,), target = node.inputs, node.outputs, node.attrs["leaf"]
    leaf = target if isinstance(target, tuple) else graph.captured[target]

    def run(v, args):
        t = _resolve(leaf, v, args)
        _engine._accumulate_leaf(t, v[g])
        v[out] = t.grad.data
    run.needs_args = True
    return run


def _setgrad(node, graph):
    target = node.attrs["leaf"]
    leaf = target if isinstance(target, tuple) else graph.captured[target]
    src = node.inputs[0] if node.inputs else None

    def run(v, args):
        _resolve(leaf, v, args).grad = None if src is None else Tensor._wrap(v[src])
    run.needs_args = True
    return run


def _effect(node):
    target, op, scalar = node.attrs["target"], node.attrs["op"], node.attrs["scalar"]
    src = node.inputs[0] if node.inputs else None

    def run(v):
        value = scalar if src is None else v[src]
        if op in ("copy", "assign"):
            v[target][...] = value
        else:
            getattr(v[target], op)(value)
    return run


def _callback(node):
    fn, ins = node.op, node.inputs

    def run(v):
        fn(*[v[i] for i in ins])
    return run


_BUILDERS = {"op": _op, "grad": _grad, "random": _host, "host": _host, "ones": _ones, "add": _add, "effect": _effect,
             "callback": _callback}


class Program:
    """The compiled steps of a graph; ``run(args)`` returns the output arrays.

    Args:
        graph: the (optimised) traced graph.
    """

    def __init__(self, graph):
        self.graph = graph
        self.steps = []
        self.buffers = replay_buffers.allocate(graph)  # preallocated outputs, kept across replays (passes/buffers.py)
        for node in graph.nodes:
            buffered = replay_buffers.step(node, self.buffers)
            if buffered is not None:
                self.steps.append((buffered, False))
            elif node.kind in ("leafgrad", "setgrad"):
                builder = _leafgrad if node.kind == "leafgrad" else _setgrad
                self.steps.append((builder(node, graph), True))
            else:
                self.steps.append((_BUILDERS[node.kind](node), False))
        self.inputs = list(graph.inputs.items())
        self.captured = list(graph.captured.items())
        self.constants = list(graph.constants.items())
        self.release = graph.release
        # (step, needs_args, slots to drop after it or None): the liveness lists zipped in once, not per replay
        release = graph.release or [()] * len(self.steps)
        self.plan = [(step, needs_args, tuple(r) or None) for (step, needs_args), r in zip(self.steps, release,
                                                                                           strict=True)]

    def run(self, args: list) -> list:
        """Replay on ``args`` (the flattened argument arrays/tensors); returns the output arrays."""
        v = [None] * self.graph.num_slots
        for slot, pos in self.inputs:
            a = args[pos]
            v[slot] = a.data if isinstance(a, Tensor) else a
        for slot, t in self.captured:
            v[slot] = t.data
        for slot, a in self.constants:
            v[slot] = a
        for step, needs_args, release in self.plan:
            step(v, args) if needs_args else step(v)
            if release is not None:
                for s in release:
                    v[s] = None
        return [v[s] for s in self.graph.output_slots]
