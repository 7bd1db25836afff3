"""Attach operators and PyTorch-style methods to :class:`~ember.autograd.Tensor`.

Kept here (not in ``autograd``) so that imports point down: the engine knows
nothing of the ops built on it.
"""

from __future__ import annotations

from ember.autograd import Tensor


def install() -> None:
    """Bind the ops to Tensor: ``x + y``, ``x @ w``, ``x.relu()``, ``x.sum(axis=0)``, ..."""
    from ember.ops import activations as A
    from ember.ops import linalg as L
    from ember.ops import math as M
    from ember.ops import reduction as R
    from ember.ops import shape as S
    from ember.ops._convert import pair

    def rsub(a, b):
        return M.Sub.apply(*pair(b, a))

    def rdiv(a, b):
        return M.Div.apply(*pair(b, a))

    def rpow(a, b):
        return M.Pow.apply(*pair(b, a))

    def rmatmul(a, b):
        return L.matmul(b, a)

    def reshape(self, *shape):
        return S.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def permute(self, *axes):
        return S.transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes)

    def transpose(self, *axes):
        if not axes:
            return S.transpose(self)
        return permute(self, *axes)

    def astype(self, dtype):
        return Tensor(self.data.astype(dtype))

    table = {
        "__add__": M.add,
        "__radd__": M.add,
        "__sub__": M.subtract,
        "__rsub__": rsub,
        "__mul__": M.multiply,
        "__rmul__": M.multiply,
        "__truediv__": M.divide,
        "__rtruediv__": rdiv,
        "__pow__": M.power,
        "__rpow__": rpow,
        "__neg__": M.negative,
        "__abs__": M.abs,
        "__matmul__": L.matmul,
        "__rmatmul__": rmatmul,
        "__getitem__": S.getitem,
        "__lt__": lambda a, b: Tensor._wrap(a.data < _raw(b)),
        "__le__": lambda a, b: Tensor._wrap(a.data <= _raw(b)),
        "__gt__": lambda a, b: Tensor._wrap(a.data > _raw(b)),
        "__ge__": lambda a, b: Tensor._wrap(a.data >= _raw(b)),
        "matmul": L.matmul,
        "exp": M.exp,
        "log": M.log,
        "sqrt": M.sqrt,
        "abs": M.abs,
        "square": M.square,
        "maximum": M.maximum,
        "minimum": M.minimum,
        "sum": R.sum,
        "mean": R.mean,
        "max": R.max,
        "min": R.min,
        "argmax": R.argmax,
        "argmin": R.argmin,
        "reshape": reshape,
        "permute": permute,
        "transpose": transpose,
        "astype": astype,
        "sigmoid": A.sigmoid,
        "tanh": A.tanh,
        "relu": A.relu,
        "leaky_relu": A.leaky_relu,
        "softmax": A.softmax,
        "log_softmax": A.log_softmax,
    }
    for name, fn in table.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: S.transpose(self))


def _raw(x):
    return x.data if isinstance(x, Tensor) else x
