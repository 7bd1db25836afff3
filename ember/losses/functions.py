"""Loss functions (Keras 3 formulas). Each returns per-sample losses, reduced over the last axis.

Probability inputs are clipped to ``[epsilon, 1 - epsilon]`` (``epsilon = 1e-7``)
before the log, exactly as Keras does; ``from_logits=True`` uses ember's fused,
stable kernels instead.
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.ops._convert import as_tensor
from ember.ops.labels import sparse_labels, take_along_last

EPSILON = 1e-7


def _clip(x: Tensor, lo: float, hi: float) -> Tensor:
    return ops.minimum(ops.maximum(x, lo), hi)


def mean_squared_error(y_true, y_pred) -> Tensor:
    """``mean((y_true - y_pred)**2, axis=-1)``; shapes ``(batch, ..., d)`` → ``(batch, ...)``."""
    y_pred = as_tensor(y_pred)
    diff = y_pred - as_tensor(y_true, y_pred)
    return ops.mean(diff * diff, axis=-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``."""
    y_pred = as_tensor(y_pred)
    return ops.mean(ops.abs(y_pred - as_tensor(y_true, y_pred)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis=-1):
    """``mean(-(y log p + (1 - y) log(1 - p)), axis)``.

    Args:
        y_true: targets in ``[0, 1]``, same shape as ``y_pred``.
        y_pred: probabilities, or logits when ``from_logits``.
        from_logits: use the stable logits form
            ``max(z, 0) - z*y + log1p(exp(-|z|))``. Defaults to ``False``.
        label_smoothing: squeeze targets towards 0.5 by this amount. Defaults to ``0.0``.
        axis: axis to average over. Defaults to ``-1``.

    Returns:
        Per-sample losses in nats, shape ``y_pred.shape`` without ``axis``.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return ops.mean(ops.sigmoid_cross_entropy(y_true, y_pred), axis=axis)
    p = _clip(y_pred, EPSILON, 1.0 - EPSILON)
    bce = y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)
    return -ops.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis=-1):
    """``-sum(y_true * log(y_pred), axis)`` for one-hot (or soft) targets.

    Args:
        y_true: targets, shape ``(batch, ..., classes)``.
        y_pred: probabilities (normalised to sum 1, then clipped) or logits.
        from_logits: use a fused, stable log-softmax. Defaults to ``False``.
        label_smoothing: mix targets with the uniform distribution. Defaults to ``0.0``.
        axis: class axis. Defaults to ``-1``.

    Returns:
        Per-sample losses in nats, shape ``(batch, ...)``.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        return ops.softmax_cross_entropy(y_true, y_pred, axis=axis)
    p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    p = _clip(p, EPSILON, 1.0 - EPSILON)
    return -ops.sum(y_true * ops.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis=-1):
    """Categorical cross-entropy with integer targets: ``-log p[y_true]``.

    Args:
        y_true: integer class indices, shape ``(batch, ...)`` (a trailing axis of size 1 is allowed).
        y_pred: ``(batch, ..., classes)`` probabilities or logits.
        from_logits: use the fused ``logsumexp(z) - z[y]``. Defaults to ``False``.
        axis: must be ``-1``.

    Returns:
        Per-sample losses in nats, shape ``(batch, ...)``.

    Raises:
        ValueError: for labels outside ``[0, classes)`` or non-integer labels
            (never a silent NaN or zero loss).
    """
    y_pred = as_tensor(y_pred)
    labels = y_true.data if isinstance(y_true, Tensor) else y_true
    labels = sparse_labels(labels, y_pred.shape, "sparse_categorical_crossentropy")
    if from_logits:
        return ops.sparse_softmax_cross_entropy(labels, y_pred)
    p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    logp = ops.log(_clip(p, EPSILON, 1.0 - EPSILON))
    return -take_along_last(logp, labels)
