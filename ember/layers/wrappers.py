"""Layer wrappers (Keras 3): ``Bidirectional`` for RNNs and ``TimeDistributed``.

Source: keras/src/layers/rnn/{bidirectional,time_distributed}.py.
"""

from __future__ import annotations

from ember import ops
from ember.layers.layer import Layer
from ember.layers.serialization import serialize

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def deserialize_layer(config) -> Layer:
    """Rebuild a layer of :mod:`ember.layers` from ``{"class_name", "config"}`` (a Layer is returned as is).

    Only classes exported by ``ember.layers`` are looked up: a config never names a module to import.

    Raises:
        ValueError: for an unknown class name.
    """
    if isinstance(config, Layer):
        return config
    import ember.layers as layers_pkg  # at call time: the package imports this module

    cls = getattr(layers_pkg, str(config.get("class_name")), None)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"Unknown layer class {config.get('class_name')!r}: not in ember.layers")
    return cls.from_config(config.get("config") or {})


def _copy_layer(layer: Layer, name: str, **overrides) -> Layer:
    config = dict(layer.get_config())
    config.update(name=name, **overrides)
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Run an RNN forwards and a copy of it backwards over the sequence and merge the two outputs.

    Args:
        layer: an RNN layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); a fresh copy named
            ``forward_<name>`` runs forwards.
        merge_mode: ``'concat'``, ``'sum'``, ``'mul'``, ``'ave'`` or ``None`` (return both as a list).
            Defaults to ``'concat'``.
        backward_layer: the RNN to run backwards. Defaults to ``None``: a copy of ``layer`` with
            ``go_backwards`` flipped, named ``backward_<name>``.

    Shape:
        Input ``(batch, timesteps, features)``; with ``'concat'`` output ``(batch, [timesteps,] 2*units)``.
        With ``return_sequences`` the backward outputs are reversed back into input time order.
        Weights: the forward layer's, then the backward layer's.

    Raises:
        ValueError: for an unknown ``merge_mode`` or a layer without ``go_backwards``.

    Source: Schuster & Paliwal (1997); keras/src/layers/rnn/bidirectional.py.

    Example:
        >>> import ember
        >>> bi = ember.layers.Bidirectional(ember.layers.LSTM(3))
        >>> bi(ember.ops.ones((2, 5, 4))).shape
        (2, 6)
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid merge_mode. Expected one of {_MERGE_MODES}. "
                             f"Received: merge_mode={merge_mode!r}")  # fmt: skip
        if not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional: expected an RNN layer (with go_backwards). Received: {layer!r}")
        base = layer.name.removeprefix("forward_")
        self.forward_layer = _copy_layer(layer, "forward_" + base)
        if backward_layer is None:
            backward_layer = _copy_layer(layer, "backward_" + base, go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._input_shape_arg = self._input_shape_arg or layer._input_shape_arg
        self._initial_weights = weights

    def build(self, input_shape) -> None:
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) * 0.5
        if self.merge_mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def call(self, sequences, initial_state=None, mask=None, training=None):
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fwd_state, mask=mask, training=training)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, mask=mask, training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences and self.backward_layer.go_backwards != self.forward_layer.go_backwards:
            y_rev = ops.flip(y_rev, axis=1)
        out = self._merge(y, y_rev)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_output_shape(self, input_shape):
        fwd = self.forward_layer.compute_output_shape(input_shape)
        bwd = self.backward_layer.compute_output_shape(input_shape)
        out, states = (fwd[0], fwd[1:] + bwd[1:]) if self.return_state else (fwd, [])
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (out[-1] + (bwd[0] if self.return_state else bwd)[-1],)
        outs = [out, out] if self.merge_mode is None else [out]
        return outs + list(states) if (self.return_state or self.merge_mode is None) else out

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if self.return_state:
            n = len(self.forward_layer.compute_output_shape((1, 1, 1))) - 1
            return [out] + [None] * (2 * n)
        return out

    def reset_states(self) -> None:
        """Reset both directions' states (stateful RNNs)."""
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(layer=serialize(self.forward_layer), merge_mode=self.merge_mode,
                      backward_layer=serialize(self.backward_layer))  # fmt: skip
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"])
        return cls(**config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every timestep: ``(batch, timesteps, ...)`` → ``(batch, timesteps, ...out)``.

    The time axis is folded into the batch axis (one call of ``layer`` on ``batch*timesteps`` samples),
    so the wrapped layer's weights are shared across time.

    Args:
        layer: any layer taking ``(batch, ...)`` input.

    Raises:
        ValueError: for input of rank < 3, naming the layer and the shape.

    Source: keras/src/layers/rnn/time_distributed.py.

    Example:
        >>> import ember
        >>> td = ember.layers.TimeDistributed(ember.layers.Dense(2))
        >>> td(ember.ops.ones((4, 3, 5))).shape
        (4, 3, 2)
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: expected a Layer. Received: {layer!r}")
        self.layer = layer
        self._input_shape_arg = self._input_shape_arg or layer._input_shape_arg

    def _check(self, shape) -> None:
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}' expects input of rank >= 3 (batch, timesteps, ...). "
                             f"Received: shape={tuple(shape)}")  # fmt: skip

    def build(self, input_shape) -> None:
        self._check(input_shape)
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._check(inputs.shape)
        b, t = inputs.shape[:2]
        y = self.layer(ops.reshape(inputs, (b * t,) + tuple(inputs.shape[2:])), training=training)
        return ops.reshape(y, (b, t) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        return cls(**config)
