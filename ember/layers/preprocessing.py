"""Preprocessing layers: Rescaling and Normalization (with ``adapt``).

Source: keras/src/layers/preprocessing (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor, no_grad
from ember.layers.layer import Layer

_EPSILON = 1e-7  # keras.config.epsilon()


class Rescaling(Layer):
    """``output = inputs * scale + offset`` (e.g. ``scale=1/255`` for pixels); integer inputs are cast to float.

    Args:
        scale: float (or a list broadcast against the last axis).
        offset: Defaults to ``0.0``.
    """

    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype or "float32")
        scale = self.scale if isinstance(self.scale, (int, float)) else Tensor(self.scale, dtype=inputs.dtype)
        offset = self.offset if isinstance(self.offset, (int, float)) else Tensor(self.offset, dtype=inputs.dtype)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


class Normalization(Layer):
    """Feature-wise standardisation: ``output = (inputs - mean) / max(sqrt(variance), 1e-7)``.

    ``mean`` and ``variance`` are given, or learned from data by :meth:`adapt` (then kept as
    non-trainable weights ``mean`` and ``variance``, saved with the model).

    Args:
        axis: the axis (or axes) that keep separate statistics; ``None`` for one scalar. Defaults to ``-1``.
        mean, variance: fixed statistics, broadcastable to the kept axes. Default ``None`` (use ``adapt``).
        invert: apply the inverse, ``mean + inputs * sqrt(variance)``. Defaults to ``False``.

    Before ``adapt`` (and without ``mean``/``variance``) the statistics are 0 and 1: the identity.

    Raises:
        ValueError: if only one of ``mean``/``variance`` is given.

    Example:
        >>> import numpy as np, ember
        >>> norm = ember.layers.Normalization()
        >>> norm.adapt(np.array([[1.0], [3.0]]))
        >>> norm(np.array([[3.0]])).numpy().tolist()
        [[1.0]]
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: pass both `mean` and `variance` or neither. Received: mean={mean!r}, "
                             f"variance={variance!r}")  # fmt: skip
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)

    def _stat_shape(self, input_shape):
        kept = [a % len(input_shape) for a in self.axis]
        return tuple(input_shape[a] for a in sorted(kept)), kept

    def build(self, input_shape):
        shape, kept = self._stat_shape(input_shape)
        self._broadcast = tuple(input_shape[a] if a in kept else 1 for a in range(len(input_shape)))
        if self.input_mean is None:
            self.mean = self.add_weight(shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(shape, "ones", trainable=False, name="variance")
            # Keras 3 keeps an int32 `count` (always 0, for old files): same weight list as Keras.
            self.count = self.add_weight((), "zeros", dtype="int32", trainable=False, name="count")
        else:
            self.mean = ops.broadcast_to(Tensor(self.input_mean, dtype=self.dtype or "float32"), shape)
            self.variance = ops.broadcast_to(Tensor(self.input_variance, dtype=self.dtype or "float32"), shape)

    def adapt(self, data) -> None:
        """Set ``mean``/``variance`` to the statistics of ``data`` over every axis but ``axis``.

        Args:
            data: array or Tensor ``(samples, ...)`` with the shape the layer will be called on.
        """
        data = data if isinstance(data, Tensor) else Tensor(data, dtype=self.dtype or "float32")
        self._maybe_build(tuple(data.shape))
        _, kept = self._stat_shape(data.shape)
        reduce = tuple(a for a in range(data.ndim) if a not in kept)
        with no_grad():
            self.mean.assign(ops.reshape(ops.mean(data, axis=reduce), self.mean.shape))
            self.variance.assign(ops.reshape(ops.var(data, axis=reduce), self.variance.shape))

    def call(self, inputs):
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype or "float32")
        mean = ops.reshape(self.mean, self._broadcast)
        std = ops.maximum(ops.sqrt(ops.reshape(self.variance, self._broadcast)), _EPSILON)
        return mean + inputs * std if self.invert else (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=list(self.axis) if len(self.axis) != 1 else self.axis[0], invert=self.invert,
                      mean=_plain(self.input_mean), variance=_plain(self.input_variance))  # fmt: skip
        return config


def _plain(value):
    if value is None or isinstance(value, (int, float)):
        return value
    return Tensor(value).numpy().tolist()
