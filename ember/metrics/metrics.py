"""Stateful metrics (Keras 3): ``update_state`` per batch, ``result`` over everything seen, ``reset_state``."""

from __future__ import annotations

from ember.autograd import Tensor
from ember.ops import metric_kernels as K


class Metric:
    """Base class of stateful metrics.

    Args:
        name: the log key (``'accuracy'``). Defaults to the snake-case class name.
        dtype: result dtype. Defaults to ``'float32'``.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__.lower()
        self.dtype = dtype or "float32"
        self.reset_state()

    def reset_state(self) -> None:  # pragma: no cover - abstract
        """Forget everything seen."""
        raise NotImplementedError

    def update_state(self, *args, **kwargs) -> None:  # pragma: no cover - abstract
        """Accumulate a batch."""
        raise NotImplementedError

    def result(self) -> float:  # pragma: no cover - abstract
        """The metric over all batches since the last reset, as a Python float."""
        raise NotImplementedError

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight=None)``."""

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        if isinstance(values, (int, float)):
            w = 1.0 if sample_weight is None else float(sample_weight)
            self.total += float(values) * w
            self.count += w
            return
        s, c = K.weighted_sum_and_count(values.data if isinstance(values, Tensor) else values, sample_weight)
        self.total += s
        self.count += c

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Mean over samples of ``fn(y_true, y_pred, **kwargs)`` (per-sample scores).

    Args:
        fn: per-sample metric function.
        name: log key.
        **kwargs: passed to ``fn``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or fn.__name__, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


class BinaryAccuracy(MeanMetricWrapper):
    """Share of predictions on the right side of ``threshold`` (defaults to ``0.5``)."""

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


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(K.squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(K.absolute_error, name=name, dtype=dtype)
