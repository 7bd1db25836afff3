"""Regression metrics (Keras 3): MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, R2Score."""

from __future__ import annotations

import math

from ember.metrics.metrics import Mean, MeanMetricWrapper, Metric
from ember.ops import metric_kernels as K


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(K.squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(K.absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of ``100 * mean(|(y_true - y_pred) / max(|y_true|, 1e-7)|, axis=-1)`` (Keras 3's metric, ``'mape'``)."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(K.absolute_percentage_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_true - y_pred)**2))`` over everything seen (the root of the running mean, not a mean of roots).

    Example:
        >>> RootMeanSquaredError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]])
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(K.squared_error(y_true, y_pred), sample_weight)

    def result(self) -> float:
        return math.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot`` over everything seen, per output then aggregated.

    Args:
        class_aggregation: ``'uniform_average'`` (mean over outputs),
            ``'variance_weighted_average'`` (weighted by each output's variance)
            or ``None`` (an array per output). Defaults to ``'uniform_average'``.
        num_regressors: for the adjusted R², ``1 - (1 - R²)(n - 1)/(n - k - 1)``. Defaults to ``0``.
        name: Defaults to ``'r2_score'``.

    Raises:
        ValueError: for an unknown aggregation or negative ``num_regressors``; in
            ``update_state`` for inputs that are not ``(batch,)`` or ``(batch, outputs)``.

    Source: ``keras.metrics.R2Score``; ``sklearn.metrics.r2_score``.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: invalid class_aggregation. Received: class_aggregation={class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.sums = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        new = K.r2_sums(y_true, y_pred, sample_weight)
        if self.sums is not None and self.sums[0].shape != new[0].shape:
            raise ValueError(f"R2Score: the number of outputs changed from {self.sums[0].shape[0]} "
                             f"to {new[0].shape[0]} between batches")  # fmt: skip
        self.sums = new if self.sums is None else tuple(a + b for a, b in zip(self.sums, new, strict=True))

    def result(self):
        if self.sums is None:
            return 0.0
        return K.r2_score(self.sums, self.class_aggregation, self.num_regressors)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}  # fmt: skip
