"""Core layers: Dense, Activation, Dropout."""

from __future__ import annotations

from ember import activations, initializers, ops
from ember.layers.input_spec import InputSpec
from ember.backend import random as _random
from ember.layers.layer import Layer
from ember.utils.serialization import serialize_object


class Dense(Layer):
    """Densely connected layer: ``output = activation(inputs @ kernel + bias)``.

    Args:
        units: output features, a positive int.
        activation: name or callable. Defaults to ``None`` (linear).
        use_bias: add a bias vector. Defaults to ``True``.
        kernel_initializer: defaults to ``'glorot_uniform'``.
        bias_initializer: defaults to ``'zeros'``.
        kernel_regularizer, bias_regularizer: callables ``w -> scalar``. Default ``None``.
        kernel_constraint, bias_constraint: callables applied after updates. Default ``None``.
        **kwargs: base layer arguments (``name``, ``input_dim``, ``input_shape``, ...).

    Shape:
        Input ``(batch, ..., input_dim)``; output ``(batch, ..., units)``.
        Weights: ``kernel (input_dim, units)``, ``bias (units,)`` (Keras layout).

    Raises:
        ValueError: for non-positive ``units``, or when called on input whose
            last axis differs from the one it was built for.

    Source: keras/src/layers/core/dense.py (Keras 3).

    Example:
        >>> import ember
        >>> layer = ember.layers.Dense(3, input_dim=2, activation='relu')
        >>> layer(ember.ops.ones((4, 2))).shape
        (4, 3)
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense: `units` must be a positive int. Received: units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape) -> None:
        in_dim = input_shape[-1]
        self.kernel = self.add_weight(
            (in_dim, self.units), self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel",
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,), self.bias_initializer, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, name="bias",
            )  # fmt: skip
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        x = self.activation(x)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(x))
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=_init_config(self.kernel_initializer),
            bias_initializer=_init_config(self.bias_initializer),
        )
        return config


def _init_config(init):
    return serialize_object(init)


class Activation(Layer):
    """Applies an activation function: ``output = activation(inputs)``.

    Args:
        activation: name (``'relu'``, ``'softmax'``, ...) or callable.

    Shape:
        Output has the input's shape.

    Raises:
        ValueError: for an unknown activation name.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Inverted dropout: in training, zero inputs with probability ``rate`` and scale the rest by ``1/(1-rate)``.

    Identity at inference (``training=False``, ``predict``, ``evaluate``).

    Args:
        rate: drop probability in ``[0, 1)``.
        noise_shape: mask shape broadcast against the input (``None`` entries
            take the input's size). Defaults to ``None`` (the input's shape).
        seed: per-layer seed. Defaults to ember's global generator.

    Raises:
        ValueError: if ``rate`` is not in ``[0, 1)``.

    Source: Srivastava et al. (2014); keras/src/layers/regularization/dropout.py.
    """

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1). Received: rate={rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self._seeds = _random.generator(seed) if seed is not None else None

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = None
        if self.noise_shape is not None:
            shape = tuple(n if n is not None else d for n, d in zip(self.noise_shape, inputs.shape))
        seed = None if self._seeds is None else int(self._seeds.integers(2**31))
        return ops.dropout(inputs, self.rate, noise_shape=shape, seed=seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config
