"""Cross-entropy losses (Keras 3 formulas), per sample.

Probability inputs are clipped to ``[eps, 1 - eps]`` (``eps = 1e-7``) before
the log, exactly as Keras does. ``from_logits=True`` never forms a
probability first: it uses the fused, stable kernels
``max(z, 0) - z y + log1p(exp(-|z|))`` and ``logsumexp(z) - z[y]``, so
logits of any size give finite losses and gradients (RELIABILITY B1/B2).
Source: keras/src/losses/losses.py; Lin et al., "Focal Loss for Dense
Object Detection" (ICCV 2017).
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.losses.loss import align
from ember.ops._convert import as_tensor
from ember.ops.host import host_op
from ember.ops.labels import sparse_labels, take_along_last

EPSILON = 1e-7


def _softmax_ce(kernel, target, logits: Tensor, **kwargs) -> Tensor:
    """Run a fused softmax cross-entropy kernel, in float64 for float32/float16 logits.

    NOTE: a loss of 1e-10 comes from ``exp(z_j - z_k)``; with ``|z| ~ 1e3`` the
    float32 difference is rounded by up to 6e-5, a 1e-6 relative error in the
    loss. The float64 difference of two float32 numbers is exact, so computing
    the (batch, classes)-sized kernel in float64 meets RELIABILITY B1 (rtol 1e-6).
    """
    if logits.dtype.itemsize >= 8 or logits.dtype.kind != "f":
        return kernel(target, logits, **kwargs)
    return ops.cast(kernel(target, ops.cast(logits, "float64"), **kwargs), logits.dtype)


def _clip(x: Tensor) -> Tensor:
    return ops.clip(x, EPSILON, 1.0 - EPSILON)


def _bce_terms(t: Tensor, p: Tensor, from_logits: bool) -> Tensor:
    """Elementwise binary cross-entropy of targets ``t`` against probabilities or logits ``p``."""
    if from_logits:
        return ops.sigmoid_cross_entropy(t, p)
    p = _clip(p)
    return -(t * ops.log(p) + (1.0 - t) * ops.log(1.0 - p))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis=-1):
    """``mean(-(y log p + (1 - y) log(1 - p)), axis)``.

    Args:
        y_true: targets in ``[0, 1]``, shape ``(batch, ..., d)``.
        y_pred: probabilities, or logits when ``from_logits``; same shape.
        from_logits: use the stable logits form. Defaults to ``False``.
        label_smoothing: targets become ``y (1 - s) + 0.5 s``. Defaults to ``0.0``.
        axis: axis to average over. Defaults to ``-1``.

    Returns:
        Per-sample losses in nats, shape ``y_pred.shape`` without ``axis``.

    Example:
        >>> float(binary_crossentropy([1.0], [-100.0], from_logits=True).item())
        100.0
    """
    t, p = align(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(_bce_terms(t, p, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis=-1):  # fmt: skip
    """Binary cross-entropy down-weighted on easy examples: ``mean((1 - p_t)**gamma * bce, axis)``.

    ``p_t = y p + (1 - y)(1 - p)``; with class balancing each term is also
    weighted by ``alpha y + (1 - alpha)(1 - y)``.

    Args:
        y_true: targets in ``[0, 1]``.
        y_pred: probabilities, or logits when ``from_logits``.
        apply_class_balancing: Defaults to ``False``.
        alpha: weight of the positive class. Defaults to ``0.25``.
        gamma: focusing parameter; ``0`` gives binary cross-entropy. Defaults to ``2.0``.
        from_logits: Defaults to ``False``. NOTE: Keras applies a sigmoid and
            then the clipped probability formula; ember keeps the stable logits
            form for the cross-entropy term (equal for ``|z| < 15``, finite beyond).
        label_smoothing: Defaults to ``0.0``.
        axis: Defaults to ``-1``.
    """
    t, p = align(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    bce = _bce_terms(t, p, from_logits)
    prob = ops.sigmoid(p) if from_logits else p
    p_t = t * prob + (1.0 - t) * (1.0 - prob)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (t * alpha + (1.0 - t) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def _smooth_categorical(t: Tensor, label_smoothing: float, axis) -> Tensor:
    return t * (1.0 - label_smoothing) + label_smoothing / t.shape[axis] if label_smoothing else t


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis=-1):
    """``-sum(y_true * log(y_pred), axis)`` for one-hot (or soft) targets.

    Args:
        y_true: targets, shape ``(batch, ..., classes)``.
        y_pred: probabilities (normalised to sum 1, then clipped) or logits.
        from_logits: use a fused, stable log-softmax. Defaults to ``False``.
        label_smoothing: targets become ``y (1 - s) + s / classes``. Defaults to ``0.0``.
        axis: class axis. Defaults to ``-1``.

    Returns:
        Per-sample losses in nats, shape ``(batch, ...)``.

    Raises:
        ValueError: for targets that look like integer labels, suggesting the sparse loss.
    """
    t, p = align(y_true, y_pred, "categorical_crossentropy")
    t = _smooth_categorical(t, label_smoothing, axis)
    if from_logits:
        return _softmax_ce(ops.softmax_cross_entropy, t, p, axis=axis)
    p = _clip(p / ops.sum(p, axis=axis, keepdims=True))
    return -ops.sum(t * ops.log(p), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis=-1):  # fmt: skip
    """``sum(-alpha (1 - p)**gamma y log p, axis)`` with one-hot targets.

    Args:
        y_true: targets, shape ``(batch, ..., classes)``.
        y_pred: probabilities or logits.
        alpha: weighting factor. Defaults to ``0.25``.
        gamma: focusing parameter. Defaults to ``2.0``.
        from_logits: Defaults to ``False``. With logits, ``log p`` comes from a
            stable log-softmax rather than a clipped softmax (Keras clips).
        label_smoothing: Defaults to ``0.0``.
        axis: class axis. Defaults to ``-1``.
    """
    t, p = align(y_true, y_pred, "categorical_focal_crossentropy")
    t = _smooth_categorical(t, label_smoothing, axis)
    if from_logits:
        log_p = ops.log_softmax(p, axis=axis)
        p = ops.exp(log_p)
    else:
        p = _clip(p / ops.sum(p, axis=axis, keepdims=True))
        log_p = ops.log(p)
    return ops.sum(ops.power(1.0 - p, gamma) * alpha * -(t * log_p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer targets: ``-log p[y_true]``.

    Args:
        y_true: integer class indices, shape ``(batch, ...)`` (a trailing axis of size 1 is allowed).
        y_pred: ``(batch, ..., classes)`` probabilities or logits.
        from_logits: use the fused ``logsumexp(z) - z[y]``. Defaults to ``False``.
        ignore_class: a label value whose entries get loss 0 (e.g. padding). Defaults to ``None``.
        axis: must be ``-1``.

    Returns:
        Per-sample losses in nats, shape ``(batch, ...)``.

    Raises:
        ValueError: for labels outside ``[0, classes)`` (other than ``ignore_class``),
            non-integer labels, or one-hot targets (never a silent NaN or zero loss).
    """
    y_pred = as_tensor(y_pred)
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported. Received: axis={axis}")
    labels = y_true if isinstance(y_true, Tensor) else Tensor(y_true)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(labels, ignore_class)
        labels = ops.where(valid, labels, 0)
    # a host op: graph mode re-checks each batch's labels at every replay
    labels = host_op(sparse_labels, labels, pred_shape=y_pred.shape, fn="sparse_categorical_crossentropy")
    if from_logits:
        loss = _softmax_ce(ops.sparse_softmax_cross_entropy, labels, y_pred)
    else:
        logp = ops.log(_clip(y_pred / ops.sum(y_pred, axis=-1, keepdims=True)))
        loss = -take_along_last(logp, labels)
    if valid is not None:
        loss = loss * ops.reshape(ops.cast(valid, loss.dtype), loss.shape)
    return loss
