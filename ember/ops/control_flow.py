"""Keras 3's control-flow ops, with eager semantics: plain Python loops over differentiable ops.

Gradients flow through every iteration the loop actually ran (define-by-run). Tracing them into a
graph is the graph-mode work (``ember.graph``). Source: keras/src/ops/core.py.
"""

from __future__ import annotations


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (``pred`` a bool or a one-element tensor).

    Example:
        >>> import ember
        >>> ember.ops.cond(ember.tensor(1.0) > 0, lambda: "pos", lambda: "neg")
        'pos'
    """
    return true_fn() if bool(pred) else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most ``maximum_iterations``).

    Args:
        cond: callable on the loop variables returning a bool (or one-element tensor).
        body: callable on the loop variables returning new ones (same structure).
        loop_vars: a value, or a tuple/list of values.
        maximum_iterations: upper bound on iterations. Defaults to ``None`` (no bound).

    Returns:
        The final loop variables, in the structure of ``loop_vars``.

    Example:
        >>> import ember
        >>> ember.ops.while_loop(lambda i: i < 5, lambda i: i + 2, 0)
        6
    """
    is_tuple = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_tuple else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*values)):
        out = body(*values)
        values = tuple(out) if is_tuple else (out,)
        steps += 1
    return values if is_tuple else values[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns the final ``val``.

    Example:
        >>> import ember
        >>> ember.ops.fori_loop(0, 4, lambda i, total: total + i, 0)
        6
    """
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, stacked ys)``.

    Args:
        f: callable ``(carry, x) -> (carry, y)``; ``y`` a tensor, a tuple of tensors or ``None``.
        init: the initial carry.
        xs: tensor (or tuple of tensors) scanned along axis 0, or ``None`` (then ``length`` steps
            with ``x = None``).
        length: number of steps when ``xs`` is ``None``.
        reverse: scan from the last element; the stacked ``ys`` keep ``xs``'s order. Defaults to ``False``.
        unroll: Keras's compilation hint; no effect when running eagerly. Defaults to ``1``.

    Raises:
        ValueError: if neither ``xs`` nor ``length`` is given.

    Example:
        >>> import ember
        >>> carry, ys = ember.ops.scan(lambda c, x: (c + x, c + x), 0.0, ember.tensor([1.0, 2.0, 3.0]))
        >>> carry.item(), ys.tolist()
        (6.0, [1.0, 3.0, 6.0])
    """
    from ember.ops.indexing import stack

    if xs is None and length is None:
        raise ValueError("scan: pass `xs` or `length`. Received: xs=None, length=None")
    multi = isinstance(xs, (tuple, list))
    n = int(length) if xs is None else int((xs[0] if multi else xs).shape[0])
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = None if xs is None else (tuple(t[i] for t in xs) if multi else xs[i])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        return carry, None
    if isinstance(ys[0], (tuple, list)):
        return carry, type(ys[0])(stack([y[j] for y in ys]) for j in range(len(ys[0])))
    return carry, stack(ys)


def vectorized_map(function, elements):
    """``stack([function(x) for x in elements])`` along axis 0 (a tuple of tensors is sliced together).

    Example:
        >>> import ember
        >>> ember.ops.vectorized_map(lambda row: row.sum(), ember.ops.ones((3, 2))).tolist()
        [2.0, 2.0, 2.0]
    """
    from ember.ops.indexing import stack

    multi = isinstance(elements, (tuple, list))
    n = int((elements[0] if multi else elements).shape[0])
    outs = [function(tuple(t[i] for t in elements) if multi else elements[i]) for i in range(n)]
    if isinstance(outs[0], (tuple, list)):
        return type(outs[0])(stack([o[j] for o in outs]) for j in range(len(outs[0])))
    return stack(outs)
