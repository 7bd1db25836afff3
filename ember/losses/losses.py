"""Loss classes: a function plus a reduction over the batch (Keras 3 ``keras.losses.Loss``)."""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.losses import functions as F
from ember.ops._convert import as_tensor

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "none", None)


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` → reduced scalar Tensor.

    Args:
        name: defaults to the snake-case loss name.
        reduction: ``'sum_over_batch_size'`` (mean, Keras's default), ``'sum'``,
            ``'mean'`` or ``'none'``.

    Raises:
        ValueError: for an unknown reduction.
    """

    fn = None

    def __init__(self, name=None, reduction="sum_over_batch_size", **fn_kwargs):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}. Received: {reduction!r}")
        self.name = name or getattr(type(self).fn, "__name__", type(self).__name__.lower())
        self.reduction = reduction
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred) -> Tensor:
        """Per-sample losses."""
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        y_pred = as_tensor(y_pred)
        if not isinstance(self, SparseCategoricalCrossentropy):
            y_true = match_target(y_true, y_pred)
        values = self.call(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


def match_target(y_true, y_pred: Tensor) -> Tensor:
    """Targets as a Tensor of ``y_pred``'s float dtype, with a missing unit last axis added.

    Keras's ``squeeze_or_expand_to_same_rank``: labels ``(batch,)`` against
    predictions ``(batch, 1)`` become ``(batch, 1)`` rather than broadcasting to ``(batch, batch)``.
    """
    t = y_true if isinstance(y_true, Tensor) else Tensor(y_true)
    if t.dtype != y_pred.dtype and y_pred.dtype.kind == "f":
        t = t.astype(y_pred.dtype)
    if t.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        t = ops.reshape(t, t.shape + (1,))
    elif t.ndim == y_pred.ndim + 1 and t.shape[-1] == 1:
        t = ops.reshape(t, t.shape[:-1])
    return t


def reduce_values(values: Tensor, sample_weight=None, reduction="sum_over_batch_size") -> Tensor:
    """Weight per-sample ``values`` and reduce them as Keras does.

    ``sum_over_batch_size`` divides the weighted sum by the number of elements
    (not by the sum of weights), as Keras 3 does.
    """
    if sample_weight is not None:
        w = as_tensor(sample_weight, values)
        while w.ndim > values.ndim and w.shape[-1] == 1:
            w = ops.reshape(w, w.shape[:-1])
        values = values * w
    if reduction in ("none", None):
        return values
    if reduction == "sum":
        return ops.sum(values)
    return ops.mean(values) if values.size else ops.sum(values)


class MeanSquaredError(Loss):
    """Mean of squared errors, ``mean((y_true - y_pred)**2)`` (string ``'mse'``)."""

    fn = staticmethod(F.mean_squared_error)

    def __init__(self, name="mean_squared_error", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)


class MeanAbsoluteError(Loss):
    """Mean of absolute errors, ``mean(|y_true - y_pred|)`` (string ``'mae'``)."""

    fn = staticmethod(F.mean_absolute_error)

    def __init__(self, name="mean_absolute_error", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy; see :func:`~ember.losses.binary_crossentropy` for the formula and arguments."""

    fn = staticmethod(F.binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy"):  # fmt: skip
        super().__init__(name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)  # fmt: skip


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy with one-hot targets; see :func:`~ember.losses.categorical_crossentropy`."""

    fn = staticmethod(F.categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy"):  # fmt: skip
        super().__init__(name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)  # fmt: skip


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy with integer targets; see :func:`~ember.losses.sparse_categorical_crossentropy`."""

    fn = staticmethod(F.sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, reduction="sum_over_batch_size", name="sparse_categorical_crossentropy"):
        super().__init__(name=name, reduction=reduction, from_logits=from_logits)
