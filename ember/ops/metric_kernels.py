"""Array kernels behind the metrics: per-sample scores and running sums, no gradients.

Each takes Tensors or arrays and returns backend arrays or Python floats.
Shapes follow Keras's ``squeeze_or_expand_to_same_rank``: a trailing axis of 1
on either side is added to a rank-1 operand or dropped from the other.
Source: keras/src/metrics (Keras 3).
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor


def raw(x):
    """The array inside a Tensor, or ``x`` as a backend array."""
    return x.data if isinstance(x, Tensor) else backend.asarray(x)


def align(t, p):
    """``(t, p)`` with equal rank: a trailing unit axis is added to a rank-1 operand or dropped from the other."""
    if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        return (t, p[..., None]) if p.ndim == 1 else (t[..., 0], p)
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        return (t[..., None], p) if t.ndim == 1 else (t, p[..., 0])
    return t, p


def _mean_last(x):
    """Per-sample scores: the mean over the last axis, except for rank-1 input (one value per sample)."""
    return x.mean(axis=-1) if x.ndim > 1 else x


def accuracy(y_true, y_pred):
    """``mean(y_true == y_pred, axis=-1)`` as float32 (exact matches)."""
    t, p = align(raw(y_true), raw(y_pred))
    return _mean_last((t == p).astype("float32"))


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """``mean(y_true == (y_pred > threshold), axis=-1)`` as float32 (targets compared exactly, as Keras)."""
    t, p = align(raw(y_true), raw(y_pred))
    return _mean_last((t == (p > threshold).astype(t.dtype)).astype("float32"))


def categorical_accuracy(y_true, y_pred):
    """``argmax(y_true) == argmax(y_pred)`` per sample, as float32."""
    t, p = raw(y_true), raw(y_pred)
    return (t.argmax(axis=-1) == p.argmax(axis=-1)).astype("float32")


def _sparse_targets(t, p):
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    return t.astype("int64")


def sparse_categorical_accuracy(y_true, y_pred):
    """``y_true == argmax(y_pred)`` per sample (a trailing label axis of 1 is dropped), as float32."""
    t, p = raw(y_true), raw(y_pred)
    return (_sparse_targets(t, p) == p.argmax(axis=-1)).astype("float32")


def in_top_k(targets, predictions, k: int):
    """Whether each target's score is among the ``k`` largest of its row (ties count as in, as Keras's NumPy does)."""
    xp = backend.namespace(predictions)
    k = min(k, predictions.shape[-1])
    kth = -xp.partition(-predictions, k - 1, axis=-1)[..., k - 1]
    picked = xp.take_along_axis(predictions, targets[..., None], axis=-1)[..., 0]
    return picked >= kth


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """Whether ``argmax(y_true)`` is among the top ``k`` predictions, per sample, as float32."""
    t, p = raw(y_true), raw(y_pred)
    return in_top_k(t.argmax(axis=-1), p, k).astype("float32")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids: bool = False):
    """Whether the integer target is among the top ``k`` predictions (or the first ``k`` sorted ids), as float32."""
    t, p = raw(y_true), raw(y_pred)
    t = _sparse_targets(t, p)
    if from_sorted_ids:
        return (p[..., :k] == t[..., None]).any(axis=-1).astype("float32")
    return in_top_k(t, p, k).astype("float32")


def squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)**2, axis=-1)``."""
    t, p = align(raw(y_true), raw(y_pred))
    d = p - t
    return _mean_last(d * d)


def absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``."""
    t, p = align(raw(y_true), raw(y_pred))
    return _mean_last(backend.namespace(p).abs(p - t))


def absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, 1e-7)|, axis=-1)`` (Keras's MAPE; epsilon = Keras's 1e-7)."""
    t, p = align(raw(y_true), raw(y_pred))
    xp = backend.namespace(p)
    return _mean_last(xp.abs((t - p) / xp.maximum(xp.abs(t), 1e-7))) * 100.0


def weighted_sum_and_count(values, sample_weight=None) -> tuple[float, float]:
    """``(sum(values * w), sum(w))`` as Python floats; ``w`` = 1 when not given, broadcast over trailing axes."""
    v = raw(values)
    if sample_weight is None:
        return float(v.sum()), float(v.size)
    w = raw(sample_weight).astype(v.dtype)
    if w.ndim > v.ndim and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    w = backend.namespace(v).broadcast_to(w.reshape(w.shape + (1,) * (v.ndim - w.ndim)), v.shape)
    return float((v * w).sum()), float(w.sum())


def weighted_sum(values, sample_weight=None) -> float:
    """``sum(values * w)`` as a Python float (Keras's ``Sum``)."""
    return weighted_sum_and_count(values, sample_weight)[0]


def r2_sums(y_true, y_pred, sample_weight=None):
    """Per-output running sums for R²: ``(sum w y, sum w y², sum w (y - p)², sum w)``, each shape ``(outputs,)``.

    Raises:
        ValueError: unless targets and predictions are ``(batch,)`` or ``(batch, outputs)`` of the same shape.
    """
    t, p = align(raw(y_true), raw(y_pred))
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    if t.shape != p.shape or t.ndim != 2:
        raise ValueError("R2Score expects y_true and y_pred of shape (batch, outputs). "
                         f"Received: y_true.shape={t.shape}, y_pred.shape={p.shape}")  # fmt: skip
    t, p = t.astype("float64"), p.astype("float64")
    xp = backend.namespace(t)
    w = xp.ones((t.shape[0], 1)) if sample_weight is None else raw(sample_weight).astype("float64").reshape(-1, 1)
    w = xp.broadcast_to(w, t.shape)
    return (w * t).sum(0), (w * t * t).sum(0), (w * (t - p) ** 2).sum(0), w.sum(0)


def r2_score(sums, class_aggregation: str, num_regressors: int):
    """R² from :func:`r2_sums` totals: ``1 - SS_res / SS_tot`` per output, then aggregated as Keras does."""
    s, sq, res, n = sums
    xp = backend.namespace(s)
    mean = s / n
    total = sq - s * mean
    with backend.errstate(xp, divide="ignore", invalid="ignore"):
        raw_scores = 1 - res / total
    raw_scores = xp.where(xp.isinf(raw_scores), 0.0, raw_scores)
    if class_aggregation == "uniform_average":
        r2 = raw_scores.mean()
    elif class_aggregation == "variance_weighted_average":
        r2 = (total * raw_scores).sum() / total.sum()
    else:
        r2 = raw_scores
    count = float(n[0]) if n.size else 0.0
    if num_regressors and num_regressors < count - 1:
        r2 = 1 - (1 - r2) * (count - 1) / (count - num_regressors - 1)
    return float(r2) if getattr(r2, "ndim", 0) == 0 else r2


def confusion_matrix(y_true, y_pred, num_classes=None, weights=None, dtype="int32"):
    """``m[i, j]`` = (weighted) count of samples with true class ``i`` predicted as ``j``.

    Args:
        y_true: integer labels ``(n,)``.
        y_pred: integer predictions ``(n,)``, or scores ``(n, classes)`` (their argmax is used).
        num_classes: matrix size. Defaults to ``max(label, prediction) + 1``.
        weights: per-sample weights ``(n,)``, or ``None``.
        dtype: result dtype. Defaults to ``'int32'``.

    Raises:
        ValueError: for mismatched lengths or labels outside ``[0, num_classes)``.
    """
    t, p = raw(y_true), raw(y_pred)
    if p.ndim == t.ndim + 1 and p.ndim > 1:
        p = p.argmax(axis=-1)
    t, p = t.reshape(-1), p.reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: y_true and y_pred must have the same length. "
                         f"Received: {t.shape[0]} and {p.shape[0]}")  # fmt: skip
    xp = backend.namespace(t)
    t, p = t.astype("int64"), p.astype("int64")
    n = int(max(t.max(initial=-1), p.max(initial=-1))) + 1 if num_classes is None else int(num_classes)
    lo, hi = int(min(t.min(initial=0), p.min(initial=0))), int(max(t.max(initial=0), p.max(initial=0)))
    if lo < 0 or hi >= max(n, 1):
        raise ValueError(f"confusion_matrix: labels and predictions must lie in [0, {n}). "
                         f"Received: values in [{lo}, {hi}]")  # fmt: skip
    w = None if weights is None else raw(weights).reshape(-1).astype("float64")
    counts = xp.bincount(t * n + p, weights=w, minlength=n * n)
    return counts.reshape(n, n).astype(dtype)
