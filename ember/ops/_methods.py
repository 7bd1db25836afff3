"""Attach operators and PyTorch-style methods to :class:`~ember.autograd.Tensor`.

Kept here (not in ``autograd``) so that imports point down: the engine knows
nothing of the ops built on it. ``==`` and ``!=`` are elementwise (``ember.ops.equal`` /
``not_equal``: a bool tensor, no gradient) as in PyTorch, NumPy and Keras; ``hash()`` stays
identity-based, so Tensors still work as dict keys and in sets (as torch's do). Code that looks a
tensor up in a list must compare by identity (``any(x is t for t in seq)``), never with ``in``.
"""

from __future__ import annotations

import numpy as np

from ember.autograd import Tensor

_COMPARABLE = (Tensor, int, float, complex, np.generic, np.ndarray)


def _comparable(other) -> bool:
    """Whether ``tensor == other`` is elementwise: tensors, numbers, arrays, and lists/tuples of numbers."""
    if isinstance(other, _COMPARABLE):
        return True
    if isinstance(other, (list, tuple)):
        try:
            return np.asarray(other).dtype.kind in "biufc"
        except (ValueError, TypeError):
            return False
    return False


def _shape_args(args):
    """``f(2, 3)`` and ``f((2, 3))`` both give ``(2, 3)``, as PyTorch's shape methods accept."""
    return tuple(args[0]) if len(args) == 1 and not isinstance(args[0], int) else args


def install() -> None:
    """Bind the ops to Tensor: ``x + y``, ``x @ w``, ``x.relu()``, ``x.sum(axis=0)``, ``x.to('gpu')``, ..."""
    from ember import ops as O
    from ember.ops import math as M
    from ember.ops._convert import pair

    def rsub(a, b):
        return M.Sub.apply(*pair(b, a))

    def rdiv(a, b):
        return M.Div.apply(*pair(b, a))

    def rpow(a, b):
        return M.Pow.apply(*pair(b, a))

    def reshape(self, *shape):
        return O.reshape(self, _shape_args(shape))

    def permute(self, *axes):
        return O.transpose(self, _shape_args(axes))

    def transpose(self, *axes):
        if not axes:
            return O.transpose(self)
        if len(axes) == 2 and all(isinstance(a, int) for a in axes):
            return O.swapaxes(self, *axes)  # PyTorch's transpose(dim0, dim1)
        return permute(self, *axes)

    def expand(self, *shape):
        shape = _shape_args(shape)
        lead = len(shape) - self.ndim
        return O.broadcast_to(self, [self.shape[i - lead] if n == -1 else n for i, n in enumerate(shape)])

    def to(self, target):
        if isinstance(target, str) and target in ("cpu", "gpu", "cuda"):
            return O.to_device(self, target)
        return O.cast(self, target)

    def eq(self, other):
        return O.equal(self, other) if _comparable(other) else NotImplemented

    def ne(self, other):
        return O.not_equal(self, other) if _comparable(other) else NotImplemented

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        end = end_dim % max(self.ndim, 1)
        return O.reshape(self, self.shape[:start_dim] + (-1,) + self.shape[end + 1 :])

    table = {
        "__add__": O.add,
        "__radd__": O.add,
        "__sub__": O.subtract,
        "__rsub__": rsub,
        "__mul__": O.multiply,
        "__rmul__": O.multiply,
        "__truediv__": O.divide,
        "__rtruediv__": rdiv,
        "__pow__": O.power,
        "__rpow__": rpow,
        "__neg__": O.negative,
        "__pos__": lambda a: a,
        "__abs__": O.abs,
        "__matmul__": O.matmul,
        "__rmatmul__": lambda a, b: O.matmul(b, a),
        "__getitem__": O.getitem,
        "__eq__": eq,
        "__ne__": ne,
        "eq": O.equal,
        "ne": O.not_equal,
        "any": O.any,
        "all": O.all,
        "__lt__": O.less,
        "__le__": O.less_equal,
        "__gt__": O.greater,
        "__ge__": O.greater_equal,
        "__invert__": O.logical_not,
        "__and__": O.logical_and,
        "__or__": O.logical_or,
        "__xor__": O.logical_xor,
        "matmul": O.matmul,
        "dot": O.dot,
        "pow": O.power,
        "exp": O.exp,
        "expm1": O.expm1,
        "log": O.log,
        "log1p": O.log1p,
        "sqrt": O.sqrt,
        "rsqrt": O.rsqrt,
        "abs": O.abs,
        "sign": O.sign,
        "square": O.square,
        "reciprocal": O.reciprocal,
        "sin": O.sin,
        "cos": O.cos,
        "erf": O.erf,
        "floor": O.floor,
        "ceil": O.ceil,
        "round": O.round,
        "clip": O.clip,
        "clamp": O.clip,
        "maximum": O.maximum,
        "minimum": O.minimum,
        "sum": O.sum,
        "mean": O.mean,
        "max": O.max,
        "min": O.min,
        "prod": O.prod,
        "var": O.var,
        "std": O.std,
        "norm": O.norm,
        "logsumexp": O.logsumexp,
        "cumsum": O.cumsum,
        "argmax": O.argmax,
        "argmin": O.argmin,
        "reshape": reshape,
        "view": reshape,
        "flatten": flatten,
        "permute": permute,
        "transpose": transpose,
        "swapaxes": O.swapaxes,
        "squeeze": O.squeeze,
        "unsqueeze": O.expand_dims,
        "expand_dims": O.expand_dims,
        "expand": expand,
        "broadcast_to": O.broadcast_to,
        "flip": O.flip,
        "repeat": lambda self, *reps: O.tile(self, _shape_args(reps)),  # PyTorch's repeat is numpy's tile
        "repeat_interleave": lambda self, repeats, dim=None: O.repeat(self, repeats, axis=dim),
        "tile": O.tile,
        "astype": O.cast,
        "to": to,
        "cpu": lambda self: O.to_device(self, "cpu"),
        "gpu": lambda self: O.to_device(self, "gpu"),
        "cuda": lambda self: O.to_device(self, "gpu"),
        "float": lambda self: O.cast(self, "float32"),
        "double": lambda self: O.cast(self, "float64"),
        "half": lambda self: O.cast(self, "float16"),
        "sigmoid": O.sigmoid,
        "tanh": O.tanh,
        "relu": O.relu,
        "leaky_relu": O.leaky_relu,
        "softmax": O.softmax,
        "log_softmax": O.log_softmax,
    }
    for name, fn in table.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: O.transpose(self))
