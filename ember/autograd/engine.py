"""The backward pass: reverse topological walk, gradient accumulation, graph freeing."""

from __future__ import annotations

from ember import backend
from ember.autograd.tensor import Tensor


class _Freed:
    """Stands in for a node whose saved arrays were released by an earlier backward."""

    __slots__ = ()
    parents = ()

    def backward(self, grad):
        raise RuntimeError(
            "Trying to backward through the graph a second time: its saved values were freed. "
            "Pass retain_graph=True to the first backward() if you need to call it twice."
        )


FREED = _Freed()


def topological_order(root: Tensor) -> list[Tensor]:
    """Non-leaf tensors reachable from ``root``, each after all tensors it depends on.

    Iterative depth-first search: a 10,000-op chain needs no recursion.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._ctx.parents:
            if parent._ctx is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def _initial_gradient(root: Tensor, gradient):
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no input of its graph has "
            "requires_grad=True (or it was computed under ember.no_grad())."
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                "backward() without a gradient needs a tensor with one element (a scalar loss). "
                f"Received: shape={root.shape}. Reduce it first (e.g. loss.mean()) or pass gradient=."
            )
        return backend.namespace(root.data).ones_like(root.data)
    grad = gradient.data if isinstance(gradient, Tensor) else backend.asarray(gradient, dtype=root.dtype)
    if grad.shape != root.shape:
        raise RuntimeError(f"backward(): gradient shape {grad.shape} does not match tensor shape {root.shape}")
    return grad


def _accumulate_leaf(leaf: Tensor, grad) -> None:
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        leaf.grad = Tensor._wrap(grad)
    else:  # NOTE: never in place: grad arrays may alias other nodes' gradients
        leaf.grad = Tensor._wrap(leaf.grad.data + grad)


def run_backward(root: Tensor, gradient=None, retain_graph: bool = False) -> None:
    """Backpropagate from ``root``; see :meth:`Tensor.backward`."""
    grad = _initial_gradient(root, gradient)
    if root._ctx is None:
        _accumulate_leaf(root, grad)
        return
    if root._ctx is FREED:
        FREED.backward(grad)
    order = topological_order(root)
    grads = {id(root): grad}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        ctx = node._ctx
        if not retain_graph:
            node._ctx = FREED
        if g is None:
            continue
        in_grads = ctx.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_grad):
            if not need or pg is None:
                continue
            if parent._ctx is None:
                _accumulate_leaf(parent, pg)
            else:
                key = id(parent)
                prev = grads.get(key)
                grads[key] = pg if prev is None else prev + pg
