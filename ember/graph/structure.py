"""Flattening nested call arguments and results (lists, tuples, dicts) into tensors plus a tree.

The tree doubles as the trace signature: Python values (ints, floats, strings, ``None``) are
part of it by value, tensors by ``(shape, dtype, requires_grad)``, other objects by identity.
"""

from __future__ import annotations

import numpy as np

from ember.autograd import Tensor

_LEAF = "T"


def flatten(x, leaves: list):
    """Append every Tensor/ndarray of ``x`` to ``leaves``; return the tree (hashable)."""
    if isinstance(x, (Tensor, np.ndarray)):
        leaves.append(x)
        return _LEAF
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(flatten(i, leaves) for i in x))
    if isinstance(x, dict):
        return ("dict", tuple((k, flatten(x[k], leaves)) for k in x))
    if x is None or isinstance(x, (bool, int, float, str, np.generic)):
        return ("V", type(x).__name__, x)
    return ("O", id(x))


def unflatten(tree, leaves, objects: dict | None = None, start: int = 0):
    """Rebuild the structure of ``tree`` with ``leaves`` in order; returns ``(value, next index)``."""
    if tree == _LEAF:
        return leaves[start], start + 1
    kind = tree[0]
    if kind in ("list", "tuple"):
        items = []
        for sub in tree[1]:
            item, start = unflatten(sub, leaves, objects, start)
            items.append(item)
        return (items if kind == "list" else tuple(items)), start
    if kind == "dict":
        out = {}
        for key, sub in tree[1]:
            out[key], start = unflatten(sub, leaves, objects, start)
        return out, start
    if kind == "V":
        return tree[2], start
    return objects[tree[1]], start


def objects_of(x, found: dict) -> dict:
    """``{id: object}`` for the non-tensor, non-literal objects of ``x`` (to rebuild arguments)."""
    if isinstance(x, (list, tuple)):
        for i in x:
            objects_of(i, found)
    elif isinstance(x, dict):
        for i in x.values():
            objects_of(i, found)
    elif not (x is None or isinstance(x, (Tensor, np.ndarray, bool, int, float, str, np.generic))):
        found[id(x)] = x
    return found


def leaf_spec(x) -> tuple:
    """The signature of one tensor argument: ``(shape, dtype, requires_grad)``.

    The dtype object itself, not ``str(dtype)`` (hashable and compared by value; ``str`` cost
    ~1 µs per argument on every call).
    """
    if isinstance(x, Tensor):
        return (x.shape, x.dtype, x.requires_grad)
    return (x.shape, x.dtype, False)
