"""In-place optimizer kernels: each updates a parameter and its slots with preallocated buffers.

They live in ``ops`` because they are array code (STYLE.md rule 3); the
optimizer classes in :mod:`ember.optimizers` hold the state and call them.
No temporaries beyond the one ``scratch`` buffer per parameter.
"""

from __future__ import annotations

from ember import backend


def sgd_update(param, grad, lr: float, momentum_buf=None, momentum: float = 0.0, nesterov: bool = False, scratch=None):
    """Keras 3 SGD, in place.

    ``m = momentum * m - lr * g``; ``p += m`` (or ``p += momentum * m - lr * g`` with Nesterov);
    without momentum ``p -= lr * g``.
    """
    xp = backend.namespace(param)
    if momentum_buf is None or momentum == 0:
        xp.multiply(grad, lr, out=scratch)
        param -= scratch
        return
    momentum_buf *= momentum
    xp.multiply(grad, lr, out=scratch)
    momentum_buf -= scratch
    if nesterov:
        xp.multiply(momentum_buf, momentum, out=scratch)
        param += scratch
        xp.multiply(grad, lr, out=scratch)
        param -= scratch
    else:
        param += momentum_buf


def adam_update(param, grad, m, v, alpha: float, beta_1: float, beta_2: float, epsilon: float, scratch, v_hat=None):
    """Keras 3 Adam, in place (``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``).

    ``m += (g - m) * (1 - beta_1)``; ``v += (g*g - v) * (1 - beta_2)``;
    ``p -= alpha * m / (sqrt(v) + epsilon)``. With ``v_hat`` (AMSGrad) the
    running maximum of ``v`` replaces ``v`` in the denominator.
    """
    xp = backend.namespace(param)
    xp.subtract(grad, m, out=scratch)
    scratch *= 1 - beta_1
    m += scratch
    xp.multiply(grad, grad, out=scratch)
    scratch -= v
    scratch *= 1 - beta_2
    v += scratch
    if v_hat is not None:
        xp.maximum(v_hat, v, out=v_hat)
        xp.sqrt(v_hat, out=scratch)
    else:
        xp.sqrt(v, out=scratch)
    scratch += epsilon
    xp.divide(m, scratch, out=scratch)
    scratch *= alpha
    param -= scratch


def global_norm(arrays) -> float:
    """``sqrt(sum of squares)`` over all arrays, as a Python float."""
    total = 0.0
    for a in arrays:
        flat = a.reshape(-1)
        total += float(flat @ flat)
    return total**0.5


def clip_by_value(array, limit: float):
    """``clip(array, -limit, limit)`` as a new array."""
    return backend.namespace(array).clip(array, -limit, limit)


def scale(array, factor: float):
    """``array * factor`` as a new array."""
    return array * array.dtype.type(factor)


def decay(param, factor: float) -> None:
    """Decoupled weight decay in place: ``param -= param * factor``."""
    param -= param * param.dtype.type(factor)


def zeros_like(array):
    """A zero buffer like ``array`` (for optimizer slots)."""
    return backend.namespace(array).zeros_like(array)


def empty_like(array):
    """An uninitialised buffer like ``array`` (scratch space)."""
    return backend.namespace(array).empty_like(array)
