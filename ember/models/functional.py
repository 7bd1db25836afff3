"""``Model(inputs, outputs)``: the functional API (Keras 3 ``Functional``).

Layers called on :func:`~ember.layers.Input` tensors record a graph; the model
replays it on real tensors in topological order. Multi-input, multi-output,
shared layers (one layer, several nodes) and nested models (a model used as a
layer) all come from the same replay. Masks travel with the tensors
(:mod:`ember.layers.masking_state`), so the replay needs no mask bookkeeping.
Source: keras/src/models/functional.py and keras/src/ops/function.py.
"""

from __future__ import annotations

from ember.layers.input_layer import KerasTensor
from ember.models.graph import build_nodes, flatten_tensors, map_structure
from ember.models.model import Model


def _as_list(structure, what: str, model_name: str) -> list[KerasTensor]:
    items = list(structure.values()) if isinstance(structure, dict) else structure
    items = items if isinstance(items, (list, tuple)) else [items]
    for t in items:
        if not isinstance(t, KerasTensor):
            raise TypeError(
                f"Functional model '{model_name}': every entry of `{what}` must be a KerasTensor (from "
                f"ember.Input or a layer called on one). Received: {type(t).__name__}"
            )
    return list(items)


class Functional(Model):
    """A model defined by its input and output KerasTensors.

    Args:
        inputs: a KerasTensor from :func:`ember.Input`, or a list or dict of them.
        outputs: a KerasTensor computed from ``inputs``, or a list of them.
        name: defaults to ``'functional'``, made unique.

    Raises:
        ValueError: when an output needs a tensor that does not come from
            ``inputs`` (the message names it).
        TypeError: when ``inputs``/``outputs`` hold something other than KerasTensors.

    Example:
        >>> import ember
        >>> from ember import layers
        >>> x = ember.Input(shape=(3,))
        >>> h = layers.Dense(4, activation="relu")(x)
        >>> model = ember.Model(x, [layers.Dense(1)(h), layers.Dense(2)(h)])
        >>> [o.shape for o in model(ember.ops.ones((5, 3)))]
        [(5, 1), (5, 2)]
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        super().__init__(name=name or _auto_name(), **kwargs)
        self._input_struct = inputs
        self.inputs = _as_list(inputs, "inputs", self.name)
        self._single_output = isinstance(outputs, KerasTensor)
        self._output_keys = list(outputs) if isinstance(outputs, dict) else None
        self.outputs = _as_list(outputs, "outputs", self.name)
        self._nodes = build_nodes(self.inputs, self.outputs, self.name)
        layers = [t.source_layer for t in self.inputs if getattr(t, "source_layer", None) is not None]
        for node in self._nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        self._layers = layers
        self._output_shapes = {}
        for node in self._nodes:
            shapes = [t.shape for t, _ in sorted(node.outputs, key=lambda p: p[1] or 0)]
            self._output_shapes.setdefault(id(node.layer), shapes[0] if len(shapes) == 1 else shapes)
        self.built = True

    # ------------------------------------------------------------------ structure
    @property
    def input_names(self) -> list[str]:
        """Names of the input layers, in input order."""
        return [t.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        """Names of the outputs (Keras's log key prefixes): dict keys, else the producing layers' names."""
        return list(self._output_keys) if self._output_keys else [t.name for t in self.outputs]

    def _flatten_inputs(self, inputs) -> list:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Functional model '{self.name}': missing inputs {missing}. Expected keys "
                    f"{self.input_names}. Received: {sorted(inputs)}"
                )
            return [inputs[n] for n in self.input_names]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Functional model '{self.name}' expects {len(self.inputs)} input(s) with shapes "
                f"{[t.shape for t in self.inputs]}. Received: {len(flat)} input(s)"
            )
        return flat

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            inputs = self._flatten_inputs(inputs)
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and len(self.inputs) == 1:
            inputs = inputs[0]
        return super().__call__(inputs, *args, **kwargs)

    # ------------------------------------------------------------------ running
    def call(self, inputs, training=None, mask=None):
        """Replay the recorded layer calls on ``inputs`` (a tensor, a list, or a dict by input name)."""
        values = {id(t): x for t, x in zip(self.inputs, self._flatten_inputs(inputs), strict=True)}
        for node in self._nodes:

            def value(t):
                return values[id(t)]

            kwargs = map_structure(value, dict(node.kwargs))
            if training is not None and "training" not in kwargs:
                kwargs["training"] = training
            out = node.layer(map_structure(value, node.inbound), *map_structure(value, list(node.args)), **kwargs)
            for t, index in node.outputs:
                values[id(t)] = out if index is None else out[index]
        outs = [values[id(t)] for t in self.outputs]
        if self._output_keys:
            return dict(zip(self._output_keys, outs, strict=True))
        return outs[0] if self._single_output else outs

    def build(self, input_shape=None) -> None:
        """Nothing to do: every layer was built when the graph was recorded."""
        self.built = True

    def _maybe_build(self, input_shape) -> None:
        self.built = True

    def compute_output_shape(self, input_shape):
        """The recorded output shapes with the batch axis of ``input_shape``."""
        batch = (input_shape[0] if isinstance(input_shape, list) else input_shape)[0]
        shapes = [(batch,) + tuple(t.shape[1:]) for t in self.outputs]
        return shapes[0] if self._single_output else shapes  # NOTE: dict outputs report a list of shapes

    def _sequential_like(self) -> bool:
        """A plain chain: one input, one output, each layer called once on the previous layer's output."""
        if len(self.inputs) != 1 or len(self.outputs) != 1 or len(self._nodes) != len(self.layers) - 1:
            return False
        previous = self.inputs[0]
        for node in self._nodes:
            parents = node.parents()
            if len(parents) != 1 or parents[0] is not previous or len(node.outputs) != 1:
                return False
            previous = node.outputs[0][0]
        return True

    def _summary_rows(self):
        rows, links = [], {}
        if not self._sequential_like():
            index = {id(t): f"{t.name}[0][0]" for t in self.inputs}
            counts: dict[int, int] = {}
            for node in self._nodes:
                k = counts[id(node.layer)] = counts.get(id(node.layer), -1) + 1
                for t, i in node.outputs:
                    index[id(t)] = f"{node.layer.name}[{k}][{i or 0}]"
            for node in self._nodes:
                links.setdefault(id(node.layer), []).extend(index.get(id(t), "?") for t in node.parents())
        for layer in self.layers:
            shape = self._output_shapes.get(id(layer)) or getattr(layer, "shape", None)
            row = (f"{layer.name} ({type(layer).__name__})", shape, layer.count_params())
            rows.append(row + (links.get(id(layer), []),) if not self._sequential_like() else row)
        return rows

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Layers, the recorded calls (nodes) and the input/output tensor references, as JSON-able data."""
        from ember.models.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
        """Rebuild the graph from :meth:`get_config` by replaying each call on new Inputs."""
        from ember.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects, safe_mode)


def _auto_name() -> str:
    from ember.layers.layer import unique_name

    return unique_name("functional")


__all__ = ["Functional", "flatten_tensors"]
