"""Stateful metrics (Keras 3): ``update_state`` per batch, ``result`` over everything seen, ``reset_state``.

This module holds the base class and the mean/sum reducers the other metric
families build on; array work happens in :mod:`ember.ops.metric_kernels`.
"""

from __future__ import annotations

import re

from ember.autograd import Tensor, no_grad
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
        self._metric_variables = []
        # ember's own metrics keep their state in plain attributes that reset_state creates. A user's
        # reset_state is not called here (Keras never calls it at construction: it usually resets the
        # variables that its __init__ creates with add_variable after this call).
        if (getattr(type(self).reset_state, "__module__", None) or "").startswith("ember."):
            self.reset_state()

    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum", name=None):
        """A non-trainable state variable (Keras 3's ``Metric.add_variable``), reset by :meth:`reset_state`.

        Args:
            shape: the variable's shape, e.g. ``()``.
            initializer: an initializer name or object (``'zeros'``).
            dtype: defaults to the metric's dtype.
            aggregation: Keras's cross-replica aggregation (``'sum'``, ``'mean'``...): with one replica it changes
                nothing, so it is accepted and has no effect.
            name: the variable's name.

        Returns:
            An :class:`ember.Variable` (``assign``/``assign_add``/``assign_sub``).
        """
        from ember import initializers
        from ember.autograd.variable import Variable

        shape = tuple(shape) if isinstance(shape, (list, tuple)) else (() if shape is None else (int(shape),))
        value = initializers.get(initializer)(shape, dtype=dtype or self.dtype)
        variable = Variable(value.data if isinstance(value, Tensor) else value, name=name or "variable",
                            trainable=False, dtype=dtype or self.dtype)  # fmt: skip
        self._metric_variables.append(variable)
        return variable

    @property
    def variables(self) -> list:
        """The variables made by :meth:`add_variable`, in creation order."""
        return list(getattr(self, "_metric_variables", []))

    def reset_state(self) -> None:
        """Forget everything seen: the base class sets every :meth:`add_variable` variable back to zeros (Keras)."""
        from ember import ops

        for variable in getattr(self, "_metric_variables", []):
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))

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
        with no_grad():  # a metric records no graph (y_pred's may already be freed by backward(): G3)
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        if cls is MeanMetricWrapper:
            raise ValueError("MeanMetricWrapper.from_config: a wrapped function cannot be rebuilt from a config")
        return cls(**config)
