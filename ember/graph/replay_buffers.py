"""Replay steps that write into preallocated buffers (the plan of :mod:`ember.graph.passes.buffers`).

:class:`~ember.graph.replay.Program` allocates ``graph.buffers`` once (they persist across
replays) and asks :func:`step` for each node: a node with ``attrs['out_buffers']`` gets a closure
that calls its Function's ``forward_out(..., out=buffer)`` (or ``backward_out(g, buffer)``, or
``add(a, b, out=buffer)`` for gradient accumulation) instead of the allocating path.
"""

from __future__ import annotations

from ember import backend


def allocate(graph) -> list:
    """One uninitialised flat array per planned buffer: ``graph.buffers`` is ``[(elements, dtype)]``."""
    xp = backend.xp()
    return [xp.empty(n, dtype=dtype) for n, dtype in (graph.buffers or ())]


def _view(buffers, chosen):
    """The C-contiguous view of the planned buffer for output 0: ``(buffer, shape)`` -> its first elements."""
    k, shape = chosen[0]
    n = 1
    for d in shape:
        n *= d
    return buffers[k][:n].reshape(shape)


def step(node, buffers: list):
    """The replay closure writing ``node``'s planned output into its buffer, or None when it has none."""
    chosen = node.attrs.get("out_buffers")
    if not chosen:
        return None
    if node.kind == "op":
        return _op(node, _view(buffers, chosen))
    if node.kind == "add":
        return _add(node, _view(buffers, chosen))
    if node.kind == "grad":
        return _grad(node, _view(buffers, chosen))
    raise ValueError(f"replay_buffers.step: no buffered form of a {node.kind!r} node. Received: {node.name}")


def _op(node, buf):
    cls, ins, (out, ctx_slot) = node.op, node.inputs, node.outputs
    kwargs, needs = node.attrs["kwargs"], node.attrs["needs"]

    def run(v):
        ctx = cls()
        ctx.needs_grad = needs
        v[out] = ctx.forward_out(*[v[i] for i in ins], out=buf, **kwargs)
        v[ctx_slot] = ctx
    return run


def _add(node, buf):
    (a, b), (out,) = node.inputs, node.outputs
    add = backend.namespace(buf).add

    def run(v):
        x, y = v[a], v[b]  # `x + y` keeps a non-C operand layout (a transpose's gradient): then no buffer
        v[out] = add(x, y, out=buf) if x.flags.c_contiguous and y.flags.c_contiguous else x + y
    return run


def _grad(node, buf):
    (ctx_slot, g), outs = node.inputs, node.outputs

    def run(v):
        r = v[ctx_slot].backward_out(v[g], buf)
        for s, x in zip(outs, r, strict=False):
            if s is not None:
                v[s] = x
    return run
