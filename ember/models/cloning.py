"""``clone_model`` and ``save_model`` (``keras.models.clone_model`` / ``keras.models.save_model``).

Source: keras/src/models/cloning.py, keras/src/saving/saving_api.py.
"""

from __future__ import annotations

from ember.layers.input_layer import Input, KerasTensor
from ember.layers.layer import Layer
from ember.models.graph import map_structure


def _default_clone(layer: Layer) -> Layer:
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with the same architecture and fresh weights (Keras 3's ``clone_model``).

    Layers are rebuilt with ``clone_function(layer)`` (default: ``layer.from_config(layer.get_config())``,
    keeping layer names, as Keras does); weights are newly initialised, not copied: call
    ``clone.set_weights(model.get_weights())`` to copy them.

    Args:
        model: a ``Sequential`` or functional ``Model``; a subclassed model is rebuilt from its
            ``get_config()`` (which it must implement).
        input_tensors: Keras's new inputs; only ``None`` is supported.
        clone_function: ``layer -> new layer``. Defaults to a config round trip.
        call_function, recursive: Keras options; only their defaults are supported.

    Returns:
        The new model (not compiled).

    Raises:
        NotImplementedError: for ``input_tensors``, ``call_function`` or ``recursive=True``.
        ValueError: for a subclassed model whose config cannot rebuild it.
    """
    for arg, value, default in (("input_tensors", input_tensors, None), ("call_function", call_function, None),
                                ("recursive", recursive, False)):  # fmt: skip
        if value is not default and value != default:
            raise NotImplementedError(f"clone_model: {arg}={value!r} is not implemented in ember yet")
    if kwargs:
        raise TypeError(f"clone_model: unrecognized keyword arguments {sorted(kwargs)}")
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential

    fn = clone_function or _default_clone
    if isinstance(model, Sequential):
        return _clone_sequential(model, fn)
    if isinstance(model, Functional):
        return _clone_functional(model, fn)
    try:
        return type(model).from_config(model.get_config())
    except TypeError as exc:
        raise ValueError(f"clone_model: subclassed model '{model.name}' cannot be rebuilt from get_config() "
                         f"({exc}). Implement get_config()/from_config(), as Keras requires.") from exc  # fmt: skip


def _clone_sequential(model, fn):
    from ember.models.sequential import Sequential

    layers = []
    if model._input_shape is not None:
        layers.append(Input(shape=tuple(model._input_shape[1:]), batch_size=model._batch_size))
    layers += [fn(layer) for layer in model.layers]
    return Sequential(layers, name=model.name)


def _clone_functional(model, fn):
    from ember.models.functional import Functional

    values: dict[int, KerasTensor] = {}
    new_inputs = []
    for t in model.inputs:
        source = getattr(t, "source_layer", None)
        name = source.name if source is not None else None
        new = Input(shape=tuple(t.shape[1:]), batch_size=t.shape[0], dtype=t.dtype, name=name)
        values[id(t)] = new
        new_inputs.append(new)
    clones: dict[int, Layer] = {}
    for node in model._nodes:
        layer = clones.get(id(node.layer))
        if layer is None:
            layer = clones[id(node.layer)] = fn(node.layer)

        def value(t):
            return values[id(t)]

        out = layer(map_structure(value, node.inbound), *map_structure(value, list(node.args)),
                    **map_structure(value, dict(node.kwargs)))  # fmt: skip
        for t, index in node.outputs:
            values[id(t)] = out if index is None else out[index]
    outs = [values[id(t)] for t in model.outputs]
    if model._output_keys:
        outputs = dict(zip(model._output_keys, outs, strict=True))
    else:
        outputs = outs[0] if model._single_output else outs
    inputs = new_inputs[0] if isinstance(model._input_struct, KerasTensor) else new_inputs
    return Functional(inputs, outputs, name=model.name)


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
    """``model.save(filepath, overwrite=overwrite)``: the ``.keras`` archive (Keras's ``save_model``).

    Raises:
        NotImplementedError: for ``zipped=False`` (ember writes the zipped archive only).
        ValueError: if ``filepath`` does not end in ``.keras``.
    """
    if zipped is False:
        raise NotImplementedError("save_model: zipped=False (an unzipped folder) is not implemented in ember")
    if kwargs:
        raise TypeError(f"save_model: unrecognized keyword arguments {sorted(kwargs)}")
    model.save(filepath, overwrite=overwrite)
