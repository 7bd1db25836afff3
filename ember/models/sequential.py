"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from ember.layers.input_layer import InputLayer, KerasTensor, record_chain
from ember.layers.layer import Layer
from ember.models.model import Model


class Sequential(Model):
    """A linear stack of layers (``keras.Sequential``).

    The input shape comes from an ``Input(shape=...)`` first element, from
    ``input_dim=``/``input_shape=`` on the first layer (Keras 2 style, as in the
    course notes), or from the first batch the model sees.

    Args:
        layers: list of layers (an ``Input`` KerasTensor may come first). Defaults to ``None``.
        name: defaults to ``'sequential'``, made unique.

    Raises:
        TypeError: when something that is not a layer is added.

    Example:
        >>> import ember
        >>> from ember import layers, models
        >>> model = models.Sequential([
        ...     layers.Dense(3, input_dim=2, activation='relu'),
        ...     layers.Dense(1, activation='sigmoid'),
        ... ])
        >>> model.count_params()
        13
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._input_shape = None
        self._batch_size = None  # fixed by Input(batch_size=...), as stateful RNNs need
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or set the input shape with an ``Input`` KerasTensor / InputLayer).

        Raises:
            TypeError: if ``layer`` is not a Layer or an Input.
        """
        if isinstance(layer, KerasTensor) and layer.history is None:
            self._input_shape, self._batch_size = layer.shape, layer.shape[0]
            object.__setattr__(self, "_input_layer", getattr(layer, "source_layer", None))
            self.built = False
            return
        if isinstance(layer, InputLayer):
            self._input_shape, self._batch_size = layer.shape, layer.batch_size
            object.__setattr__(self, "_input_layer", layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: expected a Layer instance. Received: {layer!r} of type {type(layer).__name__}"
            )
        self._layers.append(layer)
        self.built = False  # the new layer must be built too (build() is a no-op on a built model)
        if len(self._layers) == 1 and self._input_shape is None and layer._input_shape_arg is not None:
            self._input_shape = layer._input_shape_arg
        if self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        layer = self._layers.pop()
        self.built = False
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer in turn, recording each output shape.

        The batch axis is ``None`` unless an ``Input(batch_size=...)`` fixed it.
        """
        shape = tuple(input_shape if input_shape is not None else self._input_shape)
        shape = (self._batch_size,) + shape[1:]
        self._input_shape = shape
        for layer in self._layers:
            layer._maybe_build(shape)
            shape = tuple(layer.compute_output_shape(shape))
            layer._built_output_shape = shape
        self.built = True
        self._graph_io = record_chain(self, self._input_shape)

    # ------------------------------------------------------------------ Keras's symbolic views
    @property
    def inputs(self) -> list[KerasTensor]:
        """``[Input KerasTensor]`` of the built model (Keras 3); AttributeError before it is built."""
        return [self._io("inputs")[0]]

    @property
    def outputs(self) -> list[KerasTensor]:
        """``[output KerasTensor]`` of the last layer (Keras 3); AttributeError before the model is built."""
        return [self._io("outputs")[1]]

    def _io(self, what: str):
        io = self.__dict__.get("_graph_io")
        if not self.built or io is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no `{what}`: it is not built. Start it with "
                f"ember.Input(shape=...), pass input_shape= to its first layer, or call model.build(shape)."
            )
        return io

    def _maybe_build(self, input_shape) -> None:
        if not self.built or any(not layer.built for layer in self._layers):
            self.built = False
            self.build(input_shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self) -> dict:
        from ember.utils.serialization import serialize_object

        config = {"name": self.name, "layers": [serialize_object(layer) for layer in self._layers]}
        if self._input_shape is not None:
            config["input_shape"] = list(self._input_shape[1:])
        if self._batch_size is not None:
            config["batch_size"] = self._batch_size
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
        """Rebuild from :meth:`get_config` (layers through the safe class allowlist)."""
        from ember.models.functional_config import deserialize_layer

        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model._batch_size = config.get("batch_size")
            model._input_shape = (model._batch_size,) + tuple(config["input_shape"])
        for entry in config.get("layers", []):
            model.add(deserialize_layer(entry, custom_objects, safe_mode))
        return model
