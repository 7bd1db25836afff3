"""Accuracy metrics (Keras 3 names, arguments and defaults): weighted means of per-sample hits."""

from __future__ import annotations

from ember.metrics.metrics import MeanMetricWrapper
from ember.ops import metric_kernels as K


class Accuracy(MeanMetricWrapper):
    """Share of predictions exactly equal to the targets: ``mean(y_true == y_pred)``.

    Example:
        >>> Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(K.accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """Share of ``(y_pred > threshold) == y_true``.

    Args:
        threshold: decision threshold on probabilities. Defaults to ``0.5``.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(K.binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose predicted argmax equals the one-hot target's argmax."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(K.categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose predicted argmax equals the integer target."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(K.sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose one-hot target is among the ``k`` highest predictions (ties count as hits).

    Args:
        k: Defaults to ``5``.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(K.top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose integer target is among the ``k`` highest predictions.

    Args:
        k: Defaults to ``5``.
        from_sorted_ids: ``y_pred`` holds class ids sorted by score instead of scores. Defaults to ``False``.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(K.sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)  # fmt: skip
