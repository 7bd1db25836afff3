"""JSON configs of models and layers: writing a functional graph out and rebuilding any layer from a config.

A functional config lists the layers, then the recorded calls (nodes) in
execution order. Tensors are referenced by where they come from:
``["input", i]`` for the i-th model input, ``["node", k, index]`` for output
``index`` of node ``k`` (``None`` for single-output layers). Rebuilding replays
every call on fresh ``Input`` tensors, so the rebuilt model has the same
layers in the same order and therefore the same weight order.

Class names resolve only against a fixed allowlist (``ember.layers``,
``ember.models``, objects registered with
:func:`ember.saving.register_keras_serializable` and the caller's
``custom_objects``): nothing is imported by name from a file.
"""

from __future__ import annotations

import inspect

from ember.layers.input_layer import InputLayer
from ember.models.graph import map_structure
from ember.utils.serialization import get_registered_object, serialize_object


def _resolve_class(class_name: str, custom_objects):
    from ember import layers, models

    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    registered = get_registered_object(class_name)
    if registered is not None:
        return registered
    for module in (models, layers):
        cls = getattr(module, class_name, None)
        if isinstance(cls, type):
            return cls
    if class_name == "Functional":
        from ember.models.functional import Functional

        return Functional
    raise ValueError(
        f"Unknown layer class {class_name!r} in the model config. Register custom classes with "
        "@ember.saving.register_keras_serializable() or pass custom_objects={name: class}"
    )


def deserialize_layer(config: dict, custom_objects=None, safe_mode: bool = True):
    """Build a layer (or model) from ``{"class_name": ..., "config": {...}}``.

    Raises:
        ValueError: for a malformed entry, an unknown class, or a ``Lambda`` layer
            when ``safe_mode`` is true (checked before anything is imported or run).
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(
            f"Malformed layer config: expected {{'class_name': str, 'config': dict}}. Received: {config!r}"
        )
    class_name, inner = config["class_name"], config.get("config") or {}
    if not isinstance(inner, dict):
        raise ValueError(f"Malformed config of layer class {class_name!r}: expected a dict. Received: {inner!r}")
    if class_name == "Lambda" and safe_mode:
        raise ValueError(
            f"Refusing to load Lambda layer {inner.get('name')!r}: its function would be imported and run, "
            "which is unsafe for files from untrusted sources. Pass safe_mode=False to load it"
        )
    cls = _resolve_class(class_name, custom_objects)
    params = inspect.signature(cls.from_config).parameters
    kwargs = {}
    if "custom_objects" in params:
        kwargs["custom_objects"] = custom_objects
    if "safe_mode" in params:
        kwargs["safe_mode"] = safe_mode
    try:
        return cls.from_config(inner, **kwargs)
    except TypeError as exc:
        raise ValueError(f"Cannot rebuild layer class {class_name!r} from its config: {exc}") from exc


# ---------------------------------------------------------------------- functional graphs
def _ref_table(model) -> dict:
    refs = {id(t): ["input", i] for i, t in enumerate(model.inputs)}
    for k, node in enumerate(model._nodes):
        for t, index in node.outputs:
            refs[id(t)] = ["node", k, index]
    return refs


def _encode(structure, refs):
    if isinstance(structure, (list, tuple)):
        return [_encode(s, refs) for s in structure]
    if isinstance(structure, dict):
        return {k: _encode(v, refs) for k, v in structure.items()}
    if hasattr(structure, "history") and id(structure) in refs:
        return {"__tensor__": refs[id(structure)]}
    if structure is None or isinstance(structure, (str, int, float, bool)):
        return structure
    raise TypeError(f"Cannot serialize layer call argument of type {type(structure).__name__}")


def functional_config(model) -> dict:
    """The JSON-able config of a :class:`~ember.models.functional.Functional` model."""
    refs = _ref_table(model)
    nodes = [{"layer": node.layer.name, "inbound": _encode(node.inbound, refs), "args": _encode(list(node.args), refs),
              "kwargs": _encode(dict(node.kwargs), refs)} for node in model._nodes]  # fmt: skip
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": [{**serialize_object(layer), "name": layer.name} for layer in model.layers],
        "nodes": nodes,
        "input_layers": [t.source_layer.name for t in model.inputs],
        "output_layers": [refs[id(t)] for t in model.outputs],
        "single_output": model._single_output,
        "output_keys": model._output_keys,
    }


def _decode(structure, tensors: dict):
    if isinstance(structure, dict) and set(structure) == {"__tensor__"}:
        key = tuple(structure["__tensor__"])
        if key not in tensors:
            raise ValueError(f"Model config refers to tensor {list(key)} before it is produced")
        return tensors[key]
    if isinstance(structure, list):
        return [_decode(s, tensors) for s in structure]
    if isinstance(structure, dict):
        return {k: _decode(v, tensors) for k, v in structure.items()}
    return structure


def _record_outputs(out, k: int, tensors: dict) -> None:
    if isinstance(out, (list, tuple)):
        for i, t in enumerate(out):
            tensors[("node", k, i)] = t
    else:
        tensors[("node", k, None)] = out


def functional_from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
    """Rebuild a functional model from :func:`functional_config`'s output.

    Raises:
        ValueError: for malformed configs (unknown layer names, dangling tensor references).
    """
    try:
        layers = {}
        for entry in config["layers"]:
            layer = deserialize_layer(entry, custom_objects, safe_mode)
            layers[entry.get("name") or layer.name] = layer  # a custom get_config may leave out "name" (Keras)
        tensors = {}
        for i, name in enumerate(config["input_layers"]):
            if not isinstance(layers.get(name), InputLayer):
                raise ValueError(f"Model config: input layer {name!r} is missing or not an InputLayer")
            tensors[("input", i)] = layers[name].output
        for k, node in enumerate(config["nodes"]):
            if node["layer"] not in layers:
                raise ValueError(f"Model config: node {k} calls unknown layer {node['layer']!r}")
            out = layers[node["layer"]](_decode(node["inbound"], tensors), *_decode(node["args"], tensors),
                                        **_decode(node["kwargs"], tensors))  # fmt: skip
            _record_outputs(out, k, tensors)
        outputs = [_decode({"__tensor__": ref}, tensors) for ref in config["output_layers"]]
        inputs = [tensors[("input", i)] for i in range(len(config["input_layers"]))]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"Malformed functional model config: {type(exc).__name__}: {exc}") from exc
    if config.get("output_keys"):
        outputs = dict(zip(config["output_keys"], outputs, strict=True))
    elif config.get("single_output", len(outputs) == 1):
        outputs = outputs[0]
    inputs = inputs[0] if len(inputs) == 1 else inputs
    model = cls(inputs, outputs, name=config.get("name"))
    if config.get("trainable", True) is False:  # setting True would unfreeze layers frozen in their own configs
        model.trainable = False
    return model


__all__ = ["deserialize_layer", "functional_config", "functional_from_config", "map_structure"]
