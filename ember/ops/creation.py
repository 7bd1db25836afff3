"""Tensor creation: arange, zeros, ones, full, eye, and the ``*_like`` variants.

Results are leaves (``requires_grad=False``) on the active backend. The float
default is ``ember.config.floatx()``; ``arange`` of ints gives int64, as NumPy.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor


def _dtype(dtype):
    return backend.floatx() if dtype is None else dtype


def _shape(shape):
    return (int(shape),) if isinstance(shape, int) else tuple(int(n) for n in shape)


def _like_array(x):
    return x.data if isinstance(x, Tensor) else backend.asarray(x)


def zeros(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with 0. ``dtype`` defaults to ``floatx()`` (float32).

    Example:
        >>> import ember
        >>> ember.ops.zeros((2, 3)).dtype
        dtype('float32')
    """
    return Tensor._wrap(backend.xp().zeros(_shape(shape), dtype=_dtype(dtype)))


def ones(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with 1. ``dtype`` defaults to ``floatx()``."""
    return Tensor._wrap(backend.xp().ones(_shape(shape), dtype=_dtype(dtype)))


def full(shape, fill_value, dtype=None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``. ``dtype`` defaults to ``floatx()``."""
    return Tensor._wrap(backend.xp().full(_shape(shape), fill_value, dtype=_dtype(dtype)))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> Tensor:
    """``(N, M)`` matrix with ones on diagonal ``k`` and zeros elsewhere. ``M`` defaults to ``N``."""
    return Tensor._wrap(backend.xp().eye(N, M, k=k, dtype=_dtype(dtype)))


identity = eye


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` (``numpy.arange``).

    ``dtype`` defaults to int64 when all arguments are ints, else ``floatx()``.
    """
    if stop is None:
        start, stop = 0, start
    if dtype is None and not all(isinstance(v, int) for v in (start, stop, step)):
        dtype = backend.floatx()
    return Tensor._wrap(backend.xp().arange(start, stop, step, dtype=dtype))


def zeros_like(x, dtype=None) -> Tensor:
    """Zeros with ``x``'s shape (and dtype unless ``dtype`` is given), on ``x``'s backend."""
    a = _like_array(x)
    return Tensor._wrap(backend.namespace(a).zeros_like(a, dtype=dtype))


def ones_like(x, dtype=None) -> Tensor:
    """Ones with ``x``'s shape (and dtype unless ``dtype`` is given), on ``x``'s backend."""
    a = _like_array(x)
    return Tensor._wrap(backend.namespace(a).ones_like(a, dtype=dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    """``fill_value`` with ``x``'s shape (and dtype unless ``dtype`` is given)."""
    a = _like_array(x)
    return Tensor._wrap(backend.namespace(a).full_like(a, fill_value, dtype=dtype))


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype``. Float-to-float casts are differentiable (the gradient is cast back);
    casts to int or bool cut the graph."""
    from ember.ops.device import Cast

    x = x if isinstance(x, Tensor) else Tensor(x)
    return Cast.apply(x, dtype=dtype)
