"""Reductions over an axis, a tuple of axes, or everything (``axis=None``), with ``keepdims``.

Primitives: sum, mean, max/min, prod, logsumexp, cumsum and the L2 norm. ``var``,
``std`` and the other norms are composites. ``argmax``/``argmin`` return int64
indices and record nothing.
"""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops import shape as S
from ember.ops._convert import as_tensor, normalize_axis
from ember.ops.host import host_op, method_call


def _expand(g, in_shape, axis, keepdims):
    """Re-insert reduced axes into ``g`` (an array) so it broadcasts against the input."""
    if axis is None:
        return g.reshape((1,) * len(in_shape)) if not keepdims else g
    if not keepdims:
        g = backend.namespace(g).expand_dims(g, axis)
    return g


def _expand_t(g: Tensor, in_shape, axis, keepdims) -> Tensor:
    """:func:`_expand` with recorded ops (for ``backward_graph``)."""
    kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(in_shape))
    return g if keepdims and axis is not None else S.reshape(g, kept)


class Sum(Function):
    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, g):
        g = _expand(g, self.shape, self.axis, self.keepdims)
        return backend.namespace(g).broadcast_to(g, self.shape)

    def backward_graph(self, g):
        return S.broadcast_to(_expand_t(g, self.shape, self.axis, self.keepdims), self.shape)


class Mean(Function):
    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = a.mean(axis=axis, keepdims=keepdims)
        self.count = a.size // out.size if out.size else 1
        return out

    def backward(self, g):
        g = _expand(g, self.shape, self.axis, self.keepdims) / g.dtype.type(self.count)
        return backend.namespace(g).broadcast_to(g, self.shape)

    def backward_graph(self, g):
        return S.broadcast_to(_expand_t(g, self.shape, self.axis, self.keepdims) / float(self.count), self.shape)


class Max(Function):
    # NOTE: ties share the gradient evenly (as JAX does); PyTorch's max(dim) picks one index.
    def forward(self, a, axis=None, keepdims=False, op="max"):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = a.max(axis=axis, keepdims=True) if op == "max" else a.min(axis=axis, keepdims=True)
        self.a, self.out = a, out
        return out if keepdims else _squeeze(out, axis)

    def _weights(self):
        mask = self.a == self.out
        return (mask / mask.sum(axis=self.axis, keepdims=True)).astype(self.a.dtype)

    def backward(self, g):
        return _expand(g, self.shape, self.axis, self.keepdims) * self._weights()

    def backward_graph(self, g):
        return _expand_t(g, self.shape, self.axis, self.keepdims) * Tensor._wrap(self._weights())


class Prod(Function):
    # d prod / d x_i = product of the others: exclusive cumulative products from both ends,
    # which stays right when some x_j == 0 (unlike prod / x_i).
    def forward(self, a, axis=None, keepdims=False):
        xp = backend.namespace(a)
        self.a, self.axis, self.keepdims = a, axis, keepdims
        axes = tuple(range(a.ndim)) if axis is None else axis
        rest = [i for i in range(a.ndim) if i not in axes]
        self.perm = rest + list(axes)
        moved = a.transpose(self.perm)
        self.flat = moved.reshape(moved.shape[: len(rest)] + (math.prod(moved.shape[len(rest) :]),))
        self.moved_shape = moved.shape
        return xp.prod(a, axis=axis, keepdims=keepdims)

    def backward(self, g):
        xp = backend.namespace(g)
        f = self.flat
        ones = xp.ones_like(f[..., :1])
        left = xp.cumprod(xp.concatenate([ones, f[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.flip(xp.concatenate([f[..., 1:], ones], axis=-1), -1), axis=-1), -1)
        others = (left * right).reshape(self.moved_shape)
        inverse = [self.perm.index(i) for i in range(len(self.perm))]
        return others.transpose(inverse) * _expand(g, self.a.shape, self.axis, self.keepdims)

    def backward_graph(self, g):
        if not bool((self.a != 0).all()):
            raise NotImplementedError("Double backward of op Prod is implemented only for inputs without zeros.")
        x = self.parents[0]
        out = Prod.apply(x, axis=self.axis, keepdims=True)
        return _expand_t(g, self.a.shape, self.axis, self.keepdims) * out / x


class LogSumExp(Function):
    def forward(self, a, axis=None, keepdims=False):
        xp = backend.namespace(a)
        m = a.max(axis=axis, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        m = xp.where(xp.isfinite(m), m, 0)  # NOTE: all -inf (or +inf) rows must not give inf - inf
        with backend.errstate(xp, divide="ignore"):  # log(0) = -inf is the right answer for all -inf rows
            out = xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m
        self.a, self.out_k, self.axis, self.keepdims = a, out, axis, keepdims
        return out if keepdims else _squeeze(out, axis)

    def backward(self, g):
        xp = backend.namespace(g)
        return _expand(g, self.a.shape, self.axis, self.keepdims) * xp.exp(self.a - self.out_k)

    def backward_graph(self, g):
        from ember.ops.unary import exp

        x = self.parents[0]
        lse = LogSumExp.apply(x, axis=self.axis, keepdims=True)
        return _expand_t(g, self.a.shape, self.axis, self.keepdims) * exp(x - lse)


def _squeeze(out, axis):
    if axis is None:
        return out.reshape(())
    return out.reshape([n for i, n in enumerate(out.shape) if i not in axis])


class Cumsum(Function):
    def forward(self, a, axis):
        self.axis = axis
        return backend.namespace(a).cumsum(a, axis=axis)

    def backward(self, g):
        xp = backend.namespace(g)
        return xp.flip(xp.cumsum(xp.flip(g, self.axis), axis=self.axis), self.axis)

    def backward_graph(self, g):
        return S.flip(Cumsum.apply(S.flip(g, self.axis), axis=self.axis), self.axis)


class Norm2(Function):
    # NOTE: the gradient at x == 0 is taken as 0 (a subgradient), as PyTorch's norm does.
    def forward(self, a, axis=None, keepdims=False):
        xp = backend.namespace(a)
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out_k = xp.sqrt((a * a).sum(axis=axis, keepdims=True))
        return self.out_k if keepdims else _squeeze(self.out_k, axis)

    def backward(self, g):
        xp = backend.namespace(g)
        safe = xp.where(self.out_k > 0, self.out_k, 1)
        return _expand(g, self.a.shape, self.axis, self.keepdims) * (self.a / safe)

    def backward_graph(self, g):
        from ember.ops.math import where

        x = self.parents[0]
        n = Norm2.apply(x, axis=self.axis, keepdims=True)
        safe = where(Tensor._wrap(self.out_k > 0), n, 1.0)
        return _expand_t(g, self.a.shape, self.axis, self.keepdims) * (x / safe)


# ---------------------------------------------------------------- public functions


def _prep(x, axis):
    x = as_tensor(x)
    return x, normalize_axis(axis, x.ndim)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Sum of elements over ``axis``; the gradient broadcasts ``g`` back over the reduced axes.

    Args:
        x: input tensor.
        axis: int, tuple of ints, or ``None`` for all axes. Defaults to ``None``.
        keepdims: keep reduced axes with size 1. Defaults to ``False``.

    Raises:
        ValueError: if an axis is out of range.

    Example:
        >>> import ember
        >>> ember.ops.sum(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0).tolist()
        [4.0, 6.0]
    """
    x, axis = _prep(x, axis)
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean ``sum(x) / n`` over ``axis`` (arguments as :func:`sum`); ``nan`` over zero elements."""
    x, axis = _prep(x, axis)
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def _check_nonempty(x, axis, name):
    axes = range(x.ndim) if axis is None else axis
    if x.size == 0 and (x.ndim == 0 or any(x.shape[a] == 0 for a in axes)):
        raise ValueError(f"{name}: cannot reduce over zero elements. Received: shape={x.shape}, axis={axis}")


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Maximum over ``axis``; tied maxima share the gradient evenly.

    Raises:
        ValueError: if an axis is out of range or the reduction is over zero elements.
    """
    x, axis = _prep(x, axis)
    _check_nonempty(x, axis, "max")
    return Max.apply(x, axis=axis, keepdims=keepdims, op="max")


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Minimum over ``axis``; tied minima share the gradient evenly (see :func:`max`)."""
    x, axis = _prep(x, axis)
    _check_nonempty(x, axis, "min")
    return Max.apply(x, axis=axis, keepdims=keepdims, op="min")


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    """Product of elements over ``axis``; gradient: the product of the other elements (exact with zeros)."""
    x, axis = _prep(x, axis)
    return Prod.apply(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed as ``m + log(sum(exp(x - m)))`` with ``m = max(x)``.

    Finite for any finite logits; gradient ``softmax(x)`` along ``axis``.
    """
    x, axis = _prep(x, axis)
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None) -> Tensor:
    """Cumulative sum along ``axis`` (flattened first when None); gradient: reversed cumulative sum."""
    x = as_tensor(x)
    if axis is None:
        x, axis = S.reshape(x, (-1,)), 0
    return Cumsum.apply(x, axis=normalize_axis(axis, x.ndim)[0])


def var(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population variance ``mean((x - mean(x))**2)`` over ``axis`` (Keras's ``ops.var``; no Bessel correction)."""
    from ember.ops.unary import square

    x, axis = _prep(x, axis)
    return mean(square(x - mean(x, axis, keepdims=True)), axis, keepdims)


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population standard deviation ``sqrt(var(x))`` over ``axis``; gradient ``nan`` where it is 0."""
    from ember.ops.unary import sqrt

    return sqrt(var(x, axis, keepdims))


def norm(x, ord=None, axis=None, keepdims: bool = False) -> Tensor:
    """Vector p-norm (or Frobenius norm over two axes) like ``numpy.linalg.norm`` / ``keras.ops.norm``.

    Args:
        x: float tensor.
        ord: ``None``/``2``/``'fro'`` (Euclidean), ``1``, ``inf``, ``-inf``, or another
            number ``p`` for ``sum(|x|**p)**(1/p)``. Defaults to ``None``.
        axis: ``None`` (all elements), an int, or a pair of ints (Frobenius only). Defaults to ``None``.
        keepdims: keep reduced axes. Defaults to ``False``.

    Raises:
        ValueError: for a matrix norm other than Frobenius.
    """
    from ember.ops.unary import abs

    x, axis = _prep(x, axis)
    if axis is not None and len(axis) == 2 and ord not in (None, "fro"):
        raise ValueError(f"norm: only the Frobenius matrix norm is supported. Received: ord={ord!r}")
    if ord in (None, 2, "fro"):
        return Norm2.apply(x, axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axis, keepdims)
    if ord == float("inf"):
        return max(abs(x), axis, keepdims)
    if ord == float("-inf"):
        return min(abs(x), axis, keepdims)
    return sum(abs(x) ** float(ord), axis, keepdims) ** (1.0 / float(ord))


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Indices of the maxima along ``axis`` (flattened when None); int64, the first of ties, no gradient."""
    x = as_tensor(x)
    return host_op(method_call, x, method="argmax", axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Indices of the minima along ``axis`` (flattened when None); int64, the first of ties, no gradient."""
    x = as_tensor(x)
    return host_op(method_call, x, method="argmin", axis=axis, keepdims=keepdims)
