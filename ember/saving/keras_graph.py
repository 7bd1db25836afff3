"""Model configs in Keras 3's ``config.json`` form: Sequential, functional graphs and layers, both ways.

Keras 3 writes a functional model as its layers, each with its ``inbound_nodes``: one
``{"args": [...], "kwargs": {...}}`` per call, tensors as ``{"class_name": "__keras_tensor__", "config":
{"shape", "dtype", "keras_history": [layer_name, node_index, tensor_index]}}``, plus ``input_layers`` and
``output_layers`` (``[name, node_index, tensor_index]`` triples). The layers are listed in Keras's
``Functional.layers`` order, which :func:`keras_layer_order` reproduces (``map_graph`` in
``keras/src/ops/function.py``): the weight file names layers by that order. A Sequential lists an
``InputLayer`` first. Source: ``keras/src/models/functional.py`` (``get_config``, ``functional_from_config``).
"""

from __future__ import annotations

from ember.layers.input_layer import InputLayer, KerasTensor
from ember.models.functional_config import deserialize_layer
from ember.saving.keras_objects import from_keras, resolve_class, to_keras


def _is(layer, name: str) -> bool:
    return any(c.__name__ == name and c.__module__.startswith("ember.") for c in type(layer).__mro__)


# ---------------------------------------------------------------------- Keras's layer order
def _graph(model):
    """``producer(tensor) -> node key`` and ``{key: (layer, parent tensors)}`` of a functional model and its inputs."""
    nodes = {id(n.kwargs): (n.layer, n.parents()) for n in model._nodes}
    for t in model.inputs:
        nodes[("input", id(t))] = (t.source_layer, [])
    input_ids = {id(t) for t in model.inputs}

    def producer(t):
        return ("input", id(t)) if id(t) in input_ids else id(t.history[3])

    return producer, nodes


def keras_layer_order(model) -> list:
    """``model.layers`` in the order Keras 3 gives the same functional graph (depth, then first visit).

    A model rebuilt from a Keras config keeps that config's order (Keras wrote it in this order).
    """
    by_name = {layer.name: layer for layer in model.layers}
    kept = getattr(model, "_keras_order", None)
    if kept is not None and sorted(kept) == sorted(by_name):
        return [by_name[name] for name in kept]
    producer, nodes = _graph(model)
    finished, ordered, first_seen = set(), [], {}
    for out in model.outputs:
        stack = [(producer(out), False)]
        while stack:  # post-order depth-first walk, as keras' _build_map_helper (no recursion)
            key, expanded = stack.pop()
            if key in finished:
                continue
            if expanded:
                finished.add(key)
                ordered.append(key)
                continue
            layer, parents = nodes[key]
            first_seen.setdefault(id(layer), len(first_seen))
            stack.append((key, True))
            stack.extend((producer(p), False) for p in reversed(parents))
    node_depth, layer_depth = {}, {}
    for key in reversed(ordered):
        layer, parents = nodes[key]
        depth = max(node_depth.setdefault(key, 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[key] = depth
        for p in parents:
            node_depth[producer(p)] = max(depth + 1, node_depth.get(producer(p), 0))
    for t in model.inputs:  # unused inputs
        if id(t.source_layer) not in layer_depth:
            layer_depth[id(t.source_layer)], first_seen[id(t.source_layer)] = 0, -1
    by_id = {id(layer): layer for layer in model.layers}
    return sorted((by_id[i] for i in layer_depth), key=lambda la: (-layer_depth[id(la)], first_seen[id(la)]))


# ---------------------------------------------------------------------- ember -> Keras
def _input_layer_config(name, batch_shape, dtype) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
            "config": {"batch_shape": list(batch_shape), "dtype": dtype or "float32", "sparse": False,
                       "ragged": False, "name": name}}  # fmt: skip


def _shape(shape):
    return [_shape(s) for s in shape] if isinstance(shape, list) else list(shape)


def layer_to_keras(layer) -> dict:
    """The Keras 3 config of one layer or model (``build_config`` added for subclassed models)."""
    from ember.utils.serialization import serialize_object

    if _is(layer, "Sequential"):
        return _sequential_to_keras(layer)
    if _is(layer, "Functional"):
        return _functional_to_keras(layer)
    entry = to_keras(serialize_object(layer))
    shape = getattr(layer, "_build_shape", None)
    if _is(layer, "Model") and shape is not None:
        entry["build_config"] = {"input_shape": _shape(shape)}
    return entry


def _sequential_to_keras(model) -> dict:
    from ember.utils.serialization import serialize_object

    config = {k: v for k, v in serialize_object(model)["config"].items() if k not in ("layers", "input_shape")}
    config.pop("batch_size", None)
    shape = model._input_shape or getattr(model, "_build_shape", None)
    layers = [layer_to_keras(layer) for layer in model.layers]
    if shape is not None:
        layers.insert(0, _input_layer_config(f"{model.name}_input", shape, None))
        config["build_input_shape"] = list(shape)
    entry = {"module": "keras", "class_name": "Sequential", "registered_name": None,
             "config": {**config, "layers": layers}}  # fmt: skip
    if shape is not None:
        entry["build_config"] = {"input_shape": list(shape)}
    return entry


def _functional_to_keras(model) -> dict:
    node_index, refs = {}, {}
    for t in model.inputs:
        refs[id(t)] = [t.source_layer.name, 0, 0]
    calls = {}
    for node in model._nodes:
        k = node_index[id(node.layer)] = node_index.get(id(node.layer), -1) + 1
        for t, index in node.outputs:
            refs[id(t)] = [node.layer.name, k, index or 0]
        calls.setdefault(id(node.layer), []).append(node)

    def encode(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__", "config": {"shape": list(x.shape), "dtype": x.dtype,
                                                                 "keras_history": refs[id(x)]}}  # fmt: skip
        if isinstance(x, (list, tuple)):
            return [encode(v) for v in x]
        if isinstance(x, dict):
            return {k: encode(v) for k, v in x.items()}
        return x

    layers = []
    for layer in keras_layer_order(model):
        if isinstance(layer, InputLayer):
            entry = _input_layer_config(layer.name, layer.shape, layer.dtype)
            entry.update(name=layer.name, inbound_nodes=[])
        else:
            entry = layer_to_keras(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [{"args": encode([n.inbound, *n.args]), "kwargs": encode(dict(n.kwargs))}
                                      for n in calls.get(id(layer), [])]  # fmt: skip
        layers.append(entry)
    ins = [refs[id(t)] for t in model.inputs]
    outs = [refs[id(t)] for t in model.outputs]
    if isinstance(model._input_struct, dict):
        ins = dict(zip(model._input_struct, ins, strict=True))
    elif isinstance(model._input_struct, KerasTensor):
        ins = ins[0]
    if model._output_keys:
        outs = dict(zip(model._output_keys, outs, strict=True))
    elif model._single_output:
        outs = outs[0]
    config = {"name": model.name, "trainable": model.trainable, "layers": layers, "input_layers": ins,
              "output_layers": outs}  # fmt: skip
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": config}  # fmt: skip


# ---------------------------------------------------------------------- Keras -> ember
def layer_from_keras(entry: dict, custom_objects=None, safe_mode: bool = True):
    """Build the ember layer or model described by a Keras 3 config entry.

    Raises:
        UnsafeFileError: for classes from modules outside keras/ember (nothing is imported).
        ValueError: for a class ember lacks, a Lambda in safe mode, or a malformed config.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("config", {}), dict):
        raise ValueError(f"Malformed layer config: expected {{'class_name', 'config'}}. Received: {entry!r}")
    cls = resolve_class(entry, custom_objects, "layers")
    config = entry.get("config") or {}
    if entry.get("class_name") == "Lambda" and safe_mode:
        raise ValueError(f"Refusing to load Lambda layer {config.get('name')!r}: its function would be run. "
                         "Pass safe_mode=False to load it from a trusted file")  # fmt: skip
    if "layers" in config and "input_layers" in config and not _registered(entry, custom_objects):
        return functional_from_keras(cls, config, custom_objects, safe_mode)
    if _ember_subclass(cls, "Sequential") and isinstance(config.get("layers"), list):
        return _sequential_from_keras(cls, config, custom_objects, safe_mode)
    return deserialize_layer(from_keras(entry, custom_objects, where="model config"), custom_objects, safe_mode)


def _registered(entry, custom_objects) -> bool:
    from ember.utils.serialization import get_registered_object

    name = entry.get("registered_name") or entry.get("class_name")
    return entry.get("class_name") not in ("Functional", "Model") and get_registered_object(name, custom_objects)


def _ember_subclass(cls, name: str) -> bool:
    return isinstance(cls, type) and any(c.__name__ == name for c in cls.__mro__)


def _input_from_keras(config: dict):
    from ember.layers.input_layer import Input

    if config.get("sparse") or config.get("ragged"):
        raise ValueError(f"InputLayer {config.get('name')!r}: sparse and ragged inputs are not supported by ember")
    batch_shape = config.get("batch_shape") or config.get("batch_input_shape")
    if batch_shape is None:
        batch_shape = [config.get("batch_size"), *config["shape"]]
    return Input(shape=tuple(batch_shape[1:]), batch_size=batch_shape[0], dtype=config.get("dtype"),
                 name=config.get("name"))  # fmt: skip


def _sequential_from_keras(cls, config, custom_objects, safe_mode):
    model = cls(name=config.get("name"))
    for entry in config["layers"]:
        if entry.get("class_name") == "InputLayer":
            model.add(_input_from_keras(entry.get("config") or {}))
        else:
            model.add(layer_from_keras(entry, custom_objects, safe_mode))
    shape = config.get("build_input_shape")
    if not model.built and shape is not None and model._input_shape is None:
        model.build(tuple(shape))
    if config.get("trainable", True) is False:  # setting True would unfreeze layers frozen in their own configs
        model.trainable = False
    return model


def _decode(x, tensors: dict):
    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
        history = tuple(x["config"]["keras_history"])
        return tensors[history]
    if isinstance(x, list):
        return [_decode(v, tensors) for v in x]
    if isinstance(x, dict):
        return {k: _decode(v, tensors) for k, v in x.items()}
    return x


def _ready(x, tensors: dict) -> bool:
    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
        return tuple(x["config"]["keras_history"]) in tensors
    if isinstance(x, (list, tuple)):
        return all(_ready(v, tensors) for v in x)
    if isinstance(x, dict):
        return all(_ready(v, tensors) for v in x.values())
    return True


def _call(layer, node: dict, k: int, tensors: dict, name: str) -> None:
    args = _decode(node.get("args", []), tensors)
    kwargs = {key: v for key, v in _decode(node.get("kwargs", {}), tensors).items()
              if not (key in ("mask", "training") and v is None)}  # fmt: skip
    if not args:
        raise ValueError(f"Model config: call {k} of layer {layer.name!r} has no positional argument")
    out = layer(args[0], *args[1:], **kwargs)
    for i, t in enumerate(out if isinstance(out, (list, tuple)) else [out]):
        tensors[(name, k, i)] = t  # the entry's name: a custom get_config may leave out "name" (as Keras)


def _replay(config, custom_objects, safe_mode) -> dict:
    """Build every layer and replay every call; returns ``{(layer, node, index): KerasTensor}``."""
    tensors, pending = {}, []
    for entry in config["layers"]:
        inner = entry.get("config") or {}
        name = entry.get("name") or inner.get("name")
        if entry.get("class_name") == "InputLayer":
            tensors[(name, 0, 0)] = _input_from_keras({**inner, "name": name})
            continue
        layer = layer_from_keras(entry, custom_objects, safe_mode)
        pending.append([layer, list(entry.get("inbound_nodes") or []), 0, name or layer.name])
    while pending:
        progress = False
        for item in pending:
            layer, nodes, k, name = item
            while nodes and _ready(nodes[0], tensors):
                _call(layer, nodes.pop(0), k, tensors, name)
                k, progress = k + 1, True
            item[2] = k
        pending = [item for item in pending if item[1]]
        if pending and not progress:
            names = [item[0].name for item in pending]
            raise ValueError(f"Model config: the calls of layers {names} read tensors no layer produces")
    return tensors


def functional_from_keras(cls, config: dict, custom_objects=None, safe_mode: bool = True):
    """Rebuild a Keras 3 functional config (``layers`` with ``inbound_nodes``) as an ember ``cls`` model.

    Raises:
        ValueError: for malformed configs (unknown layer names, dangling tensor references).
    """
    from ember.models.functional import Functional

    try:
        tensors = _replay(config, custom_objects, safe_mode)

        def pick(ref):
            if isinstance(ref, dict):
                return {k: pick(v) for k, v in ref.items()}
            if isinstance(ref, list) and ref and isinstance(ref[0], list):
                return [pick(r) for r in ref]
            return tensors[tuple(ref)]

        inputs, outputs = pick(config["input_layers"]), pick(config["output_layers"])
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"Malformed functional model config: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Functional)):
        cls = Functional
    model = cls(inputs, outputs, name=config.get("name"))
    if config.get("trainable", True) is False:  # setting True would unfreeze layers frozen in their own configs
        model.trainable = False
    model._keras_order = [entry.get("name") or (entry.get("config") or {}).get("name") for entry in config["layers"]]
    return model


__all__ = ["keras_layer_order", "layer_to_keras", "layer_from_keras", "functional_from_keras"]
