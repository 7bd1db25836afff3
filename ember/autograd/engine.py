"""The backward pass: reverse topological walk, gradient accumulation, graph freeing."""

from __future__ import annotations

from ember import backend
from ember.autograd import tracing
from ember.autograd.tensor import Tensor


class _Freed:
    """Stands in for a node whose saved arrays were released by an earlier backward."""

    __slots__ = ()
    parents = ()

    def backward(self, grad):
        raise RuntimeError(
            "Trying to backward through the graph a second time: its saved values were freed. "
            "Pass retain_graph=True to the first backward() if you need to call it twice. (A result computed "
            "only from already-backwarded tensors, e.g. `total = total + loss` after loss.backward(), keeps no "
            "graph either: GraphRetentionWarning.)"
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
    tracer = tracing._STATE["tracer"]
    if tracer is not None:  # ember.function records the walk (ember/graph/tracer.py)
        tracer.backward(root, gradient, retain_graph)
        return
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
        for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_grad, strict=False):
            if not need or pg is None:
                continue
            if parent._ctx is None:
                _accumulate_leaf(parent, pg)
            else:
                key = id(parent)
                prev = grads.get(key)
                grads[key] = pg if prev is None else prev + pg


# ---------------------------------------------------------------- higher order: create_graph / grad()


def _backward_graph(ctx, g):
    """One node's backward written with recorded Tensor ops, so it can be differentiated again."""
    fn = getattr(ctx, "backward_graph", None)
    if fn is None:
        raise NotImplementedError(
            f"Double backward (create_graph=True) is not implemented for op {ctx.name}. "
            "Ops that support it define backward_graph(); see ember/autograd/function.py."
        )
    return fn(g)


def _walk(root: Tensor, grad, retain_graph: bool, create_graph: bool, capture: dict | None):
    """The general (slower) backward: Tensor gradients when ``create_graph``; ``capture`` maps
    ``id(tensor) -> gradient`` for :func:`grad` instead of accumulating into ``.grad``."""
    if create_graph:
        grad = Tensor._wrap(grad)
    if root._ctx is FREED:
        FREED.backward(grad)

    def deliver(t, g):
        if capture is not None:
            if id(t) in capture:
                prev = capture[id(t)]
                capture[id(t)] = g if prev is None else prev + g
            return
        if not create_graph:
            _accumulate_leaf(t, g)
        else:
            t.grad = g if t.grad is None else t.grad + g

    if root._ctx is None or (capture is not None and id(root) in capture):
        deliver(root, grad)
        return
    order = topological_order(root)
    grads = {id(root): grad}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        ctx = node._ctx
        if capture is not None and id(node) in capture and g is not None:
            deliver(node, g)
            continue
        if not retain_graph:
            node._ctx = FREED
        if g is None:
            continue
        in_grads = _backward_graph(ctx, g) if create_graph else ctx.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_grad, strict=False):
            if not need or pg is None:
                continue
            if parent._ctx is None:
                deliver(parent, pg)
            else:
                key = id(parent)
                prev = grads.get(key)
                grads[key] = pg if prev is None else prev + pg


def run_backward_general(root: Tensor, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
    """:meth:`Tensor.backward` with ``create_graph``: gradients are themselves differentiable.

    ``retain_graph`` defaults to ``create_graph`` (as in PyTorch): the new graph
    refers to the forward graph's tensors.
    """
    from ember.autograd.grad_mode import enable_grad

    grad = _initial_gradient(root, gradient)
    retain = create_graph if retain_graph is None else retain_graph
    tracing.note_host_read(root, "backward(create_graph=True)")
    with enable_grad():
        _walk(root, grad, retain, create_graph, None)


def grad(outputs: Tensor, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    PyTorch's ``torch.autograd.grad`` for one output.

    Args:
        outputs: the tensor to differentiate (one element unless ``grad_outputs`` is given).
        inputs: a Tensor or a sequence of Tensors of the graph.
        grad_outputs: upstream gradient with ``outputs``' shape. Defaults to ones for a scalar.
        retain_graph: keep the graph. Defaults to ``create_graph``.
        create_graph: record the backward pass so the result can be differentiated again
            (double backward). Defaults to ``False``.

    Returns:
        A tuple with one gradient Tensor per input (zeros where ``outputs`` does not depend on it).

    Raises:
        RuntimeError: as :meth:`Tensor.backward`.
        NotImplementedError: with ``create_graph=True``, naming an op in the graph that has no
            double backward.
    """
    from ember.autograd.grad_mode import enable_grad, no_grad

    tracing.note_host_read(outputs, "ember.autograd.grad()")
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    g0 = _initial_gradient(outputs, grad_outputs)
    capture = {id(t): None for t in inputs}
    retain = create_graph if retain_graph is None else retain_graph
    with enable_grad() if create_graph else no_grad():
        _walk(outputs, g0, retain, create_graph, capture)
    result = []
    for t in inputs:
        g = capture[id(t)]
        if g is None:
            g = backend.namespace(t.data).zeros_like(t.data)
        if not isinstance(g, Tensor):
            g = Tensor._wrap(g.astype(t.data.dtype, copy=False))
        result.append(g)
    return tuple(result)
