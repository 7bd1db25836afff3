"""Regression, similarity and hinge losses (Keras 3 formulas), per sample: the last axis is reduced.

Every function takes ``y_true`` and ``y_pred`` of shape ``(batch, ..., d)``
(a trailing axis of 1 may be missing on either side) and returns per-sample
losses of shape ``(batch, ...)`` in ``y_pred``'s float dtype.
``EPSILON = 1e-7`` is Keras's ``backend.epsilon()``.
Source: keras/src/losses/losses.py.
"""

from __future__ import annotations

import math

from ember import ops
from ember.autograd import Tensor
from ember.losses.loss import align

EPSILON = 1e-7


def mean_squared_error(y_true, y_pred) -> Tensor:
    """``mean((y_true - y_pred)**2, axis=-1)``.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy().tolist()
        [0.5]
    """
    t, p = align(y_true, y_pred, "mean_squared_error")
    return ops.mean(ops.square(p - t), axis=-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``."""
    t, p = align(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(p - t), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)``."""
    t, p = align(y_true, y_pred, "mean_absolute_percentage_error")
    return ops.mean(ops.abs((t - p) / ops.maximum(ops.abs(t), EPSILON)), axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)``."""
    t, p = align(y_true, y_pred, "mean_squared_logarithmic_error")
    diff = ops.log1p(ops.maximum(p, EPSILON)) - ops.log1p(ops.maximum(t, EPSILON))
    return ops.mean(ops.square(diff), axis=-1)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """``mean(0.5 e**2 if |e| <= delta else delta |e| - 0.5 delta**2, axis=-1)`` with ``e = y_pred - y_true``.

    Args:
        delta: where the loss turns from quadratic to linear. Defaults to ``1.0``.

    Source: Huber, "Robust Estimation of a Location Parameter" (1964).
    """
    t, p = align(y_true, y_pred, "huber_loss")
    abs_error = ops.abs(p - t)
    # 0.5 q**2 + delta (|e| - q) with q = min(|e|, delta) is Keras's piecewise form without squaring huge errors
    q = ops.minimum(abs_error, delta)
    return ops.mean(ops.square(q) * 0.5 + (abs_error - q) * delta, axis=-1)


def log_cosh(y_true, y_pred) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, as ``x + softplus(-2x) - log 2`` (no overflow)."""
    t, p = align(y_true, y_pred, "log_cosh")
    x = p - t
    return ops.mean(x + ops.softplus(x * -2.0) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for parallel vectors, 0 orthogonal.

    ``l2_normalize(x) = x / max(||x||, eps)`` as Keras's ``ops.normalize``.

    Args:
        axis: the vector axis. Defaults to ``-1``.
    """
    t, p = align(y_true, y_pred, "cosine_similarity")
    return -ops.sum(_l2_normalize(t, axis) * _l2_normalize(p, axis), axis=axis)


def _l2_normalize(x: Tensor, axis) -> Tensor:
    # rsqrt of a clamped square sum: a zero vector gets a finite gradient (sqrt's would be infinite).
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), EPSILON**2))


def _hinge_labels(t: Tensor) -> Tensor:
    """Keras's ``convert_binary_labels_to_hinge``: labels all in {0, 1} become {-1, 1}; others are kept."""
    binary = ops.all(ops.logical_or(ops.equal(t, 0.0), ops.equal(t, 1.0)))
    return t * 2.0 - 1.0 if bool(binary.item()) else t


def hinge(y_true, y_pred) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; labels in {0, 1} are mapped to {-1, 1} first."""
    t, p = align(y_true, y_pred, "hinge")
    return ops.mean(ops.relu(1.0 - _hinge_labels(t) * p), axis=-1)


def squared_hinge(y_true, y_pred) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)``; labels in {0, 1} are mapped to {-1, 1} first."""
    t, p = align(y_true, y_pred, "squared_hinge")
    return ops.mean(ops.square(ops.relu(1.0 - _hinge_labels(t) * p)), axis=-1)


def categorical_hinge(y_true, y_pred) -> Tensor:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the class axis (one-hot targets).

    Source: Crammer & Singer, "On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines" (2001).
    """
    t, p = align(y_true, y_pred, "categorical_hinge")
    pos = ops.sum(t * p, axis=-1)
    neg = ops.max((1.0 - t) * p, axis=-1)
    return ops.relu(neg - pos + 1.0)


def poisson(y_true, y_pred) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)`` (Poisson negative log-likelihood up to a constant)."""
    t, p = align(y_true, y_pred, "poisson")
    return ops.mean(p - t * ops.log(p + EPSILON), axis=-1)


def kl_divergence(y_true, y_pred) -> Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    t, p = align(y_true, y_pred, "kl_divergence")
    t, p = ops.clip(t, EPSILON, 1.0), ops.clip(p, EPSILON, 1.0)
    return ops.sum(t * (ops.log(t) - ops.log(p)), axis=-1)
