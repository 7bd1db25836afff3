"""The Loss base class, target/prediction shape alignment and Keras 3's reductions."""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.ops._convert import as_tensor

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
_CATEGORICAL = ("categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "kl_divergence")


def align(y_true, y_pred, fn: str) -> tuple[Tensor, Tensor]:
    """Targets and predictions as Tensors of the same shape (Keras's ``squeeze_or_expand_to_same_rank``).

    Targets take the predictions' float dtype; a trailing axis of 1 on either
    side is added to a rank-1 operand or else dropped from the other, so labels
    ``(batch,)`` meet predictions ``(batch, 1)`` rather than broadcasting to
    ``(batch, batch)``.

    Raises:
        ValueError: naming ``fn`` when the shapes still differ, with the likely fix.
    """
    y_pred = as_tensor(y_pred)
    t = y_true if isinstance(y_true, Tensor) else Tensor(y_true)
    if t.dtype != y_pred.dtype and y_pred.dtype.kind == "f":
        t = t.astype(y_pred.dtype)
    if t.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        if t.ndim == 1:
            t = ops.reshape(t, t.shape + (1,))
        else:
            y_pred = ops.reshape(y_pred, y_pred.shape[:-1])
    elif t.ndim == y_pred.ndim + 1 and t.shape[-1] == 1:
        if y_pred.ndim == 1:
            y_pred = ops.reshape(y_pred, y_pred.shape + (1,))
        else:
            t = ops.reshape(t, t.shape[:-1])
    if t.shape != y_pred.shape:
        raise ValueError(shape_mismatch_message(fn, t.shape, y_pred.shape))
    return t, y_pred


def shape_mismatch_message(fn: str, true_shape: tuple, pred_shape: tuple) -> str:
    """The error for targets that do not fit the predictions, with the likely fix."""
    msg = (f"{fn}: y_true and y_pred must have the same shape (up to a trailing axis of 1). "
           f"Received: y_true.shape={tuple(true_shape)}, y_pred.shape={tuple(pred_shape)}.")  # fmt: skip
    looks_sparse = len(true_shape) == len(pred_shape) - 1 or (len(true_shape) and true_shape[-1] == 1)
    if fn in _CATEGORICAL and looks_sparse and pred_shape[-1] > 1:
        return msg + (" The targets look like integer class labels: use loss='sparse_categorical_crossentropy', "
                      "or one-hot encode them with ember.utils.to_categorical(y).")  # fmt: skip
    return msg + (" Make the model output one value per target column (e.g. Dense(units=y_true.shape[-1])) "
                  "or reshape the targets.")  # fmt: skip


def reduce_values(values: Tensor, sample_weight=None, reduction="sum_over_batch_size") -> Tensor:
    """Weight per-sample ``values`` and reduce them as Keras 3 does.

    ``sample_weight`` of shape ``(batch,)`` (or any prefix of ``values.shape``)
    is broadcast over the trailing axes. ``'sum_over_batch_size'`` and
    ``'mean'`` divide the weighted sum by the number of elements (not by the
    sum of weights, as Keras 3 does); ``'mean_with_sample_weight'`` divides by
    the sum of weights; ``'sum'`` sums; ``'none'`` returns the weighted values.
    """
    weights = None
    if sample_weight is not None:
        weights = as_tensor(sample_weight, values)
        if weights.dtype != values.dtype:
            weights = weights.astype(values.dtype)
        while weights.ndim > values.ndim and weights.shape[-1] == 1:
            weights = ops.reshape(weights, weights.shape[:-1])
        if weights.ndim < values.ndim:
            weights = ops.reshape(weights, weights.shape + (1,) * (values.ndim - weights.ndim))
        values = values * weights
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum" or values.size == 0:
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        count = ops.sum(ops.broadcast_to(weights, values.shape))
        return total / ops.maximum(count, 1e-7)
    return total / float(values.size)


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` → reduced scalar Tensor.

    Subclasses set ``fn`` (a per-sample loss function) and pass its keyword
    arguments to ``__init__``.

    Args:
        name: the log key. Defaults to the loss function's name.
        reduction: ``'sum_over_batch_size'`` (Keras's default), ``'sum'``, ``'mean'``,
            ``'mean_with_sample_weight'`` or ``'none'``.
        dtype: cast the per-sample losses to this dtype, or ``None``. Defaults to ``None``.

    Raises:
        ValueError: for an unknown reduction.
    """

    fn = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None, **fn_kwargs):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}. Received: {reduction!r}")
        self.name = name or getattr(type(self).fn, "__name__", type(self).__name__.lower())
        if fn_kwargs and type(self).fn is None and type(self).call is Loss.call:  # no fn to pass them to
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments {sorted(fn_kwargs)}")
        self.reduction, self.dtype = reduction, dtype
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred) -> Tensor:
        """Per-sample losses."""
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        y_pred = as_tensor(y_pred)
        if y_pred.dtype == "float16":  # mixed precision: losses are computed in float32, as in Keras
            y_pred = y_pred.astype("float32")
        values = self.call(y_true, y_pred)
        if self.dtype is not None:
            values = values.astype(self.dtype)
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


class LossFunctionWrapper(Loss):
    """Wraps a plain function ``fn(y_true, y_pred, **kwargs) -> per-sample losses`` as a :class:`Loss`."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype, **kwargs)
        self._fn = fn

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self.fn_kwargs)
