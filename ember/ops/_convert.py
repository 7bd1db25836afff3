"""Turning operands into tensors: Python scalars take the other operand's dtype (weak typing)."""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.autograd import Tensor
from ember.autograd.tensor import array_of


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """Return ``value`` as a Tensor; a Python scalar takes ``like``'s dtype, as in PyTorch."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float, bool, np.number)) and like.dtype.kind == "f":
        arr = array_of(like)  # metadata only: graph tracing must not count it as a read of the values
        return Tensor._wrap(backend.namespace(arr).asarray(value, dtype=arr.dtype))
    return Tensor(value)


def pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as tensors, scalars taking the tensor operand's dtype."""
    if isinstance(a, Tensor):
        return a, as_tensor(b, a)
    b = as_tensor(b)
    return as_tensor(a, b), b


def normalize_axis(axis, ndim: int):
    """``axis`` (int, tuple or None) with negatives resolved; raises ValueError when out of range."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % max(ndim, 1))
    return tuple(out)
