"""Array kernels behind the threshold metrics (Precision, Recall, TP/FP/TN/FN, AUC, F-beta).

Counts are accumulated in float64 backend arrays of shape ``(thresholds,)`` or
``(thresholds, labels)``; a prediction is positive when it is strictly above a
threshold, and a label is positive when it is non-zero, as in Keras's
``metrics_utils.update_confusion_matrix_variables``.
Source: keras/src/metrics/confusion_metrics.py, keras/src/metrics/metrics_utils.py.
"""

from __future__ import annotations

from ember import backend
from ember.ops.metric_kernels import align, raw

NEG_INF = -1e10  # Keras's stand-in for -inf when masking all but the top-k predictions


def zeros(*shape):
    """A float64 zero array for running counts."""
    return backend.xp().zeros(shape, dtype="float64")


def prepare(y_true, y_pred, class_id=None, top_k=None):
    """Targets and predictions as float64 arrays of equal shape, optionally masked to the top ``k`` and one class."""
    t, p = align(raw(y_true), raw(y_pred))
    t, p = t.astype("float64"), p.astype("float64")
    if t.shape != p.shape:
        raise ValueError(f"Threshold metrics expect y_true and y_pred of the same shape. "
                         f"Received: y_true.shape={t.shape}, y_pred.shape={p.shape}")  # fmt: skip
    if top_k is not None:
        xp = backend.namespace(p)
        kth = -xp.partition(-p, top_k - 1, axis=-1)[..., top_k - 1 : top_k]
        p = xp.where(p >= kth, p, NEG_INF)
    if class_id is not None:
        t, p = t[..., class_id], p[..., class_id]
    return t, p


def confusion_counts(t, p, thresholds, sample_weight=None, multi_label: bool = False):
    """Weighted ``(tp, fp, tn, fn)`` counts at each threshold (``p > threshold`` is a positive prediction).

    Args:
        t, p: float64 arrays of equal shape ``(batch, ...)`` (from :func:`prepare`).
        thresholds: increasing 1-D array.
        sample_weight: ``(batch,)`` or broadcastable to ``t``, or ``None``.
        multi_label: keep the last axis as labels: counts of shape ``(T, labels)``; else all entries pool.

    Returns:
        Four float64 arrays of shape ``(T,)`` (or ``(T, labels)``).
    """
    xp = backend.namespace(p)
    w = xp.ones_like(p) if sample_weight is None else _broadcast_weight(raw(sample_weight), p)
    thresholds = xp.asarray(thresholds, dtype="float64")
    pos, neg = w * (t != 0), w * (t == 0)
    if not multi_label:
        p, pos, neg = p.reshape(-1, 1), pos.reshape(-1, 1), neg.reshape(-1, 1)
    else:
        p, pos, neg = p.reshape(-1, p.shape[-1]), pos.reshape(-1, p.shape[-1]), neg.reshape(-1, p.shape[-1])
    order = xp.argsort(p, axis=0, kind="stable")
    p_sorted = xp.take_along_axis(p, order, axis=0)
    split = xp.stack([xp.searchsorted(p_sorted[:, j], thresholds, side="right") for j in range(p.shape[1])], 1)
    # below[i] = weight of the i smallest predictions; counts above a threshold come from the top, so that
    # tp + fn and fp + tn are sums of disjoint sets (no cancellation: a count of 0 is exactly 0)
    zero = xp.zeros((1, p.shape[1]))
    pos_below = xp.concatenate([zero, xp.cumsum(xp.take_along_axis(pos, order, 0), 0)])
    neg_below = xp.concatenate([zero, xp.cumsum(xp.take_along_axis(neg, order, 0), 0)])
    pos_above = xp.concatenate([xp.cumsum(xp.take_along_axis(pos, order, 0)[::-1], 0)[::-1], zero])
    neg_above = xp.concatenate([xp.cumsum(xp.take_along_axis(neg, order, 0)[::-1], 0)[::-1], zero])
    tp, fp = xp.take_along_axis(pos_above, split, 0), xp.take_along_axis(neg_above, split, 0)
    fn, tn = xp.take_along_axis(pos_below, split, 0), xp.take_along_axis(neg_below, split, 0)
    if not multi_label:
        tp, fp, tn, fn = tp[:, 0], fp[:, 0], tn[:, 0], fn[:, 0]
    return tp, fp, tn, fn


def _broadcast_weight(w, like):
    w = w.astype("float64")
    if w.ndim > like.ndim and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    return backend.namespace(like).broadcast_to(w.reshape(w.shape + (1,) * (like.ndim - w.ndim)), like.shape)


def divide_no_nan(a, b):
    """``a / b`` with 0 where ``b == 0``."""
    xp = backend.namespace(a)
    safe = xp.where(b == 0, 1.0, b)
    return xp.where(b == 0, 0.0, a / safe)


def auc(tp, fp, tn, fn, curve: str = "ROC", summation_method: str = "interpolation", label_weights=None):
    """Riemann sum of the ROC or PR curve over the thresholds (Keras's ``AUC.result``)."""
    if curve == "PR" and summation_method == "interpolation":
        return _reduce_labels(_interpolate_pr_auc(tp, fp, fn), label_weights)
    xp = backend.namespace(tp)
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        x, y = divide_no_nan(fp, fp + tn), recall
    else:
        x, y = recall, divide_no_nan(tp, tp + fp)
    if summation_method == "interpolation":
        heights = (y[:-1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = xp.minimum(y[:-1], y[1:])
    else:
        heights = xp.maximum(y[:-1], y[1:])
    return _reduce_labels((x[:-1] - x[1:]) * heights, label_weights)


def _interpolate_pr_auc(tp, fp, fn):
    """Davis & Goadrich (2006) interpolation of the precision-recall curve between thresholds."""
    xp = backend.namespace(tp)
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    prec_slope = divide_no_nan(dtp, xp.maximum(dp, 0))
    intercept = tp[1:] - prec_slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    safe_ratio = xp.where(both, divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
    with backend.errstate(xp, divide="ignore"):
        log_ratio = xp.log(xp.where(safe_ratio > 0, safe_ratio, 1.0))
    return divide_no_nan(prec_slope * (dtp + intercept * log_ratio), xp.maximum(tp[1:] + fn[1:], 0))


def _reduce_labels(terms, label_weights):
    by_label = terms.sum(axis=0)
    if by_label.ndim == 0:
        return float(by_label)
    if label_weights is None:
        return float(by_label.mean())
    lw = raw(label_weights).astype("float64")
    return float(divide_no_nan((by_label * lw).sum(), lw.sum()))


def fbeta_counts(y_true, y_pred, threshold=None, sample_weight=None, micro: bool = False):
    """Per-class ``(tp, fp, fn, support)`` sums for F-beta (or scalars when ``micro``).

    ``threshold=None`` marks each row's maximum as the positive prediction
    (ignoring rows of zeros); otherwise ``y_pred > threshold``.
    """
    t, p = raw(y_true).astype("float64"), raw(y_pred).astype("float64")
    if t.ndim != 2 or t.shape != p.shape:
        raise ValueError("F1Score/FBetaScore expect y_true and y_pred of shape (batch, classes). "
                         f"Received: y_true.shape={t.shape}, y_pred.shape={p.shape}")  # fmt: skip
    xp = backend.namespace(p)
    if threshold is None:
        pred = (p >= p.max(axis=-1, keepdims=True)) & (xp.abs(p) > 1e-9)
    else:
        pred = p > threshold
    pred = pred.astype("float64")
    w = 1.0 if sample_weight is None else raw(sample_weight).astype("float64").reshape(-1, 1)
    axis = None if micro else 0
    return ((pred * t * w).sum(axis), (pred * (1 - t) * w).sum(axis), ((1 - pred) * t * w).sum(axis),
            (t * w).sum(axis))  # fmt: skip


def fbeta_score(tp, fp, fn, support, beta: float, average):
    """F-beta from :func:`fbeta_counts` totals, with Keras's ``epsilon = 1e-7`` smoothing."""
    eps = 1e-7
    precision = tp / (tp + fp + eps)
    recall = tp / (tp + fn + eps)
    f = (1 + beta**2) * precision * recall / (beta**2 * precision + recall + eps)
    if average == "weighted":
        return float((f * support / (support.sum() + eps)).sum())
    if average is not None:
        return float(f.mean())
    return f


def sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow (for ``AUC(from_logits=True)``)."""
    return 0.5 * (1 + backend.namespace(x).tanh(0.5 * x))
