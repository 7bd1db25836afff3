"""Stateful metrics (Keras 3): ``update_state`` per batch, ``result`` over everything seen, ``reset_state``.

This module holds the base class and the mean/sum reducers the other metric
families build on; array work happens in :mod:`ember.ops.metric_kernels`.
"""

from __future__ import annotations

import re

from ember.autograd import Tensor
from ember.ops import metric_kernels as K


def snake_case(name: str) -> str:
    """``'TopKCategoricalAccuracy'`` → ``'top_k_categorical_accuracy'`` (Keras's default metric names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Metric:
    """Base class of stateful metrics.

    ``metric(y_true, y_pred)`` updates the state and returns the result, as in Keras.

    Args:
        name: the log key (``'accuracy'``). Defaults to the snake-case class name.
        dtype: result dtype. Defaults to ``'float32'``.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self.reset_state()

    def reset_state(self) -> None:  # pragma: no cover - abstract
        """Forget everything seen."""
        raise NotImplementedError

    def update_state(self, *args, **kwargs) -> None:  # pragma: no cover - abstract
        """Accumulate a batch."""
        raise NotImplementedError

    def result(self):  # pragma: no cover - abstract
        """The metric over all batches since the last reset: a Python float (or an array per class/threshold)."""
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight=None)``.

    ``result = sum(values * w) / sum(w)`` over every value seen (``w`` broadcast over trailing axes).

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0])
        >>> m.result()
        4.0
    """

    def __init__(self, name="mean", dtype=None):  # Keras's default name
        super().__init__(name=name, dtype=dtype)

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


class Sum(Metric):
    """Weighted sum of the values given to ``update_state(values, sample_weight=None)``.

    Example:
        >>> m = Sum()
        >>> m.update_state([1.0, 3.0], sample_weight=[1.0, 0.5])
        >>> m.result()
        2.5
    """

    def __init__(self, name="sum", dtype=None):  # Keras's default name
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        if isinstance(values, (int, float)):
            self.total += float(values) * (1.0 if sample_weight is None else float(sample_weight))
            return
        self.total += K.weighted_sum(values, sample_weight)

    def result(self) -> float:
        return self.total


class MeanMetricWrapper(Mean):
    """Weighted mean over samples of ``fn(y_true, y_pred, **kwargs)`` (per-sample scores).

    Args:
        fn: per-sample metric function.
        name: log key. Defaults to ``fn.__name__``.
        dtype: Defaults to ``'float32'``.
        **kwargs: passed to ``fn``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or fn.__name__, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        if cls is MeanMetricWrapper:
            raise ValueError("MeanMetricWrapper.from_config: a wrapped function cannot be rebuilt from a config")
        return cls(**config)
