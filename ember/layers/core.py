"""Core layers: Dense, Activation, Dropout, Identity, Masking, Lambda."""

from __future__ import annotations

from ember import activations, initializers, ops
from ember.backend import random as _random
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.serialization import deserialize, deserialize_activation, serialize, serialize_activation
from ember.ops import fused


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
        self.activation = deserialize_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(deserialize("initializer", kernel_initializer))
        self.bias_initializer = initializers.get(deserialize("initializer", bias_initializer))
        self.kernel_regularizer = deserialize("regularizer", kernel_regularizer)
        self.bias_regularizer = deserialize("regularizer", bias_regularizer)
        self.activity_regularizer = deserialize("regularizer", activity_regularizer)
        self.kernel_constraint = deserialize("constraint", kernel_constraint)
        self.bias_constraint = deserialize("constraint", bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

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
        fused_name = _FUSED.get(self.activation) if self.bias is not None else None
        if fused_name is not None and getattr(inputs, "dtype", None) == self.kernel.dtype:
            x = fused.dense(inputs, self.kernel, self.bias, fused_name)  # one node, same values (issue 6)
        else:
            x = ops.matmul(inputs, self.kernel)
            if self.bias is not None:
                x = x + self.bias
            x = self.activation(x)
        return x  # activity_regularizer: added by Layer.__call__, divided by the batch size (Keras 3)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            activation=serialize_activation(self.activation),
            use_bias=self.use_bias,
            **weight_args_config(self),
        )
        return config


# Activations ember.ops.fused.dense computes in the same node (and with the same formulas) as the composite.
_FUSED = {activations.linear: "linear", ops.relu: "relu", ops.sigmoid: "sigmoid", ops.tanh: "tanh",
          activations.relu: "relu"}  # fmt: skip

_WEIGHT_ARGS = (
    "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "bias_constraint",
)  # fmt: skip


def weight_args_config(layer, names=_WEIGHT_ARGS) -> dict:
    """Serialized initializer/regularizer/constraint arguments of ``layer`` (those it has)."""
    return {name: serialize(getattr(layer, name)) for name in names if hasattr(layer, name)}


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
        self.activation = deserialize_activation(activation)

    supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = serialize_activation(self.activation)
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
        self.supports_masking = True
        self._seeds = _random.generator(seed) if seed is not None else None

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = None
        if self.noise_shape is not None:
            shape = tuple(n if n is not None else d for n, d in zip(self.noise_shape, inputs.shape, strict=True))
        seed = self._seeds  # the layer's seed stream: each call (and each graph replay) draws the next seed
        return ops.dropout(inputs, self.rate, noise_shape=shape, seed=seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class Identity(Layer):
    """Returns its input unchanged (``keras.layers.Identity``); a placeholder that keeps masks.

    Shape:
        Output has the input's shape.
    """

    _reads_strings = True  # string inputs are this layer's business (see layer_dtype.refuse_text)

    supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Masking(Layer):
    """Masks timesteps whose features all equal ``mask_value``: ``keep[b, t] = any(x[b, t, :] != mask_value)``.

    The output is the input with masked timesteps set to 0; downstream layers that
    take ``mask`` (RNNs, pooling, attention) skip them.

    Args:
        mask_value: the padding value. Defaults to ``0.0``.

    Shape:
        Input ``(batch, timesteps, features)``; output the same; mask ``(batch, timesteps)`` bool.

    Source: keras/src/layers/core/masking.py.

    Example:
        >>> import ember
        >>> from ember.layers.masking_state import get_mask
        >>> out = ember.layers.Masking()(ember.tensor([[[1.0], [0.0], [2.0]]]))
        >>> get_mask(out).numpy().tolist()
        [[True, False, True]]
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.cast(ops.expand_dims(self.compute_mask(inputs), -1), inputs.dtype)
        return inputs * keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


class Lambda(Layer):
    """Wraps a Python function of tensors as a layer: ``output = function(inputs, **arguments)``.

    Its config stores the function by module and qualified name, never its code;
    :meth:`from_config` refuses to import it unless ``safe_mode=False`` (loading a
    model must not run code the user did not ask for).

    Args:
        function: callable ``Tensor -> Tensor`` built from ``ember.ops``.
        output_shape: output shape without the batch axis, or a callable of the input
            shape. Defaults to ``None``: inferred by running the function.
        mask: a mask or a callable ``(inputs, mask) -> mask``. Defaults to ``None``.
        arguments: extra keyword arguments for ``function``. Defaults to ``None``.

    Raises:
        TypeError: if ``function`` is not callable.

    Source: keras/src/layers/core/lambda_layer.py.
    """

    _reads_strings = True  # string inputs are this layer's business (see layer_dtype.refuse_text)

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable. Received: function={function!r}")
        self.function, self.output_shape, self.mask = function, output_shape, mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape):
            return tuple(self.output_shape(input_shape))
        return (input_shape[0],) + tuple(self.output_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        fn = self.function
        config.update(
            function={"module": fn.__module__, "name": fn.__qualname__},
            output_shape=None if callable(self.output_shape) else self.output_shape,
            arguments=self.arguments,
        )
        return config

    @classmethod
    def from_config(cls, config: dict, safe_mode: bool = True):
        """Rebuild from :meth:`get_config`; imports the function, so only with ``safe_mode=False``.

        Raises:
            ValueError: in safe mode, or when the function cannot be found by its name.
        """
        import importlib

        config = dict(config)
        ref = config.pop("function")
        if safe_mode:
            raise ValueError(
                f"Lambda '{config.get('name')}': loading a Lambda layer imports and runs "
                f"{ref['module']}.{ref['name']}, which is unsafe with untrusted files. "
                "Pass safe_mode=False if you trust the source."
            )
        fn = importlib.import_module(ref["module"])
        for part in ref["name"].split("."):
            fn = getattr(fn, part, None)
        if not callable(fn):
            raise ValueError(f"Lambda: cannot find function {ref['module']}.{ref['name']}")
        return cls(fn, **config)
