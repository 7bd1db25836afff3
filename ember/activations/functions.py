"""Keras 3's activation functions with Keras's signatures and defaults (``keras.activations.relu``, ...).

Most are the ops of the same name; ``relu`` and ``gelu`` take Keras's extra arguments and defaults
(``keras.activations.gelu`` is the exact GELU, ``approximate=False``, unlike ``keras.ops.gelu``).
Source: keras/src/activations/activations.py.
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor


def relu(x, negative_slope: float = 0.0, max_value=None, threshold: float = 0.0):
    """``max(x, 0)``, generalised: ``negative_slope * (x - threshold)`` below ``threshold``, capped at ``max_value``.

    Args:
        x: tensor.
        negative_slope: slope below the threshold. Defaults to ``0.0``.
        max_value: saturation value. Defaults to ``None`` (none).
        threshold: where the function switches. Defaults to ``0.0``.

    Example:
        >>> import ember
        >>> ember.activations.relu(ember.tensor([-2.0, 1.0, 9.0]), negative_slope=0.5, max_value=6.0).tolist()
        [-1.0, 1.0, 6.0]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    below = (x - threshold) * negative_slope if negative_slope else ops.zeros_like(x)
    out = ops.where(x > threshold, x, below)
    return out if max_value is None else ops.minimum(out, float(max_value))


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit, ``x * Phi(x)``; Keras's activation defaults to the exact form.

    Example:
        >>> import ember
        >>> round(ember.activations.gelu(ember.tensor([1.0])).item(), 4)
        0.8413
    """
    return ops.gelu(x, approximate=approximate)


def leaky_relu(x, negative_slope: float = 0.2):
    """``x`` if ``x > 0`` else ``negative_slope * x``. Defaults to ``0.2`` (Keras)."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def softmax(x, axis: int = -1):
    """``exp(x) / sum(exp(x), axis)``. ``axis`` defaults to ``-1``."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis: int = -1):
    """``x - logsumexp(x, axis)``. ``axis`` defaults to ``-1``."""
    return ops.log_softmax(x, axis=axis)


def elu(x, alpha: float = 1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``. ``alpha`` defaults to ``1.0``."""
    return ops.elu(x, alpha=alpha)
