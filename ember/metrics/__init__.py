"""Metrics: Keras 3 classes and names; ``'accuracy'`` is resolved from the loss and shapes.

Every metric is stateful: ``update_state(y_true, y_pred, sample_weight=None)``
per batch, ``result()`` over everything since ``reset_state()``. Array work
lives in :mod:`ember.ops.metric_kernels` and :mod:`ember.ops.confusion_kernels`.
"""

from __future__ import annotations

from ember.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
)
from ember.metrics.confusion import (
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from ember.metrics.metrics import Mean, MeanMetricWrapper, Metric, Sum
from ember.metrics.regression import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
)
from ember.ops.metric_kernels import (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    confusion_matrix,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from ember.utils.registry import lookup

_CLASSES = (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, Precision, Recall, F1Score, FBetaScore, AUC, TruePositives,
            FalsePositives, TrueNegatives, FalseNegatives, MeanSquaredError, RootMeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, R2Score, Mean, Sum)  # fmt: skip
_REGISTRY = {
    **{c.__name__: c for c in _CLASSES},
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
    "f1_score": F1Score,
    "fbeta_score": FBetaScore,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError,
    "rmse": RootMeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "r2_score": R2Score,
    "mean": Mean,
    "sum": Sum,
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


def serialize(metric: Metric) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready)."""
    if not isinstance(metric, Metric) or type(metric) is MeanMetricWrapper:
        raise TypeError(f"metrics.serialize: expected a Metric instance of a named class. Received: {metric!r}")
    return {"module": "ember.metrics", "class_name": type(metric).__name__, "config": metric.get_config(),
            "registered_name": None}  # fmt: skip


def deserialize(config, custom_objects: dict | None = None) -> Metric:
    """Rebuild a metric from :func:`serialize`'s dict.

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"metrics.deserialize: expected a dict with 'class_name'. Received: {config!r}")
    table = {k: v for k, v in {**_REGISTRY, **(custom_objects or {})}.items() if v is not None}
    return lookup("metric", config["class_name"], table, allow_callable=False).from_config(config.get("config") or {})


def get(identifier, y_true_shape=None, y_pred_shape=None, loss_name=None) -> Metric:
    """Resolve a metric name (``'accuracy'``, ``'auc'``, ``'mse'``, ...), a dict, a Metric, or a function.

    ``'accuracy'``/``'acc'`` need the target and prediction shapes (and the loss
    name) to choose their kind; the metric keeps the name it was asked by.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = lookup("metric", identifier, _REGISTRY)
        if cls is None:
            cls = resolve_accuracy(y_true_shape or (), y_pred_shape or (), loss_name)
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", *(c.__name__ for c in _CLASSES[:-2]),
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "confusion_matrix",
    "resolve_accuracy", "get", "serialize", "deserialize",
]  # fmt: skip


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
