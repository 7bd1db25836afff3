"""Metrics: Keras 3 classes and names; ``'accuracy'`` is resolved from the loss and shapes."""

from __future__ import annotations

from ember.metrics.metrics import (
    BinaryAccuracy,
    CategoricalAccuracy,
    Mean,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    SparseCategoricalAccuracy,
)
from ember.ops.metric_kernels import (
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from ember.utils.registry import lookup

_REGISTRY = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "accuracy": None,
    "acc": None,
}


def resolve_accuracy(y_true_shape, y_pred_shape, loss_name: str | None = None) -> type[Metric]:
    """Pick the accuracy Keras 3 would: binary, sparse categorical or categorical.

    Binary when the loss is binary cross-entropy or the prediction has one
    unit; sparse when the loss is sparse categorical cross-entropy or the
    labels have lower rank (or a last axis of 1); categorical otherwise.
    Source: keras/src/trainers/compile_utils.py ``get_metric``.
    """
    loss_name = loss_name or ""
    if "binary_crossentropy" in loss_name or (len(y_pred_shape) and y_pred_shape[-1] == 1):
        return BinaryAccuracy
    if "sparse_categorical" in loss_name:
        return SparseCategoricalAccuracy
    if len(y_true_shape) < len(y_pred_shape) or (len(y_true_shape) and y_true_shape[-1] == 1):
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


def get(identifier, y_true_shape=None, y_pred_shape=None, loss_name=None) -> Metric:
    """Resolve a metric name (``'accuracy'``, ``'mse'``, ...), a Metric, or a function.

    ``'accuracy'``/``'acc'`` need the target and prediction shapes (and the loss
    name) to choose their kind; the metric keeps the name it was asked by.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = lookup("metric", identifier, _REGISTRY)
        if cls is None:
            cls = resolve_accuracy(y_true_shape or (), y_pred_shape or (), loss_name)
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = [
    "Metric",
    "Mean",
    "MeanMetricWrapper",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "resolve_accuracy",
    "get",
]
