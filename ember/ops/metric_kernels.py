"""Array kernels behind the metrics: per-sample scores, no gradients."""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor


def raw(x):
    """The array inside a Tensor, or ``x`` as a backend array."""
    return x.data if isinstance(x, Tensor) else backend.asarray(x)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """``mean(y_true == (y_pred > threshold), axis=-1)`` as float32."""
    t, p = raw(y_true), raw(y_pred)
    if t.shape != p.shape and t.size == p.size:
        t = t.reshape(p.shape)
    return ((p > threshold) == (t > 0.5)).astype("float32").mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    """``argmax(y_true) == argmax(y_pred)`` per sample, as float32."""
    t, p = raw(y_true), raw(y_pred)
    return (t.argmax(axis=-1) == p.argmax(axis=-1)).astype("float32")


def sparse_categorical_accuracy(y_true, y_pred):
    """``y_true == argmax(y_pred)`` per sample (a trailing label axis of 1 is dropped), as float32."""
    t, p = raw(y_true), raw(y_pred)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    return (t.astype("int64") == p.argmax(axis=-1)).astype("float32")


def squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)**2, axis=-1)``."""
    t, p = raw(y_true), raw(y_pred)
    d = p - t.reshape(p.shape) if t.size == p.size else p - t
    return (d * d).mean(axis=-1)


def absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``."""
    t, p = raw(y_true), raw(y_pred)
    d = p - t.reshape(p.shape) if t.size == p.size else p - t
    return backend.namespace(d).abs(d).mean(axis=-1)


def weighted_sum_and_count(values, sample_weight=None) -> tuple[float, float]:
    """``(sum(values * w), sum(w))`` as Python floats (``w`` = 1 when not given)."""
    v = raw(values)
    if sample_weight is None:
        return float(v.sum()), float(v.size)
    w = raw(sample_weight).astype(v.dtype)
    w = backend.namespace(v).broadcast_to(w.reshape(w.shape + (1,) * (v.ndim - w.ndim)), v.shape)
    return float((v * w).sum()), float(w.sum())
