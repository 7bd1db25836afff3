"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax.

Source: keras/src/layers/activations (Keras 3).
"""

from __future__ import annotations

from ember import initializers, ops
from ember.layers.layer import Layer
from ember.layers.serialization import deserialize, serialize


class _Elementwise(Layer):
    supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """Rectified linear unit with threshold, slope and cap.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``,
    ``negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: cap, ``>= 0``, or ``None``. Defaults to ``None``.
        negative_slope: slope below the threshold, ``>= 0``. Defaults to ``0.0``.
        threshold: Defaults to ``0.0``.

    Raises:
        ValueError: for a negative ``max_value`` or ``negative_slope``.
    """

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: `max_value` must be >= 0. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"ReLU: `negative_slope` must be >= 0. Received: negative_slope={negative_slope}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        if self.negative_slope == 0 and self.threshold == 0:
            y = ops.relu(inputs)
        else:
            shifted = self.negative_slope * (inputs - self.threshold)
            y = ops.where(ops.greater_equal(inputs, self.threshold), inputs, shifted)
        if self.max_value is not None:
            y = ops.minimum(y, self.max_value)
        return y

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(_Elementwise):
    """``f(x) = x`` for ``x > 0``, else ``negative_slope * x``.

    Args:
        negative_slope: Defaults to ``0.3`` (Keras's LeakyReLU layer; the function's default is 0.2).
            ``alpha=`` (Keras 2) is accepted as its alias.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2 spelling, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: `negative_slope` must be >= 0. Received: {negative_slope}")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, self.negative_slope)

    def get_config(self) -> dict:
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(_Elementwise):
    """Parametric ReLU: ``f(x) = max(x, 0) + alpha * min(x, 0)`` with a learned ``alpha``.

    Args:
        alpha_initializer: Defaults to ``'zeros'``.
        alpha_regularizer: Defaults to ``None``.
        alpha_constraint: Defaults to ``None``.
        shared_axes: 1-indexed axes along which ``alpha`` is shared, e.g. ``[1, 2]`` for
            one alpha per channel of an image. Defaults to ``None``.

    Shape:
        Weight ``alpha``: the input shape without the batch axis, with shared axes set to 1.

    Source: He et al., "Delving Deep into Rectifiers" (2015).
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(deserialize("initializer", alpha_initializer))
        self.alpha_regularizer = deserialize("regularizer", alpha_regularizer)
        self.alpha_constraint = deserialize("constraint", alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else [int(a) for a in shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")  # fmt: skip

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            alpha_initializer=serialize(self.alpha_initializer),
            alpha_regularizer=serialize(self.alpha_regularizer),
            alpha_constraint=serialize(self.alpha_constraint),
            shared_axes=self.shared_axes,
        )
        return config


class ELU(_Elementwise):
    """Exponential linear unit: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: Defaults to ``1.0``.

    Source: Clevert et al., "Fast and Accurate Deep Network Learning by ELUs" (2016).
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def get_config(self) -> dict:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(_Elementwise):
    """``softmax(x)`` along ``axis``; masked positions (mask ``False``) get probability 0.

    Args:
        axis: int or list of ints. Defaults to ``-1``.

    Call args:
        mask: bool tensor broadcastable to the input (missing trailing axes are added);
            ``True`` keeps a position. Defaults to ``None``.
    """

    _float32_compute = True  # mixed precision: computed in float32, output cast to float16 (as Keras)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = ops.cast(mask, inputs.dtype)
            while keep.ndim < inputs.ndim:
                keep = ops.expand_dims(keep, -1)
            # NOTE: a large finite negative, not -inf, so a fully masked row stays finite (Keras).
            inputs = inputs + (1.0 - keep) * (-1e9 if inputs.dtype.itemsize > 2 else -3e4)
        if isinstance(self.axis, (list, tuple)):
            return ops.exp(inputs - ops.logsumexp(inputs, axis=tuple(self.axis), keepdims=True))
        return ops.softmax(inputs, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
