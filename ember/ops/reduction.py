"""Reductions: sum, mean, max, min over an axis (or all axes), with ``keepdims``."""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops._convert import as_tensor, normalize_axis


def _expand(g, in_shape, axis, keepdims):
    """Re-insert reduced axes into ``g`` so it broadcasts against the input."""
    if axis is None:
        return g.reshape((1,) * len(in_shape)) if not keepdims else g
    if not keepdims:
        g = backend.namespace(g).expand_dims(g, axis)
    return g


class Sum(Function):
    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, g):
        g = _expand(g, self.shape, self.axis, self.keepdims)
        return backend.namespace(g).broadcast_to(g, self.shape)


class Mean(Function):
    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = a.mean(axis=axis, keepdims=keepdims)
        self.count = a.size // out.size if out.size else 1
        return out

    def backward(self, g):
        g = _expand(g, self.shape, self.axis, self.keepdims) / g.dtype.type(self.count)
        return backend.namespace(g).broadcast_to(g, self.shape)


class Max(Function):
    # NOTE: ties share the gradient evenly (as NumPy-reference frameworks such as JAX do).
    def forward(self, a, axis=None, keepdims=False, op="max"):
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out = a.max(axis=axis, keepdims=True) if op == "max" else a.min(axis=axis, keepdims=True)
        return self.out if keepdims else self._squeeze(self.out)

    def _squeeze(self, out):
        if self.axis is None:
            return out.reshape(())
        return backend.namespace(out).squeeze(out, axis=self.axis)

    def backward(self, g):
        g = _expand(g, self.a.shape, self.axis, self.keepdims)
        mask = self.a == self.out
        count = mask.sum(axis=self.axis, keepdims=True)
        return (mask * (g / count)).astype(g.dtype)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Sum of elements over ``axis`` (int, tuple or None for all).

    Args:
        x: input tensor.
        axis: axis or axes to reduce. Defaults to ``None`` (all).
        keepdims: keep reduced axes with size 1. Defaults to ``False``.

    Raises:
        ValueError: if an axis is out of range.
    """
    x = as_tensor(x)
    return Sum.apply(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (see :func:`sum` for the arguments)."""
    x = as_tensor(x)
    return Mean.apply(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Maximum over ``axis``; the gradient is shared evenly among tied maxima.

    Raises:
        ValueError: if an axis is out of range or the reduction is over zero elements.
    """
    x = as_tensor(x)
    if x.size == 0:
        raise ValueError(f"max: cannot reduce an empty tensor. Received: shape={x.shape}")
    return Max.apply(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims, op="max")


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """Minimum over ``axis``; the gradient is shared evenly among tied minima."""
    x = as_tensor(x)
    if x.size == 0:
        raise ValueError(f"min: cannot reduce an empty tensor. Received: shape={x.shape}")
    return Max.apply(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims, op="min")


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Indices of the maxima along ``axis`` (int64; no gradient)."""
    x = as_tensor(x)
    return Tensor._wrap(x.data.argmax(axis=axis, keepdims=keepdims))


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Indices of the minima along ``axis`` (int64; no gradient)."""
    x = as_tensor(x)
    return Tensor._wrap(x.data.argmin(axis=axis, keepdims=keepdims))
