"""Loss classes (Keras 3 names, arguments and defaults): a per-sample function plus a reduction.

``loss = MeanSquaredError(); loss(y_true, y_pred, sample_weight=None)`` returns a
scalar Tensor (or per-sample values with ``reduction='none'``). Every class
takes ``reduction``, ``name`` and ``dtype`` (see :class:`~ember.losses.Loss`);
the formulas are on the functions in :mod:`~ember.losses.regression` and
:mod:`~ember.losses.probabilistic`. Source: keras/src/losses/losses.py.
"""

from __future__ import annotations

from ember import ops
from ember.losses import probabilistic as P
from ember.losses import regression as R
from ember.losses.loss import Loss, reduce_values
from ember.ops._convert import as_tensor

_SOBS = "sum_over_batch_size"


class MeanSquaredError(Loss):
    """Mean of squared errors, ``mean((y_true - y_pred)**2)`` (string ``'mse'``)."""

    fn = staticmethod(R.mean_squared_error)

    def __init__(self, reduction=_SOBS, name="mean_squared_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(Loss):
    """Mean of absolute errors, ``mean(|y_true - y_pred|)`` (string ``'mae'``)."""

    fn = staticmethod(R.mean_absolute_error)

    def __init__(self, reduction=_SOBS, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(Loss):
    """``100 * mean(|(y_true - y_pred) / y_true|)`` (string ``'mape'``); see :func:`mean_absolute_percentage_error`."""

    fn = staticmethod(R.mean_absolute_percentage_error)

    def __init__(self, reduction=_SOBS, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class MeanSquaredLogarithmicError(Loss):
    """``mean((log(1 + y_pred) - log(1 + y_true))**2)`` (string ``'msle'``)."""

    fn = staticmethod(R.mean_squared_logarithmic_error)

    def __init__(self, reduction=_SOBS, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class Huber(Loss):
    """Quadratic for errors up to ``delta``, linear beyond; see :func:`huber`. ``delta`` defaults to ``1.0``."""

    fn = staticmethod(R.huber)

    def __init__(self, delta=1.0, reduction=_SOBS, name="huber_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(Loss):
    """``mean(log(cosh(y_pred - y_true)))``; see :func:`log_cosh`."""

    fn = staticmethod(R.log_cosh)

    def __init__(self, reduction=_SOBS, name="log_cosh", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(Loss):
    """Negative cosine similarity along ``axis`` (defaults to ``-1``); see :func:`cosine_similarity`."""

    fn = staticmethod(R.cosine_similarity)

    def __init__(self, axis=-1, reduction=_SOBS, name="cosine_similarity", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype, axis=axis)


class Hinge(Loss):
    """``mean(max(1 - y_true * y_pred, 0))`` with labels in {-1, 1} (or {0, 1}); see :func:`hinge`."""

    fn = staticmethod(R.hinge)

    def __init__(self, reduction=_SOBS, name="hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(Loss):
    """``mean(max(1 - y_true * y_pred, 0)**2)``; see :func:`squared_hinge`."""

    fn = staticmethod(R.squared_hinge)

    def __init__(self, reduction=_SOBS, name="squared_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(Loss):
    """Multiclass hinge with one-hot targets; see :func:`categorical_hinge`."""

    fn = staticmethod(R.categorical_hinge)

    def __init__(self, reduction=_SOBS, name="categorical_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class Poisson(Loss):
    """``mean(y_pred - y_true * log(y_pred))``; see :func:`poisson`."""

    fn = staticmethod(R.poisson)

    def __init__(self, reduction=_SOBS, name="poisson", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class KLDivergence(Loss):
    """``sum(y_true * log(y_true / y_pred))`` (string ``'kld'``); see :func:`kl_divergence`."""

    fn = staticmethod(R.kl_divergence)

    def __init__(self, reduction=_SOBS, name="kl_divergence", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy; see :func:`~ember.losses.binary_crossentropy` for the formula and arguments."""

    fn = staticmethod(P.binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOBS,
                 name="binary_crossentropy", dtype=None):  # fmt: skip
        super().__init__(name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)  # fmt: skip


class BinaryFocalCrossentropy(Loss):
    """Focal binary cross-entropy; see :func:`~ember.losses.binary_focal_crossentropy`."""

    fn = staticmethod(P.binary_focal_crossentropy)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction=_SOBS, name="binary_focal_crossentropy", dtype=None):  # fmt: skip
        super().__init__(name=name, reduction=reduction, dtype=dtype, apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)  # fmt: skip


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy with one-hot targets; see :func:`~ember.losses.categorical_crossentropy`."""

    fn = staticmethod(P.categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOBS,
                 name="categorical_crossentropy", dtype=None):  # fmt: skip
        super().__init__(name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)  # fmt: skip


class CategoricalFocalCrossentropy(Loss):
    """Focal categorical cross-entropy; see :func:`~ember.losses.categorical_focal_crossentropy`."""

    fn = staticmethod(P.categorical_focal_crossentropy)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOBS,
                 name="categorical_focal_crossentropy", dtype=None):  # fmt: skip
        super().__init__(name=name, reduction=reduction, dtype=dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)  # fmt: skip


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy with integer targets; see :func:`~ember.losses.sparse_categorical_crossentropy`.

    With ``ignore_class``, ignored entries get loss 0 and the mean reductions
    average over the other entries only (as Keras's loss mask does). ``axis`` must be ``-1`` (its
    default; other values raise NotImplementedError).
    """

    fn = staticmethod(P.sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, reduction=_SOBS, name="sparse_categorical_crossentropy",
                 dtype=None, axis=-1):  # fmt: skip
        if axis != -1:  # Keras 3.15's argument; ember's kernel takes classes on the last axis only
            raise NotImplementedError(f"SparseCategoricalCrossentropy: axis={axis!r} is not implemented in ember "
                                      f"(only the default, -1: classes on the last axis). Received: axis={axis!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class)  # fmt: skip

    def __call__(self, y_true, y_pred, sample_weight=None):
        ignore = self.fn_kwargs["ignore_class"]
        if ignore is None or self.reduction not in (_SOBS, "mean"):
            return super().__call__(y_true, y_pred, sample_weight)
        values = self.call(y_true, as_tensor(y_pred))
        labels = as_tensor(y_true)
        valid = ops.cast(ops.not_equal(ops.reshape(labels, values.shape), ignore), values.dtype)
        total = reduce_values(values, sample_weight, "sum")
        return total / ops.maximum(ops.sum(valid), 1.0)
