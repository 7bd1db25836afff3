"""``Input``: a symbolic placeholder (``KerasTensor``) that records the layers applied to it.

Calling a layer on a KerasTensor does no math: it works out the output shape
and returns a new KerasTensor remembering ``(layer, inputs, kwargs)``. Models
built from such graphs (``Sequential([Input(...), ...])``, the functional API)
replay those records on real tensors.
"""

from __future__ import annotations

from ember.backend import floatx
from ember.layers.layer import Layer, unique_name


class KerasTensor:
    """A symbolic tensor: shape (batch axis first, may be ``None``) and dtype, no values.

    Attributes:
        shape: tuple, e.g. ``(None, 784)``.
        dtype: dtype name.
        name: the producing input's or layer's name.
        history: ``(layer, inbound, args, kwargs)`` of the call that made it, or ``None`` for inputs.
    """

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = dtype or floatx()
        self.name = name
        self.history = history

    @property
    def ndim(self) -> int:
        """Rank, batch axis included."""
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class InputLayer(Layer):
    """The layer behind :func:`Input`: holds the model input's shape.

    Args:
        shape: input shape without the batch axis, e.g. ``(784,)``.
        batch_size: fixed batch size, or ``None``. Defaults to ``None``.
        dtype: defaults to ``floatx()``.
        name: defaults to ``'input_layer'``, made unique.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if batch_shape is not None:  # Keras 3: the shape with its batch axis
            shape, batch_size = tuple(batch_shape)[1:], tuple(batch_shape)[0]
        if shape is None:
            raise ValueError("InputLayer: `shape` is required, e.g. Input(shape=(784,)).")
        text = dtype in ("string", "str")  # Keras's Input(dtype="string") for a model that starts with text layers
        super().__init__(name=name or unique_name("input_layer"), dtype=None if text else dtype, **kwargs)
        if text:
            self.dtype = dtype = "string"
        self.shape = (batch_size,) + tuple(shape)
        self.batch_size = batch_size
        self.built = True
        tensor = KerasTensor(self.shape, dtype=dtype, name=self.name, history=None)
        tensor.source_layer = self
        self._inbound_nodes = [(tensor, tensor)]  # `output` (and `input`) is the placeholder itself

    def get_config(self) -> dict:
        return {"shape": self.shape[1:], "batch_size": self.batch_size, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,  # noqa: N802
          optional=False) -> KerasTensor:
    """A symbolic model input (``keras.Input``).

    Args:
        shape: shape without the batch axis, e.g. ``(784,)`` or ``(28, 28, 1)``.
        batch_size: fixed batch size. Defaults to ``None`` (any).
        dtype: defaults to ``floatx()``.
        name: defaults to an automatic unique name.
        batch_shape: the shape with the batch axis (instead of ``shape`` and ``batch_size``).
        sparse, tensor, optional: Keras 3 options; only their defaults are accepted (others raise
            NotImplementedError).

    Returns:
        A :class:`KerasTensor` to call layers on or to put first in a ``Sequential``.
    """
    extras = {k: v for k, v in (("sparse", sparse), ("input_tensor", tensor), ("optional", optional)) if v}
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape, **extras)
    return layer.output


def _shape_of(x):
    if isinstance(x, (list, tuple)):
        return [tuple(t.shape) for t in x]
    return tuple(x.shape)


def _has_symbolic(structure) -> bool:
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(_has_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(_has_symbolic(s) for s in structure.values())
    return False


def _zeros_for(structure):
    from ember import ops

    if isinstance(structure, KerasTensor):
        return ops.zeros(tuple(1 if d is None else d for d in structure.shape), dtype=structure.dtype)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_zeros_for(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _zeros_for(v) for k, v in structure.items()}
    return structure


def _dry_run_shape(layer: Layer, inputs, args, kwargs):
    """Output shape(s) of a call whose other arguments hold KerasTensors too (Keras allows any of ``call``'s
    arguments to be symbolic): the layer runs once on zeros (unknown sizes as 1), and a batch axis the inputs
    leave unknown stays ``None``. Losses that run adds are dropped."""
    from ember.autograd import no_grad

    with no_grad():
        out = layer(_zeros_for(inputs), *_zeros_for(list(args)), **_zeros_for(dict(kwargs)))
    layer._clear_losses()
    first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    batch = first.shape[0] if first.shape else None

    def shape(t):
        return (batch,) + tuple(t.shape[1:]) if t.shape else ()

    return [shape(t) for t in out] if isinstance(out, (list, tuple)) else shape(out)


def symbolic_call(layer: Layer, inputs, *args, **kwargs):
    """Apply ``layer`` to KerasTensor ``inputs``: build it, infer the output shape, record the call."""
    shape = _shape_of(inputs)
    layer._maybe_build(shape)
    if _has_symbolic(args) or _has_symbolic(kwargs):  # e.g. layer(targets, logits): shape from a dry run
        out_shape = _dry_run_shape(layer, inputs, args, kwargs)
    else:
        out_shape = layer.compute_output_shape(shape)
    history = (layer, inputs, args, kwargs)
    if isinstance(out_shape, list):
        out = [KerasTensor(s, name=layer.name, history=history + (i,)) for i, s in enumerate(out_shape)]
    else:
        out = KerasTensor(out_shape, name=layer.name, history=history + (None,))
    layer.__dict__.setdefault("_inbound_nodes", []).append((inputs, out))  # for `layer.input`/`layer.output`
    return out


def record_chain(model, input_shape):
    """Record a Sequential's layers as one symbolic chain from a (reused) InputLayer; returns ``(input, output)``.

    Each layer's only node is replaced, so rebuilding after ``add()`` does not pile up nodes, and
    ``layer.input``/``layer.output`` and ``model.inputs``/``outputs`` give a graph that
    ``Model(inputs=..., outputs=...)`` can replay (Keras's feature-extraction pattern).
    """
    source = model.__dict__.get("_input_layer")
    if source is None or source.shape != tuple(input_shape):
        source = InputLayer(shape=tuple(input_shape)[1:], batch_size=input_shape[0])
        object.__setattr__(model, "_input_layer", source)  # not a tracked sub-layer
    start = x = source.output
    for layer in model._layers:
        out = KerasTensor(layer._built_output_shape, name=layer.name, history=(layer, x, (), {}, None))
        layer.__dict__["_inbound_nodes"] = [(x, out)]
        x = out
    return start, x
