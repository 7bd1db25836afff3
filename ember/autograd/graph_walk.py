"""Reading a recorded graph without changing it: its nodes in order, and the gradient at every node.

Used by the teaching tools (``ember.viz.draw_graph``, ``ember.explain``); the training path never calls it.
"""

from __future__ import annotations

from ember.autograd.engine import FREED, _initial_gradient, topological_order
from ember.autograd.tensor import Tensor


def graph_tensors(root: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """The tensors that produced ``root``: ``(ops, leaves)``.

    ``ops`` are the non-leaf tensors (each has ``_ctx``, the :class:`~ember.autograd.Function` that made
    it), each after every tensor it depends on; ``leaves`` are the inputs and weights they read, in the
    order first met.

    Raises:
        ValueError: when the graph was freed by an earlier ``backward()`` without ``retain_graph=True``.
    """
    if root._ctx is FREED:
        raise ValueError(
            "graph_tensors: the graph of this tensor was freed by backward(). Call backward(retain_graph=True), "
            "or draw/explain before calling backward()."
        )
    if root._ctx is None:
        return [], [root]
    order = topological_order(root)
    leaves, seen = [], set()
    for node in order:
        if node._ctx is FREED:
            raise ValueError("graph_tensors: part of this graph was freed by backward(); use retain_graph=True.")
        for parent in node._ctx.parents:
            if parent._ctx is None and id(parent) not in seen:
                seen.add(id(parent))
                leaves.append(parent)
    return order, leaves


def node_gradients(root: Tensor, gradient=None) -> dict[int, object]:
    """d root / d t for every tensor ``t`` of ``root``'s graph, keyed by ``id(t)``; the graph is kept.

    The same reverse walk as ``Tensor.backward`` (the same ``Function.backward`` calls in the same order,
    so the numbers are the ones training uses), but nothing is accumulated into ``.grad`` and nothing is
    freed. Tensors that ``root`` does not depend on through differentiable paths are absent.

    Args:
        root: the output (a scalar unless ``gradient`` is given).
        gradient: upstream gradient with ``root``'s shape. Defaults to ones for a scalar.

    Returns:
        ``{id(tensor): array}`` for ``root``, every op output and every leaf that needs a gradient.
    """
    grads = {id(root): _initial_gradient(root, gradient)}
    if root._ctx is None:
        return grads
    order, _ = graph_tensors(root)
    pending = dict(grads)
    for node in reversed(order):
        g = pending.get(id(node))
        if g is None:
            continue
        ctx = node._ctx
        in_grads = ctx.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_grad, strict=False):
            if not need or pg is None:
                continue
            key = id(parent)
            prev = pending.get(key)
            pending[key] = pg if prev is None else prev + pg
    return pending
