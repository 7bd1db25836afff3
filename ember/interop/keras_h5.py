"""Keras 2 / tf.keras legacy HDF5 files: whole models (``model.h5``) and weights (``.h5``, ``.weights.h5``).

Layout (``keras/src/legacy/saving/legacy_h5_format.py``)::

    /                      attrs: model_config (JSON), training_config (JSON), keras_version, backend
    /model_weights         attrs: layer_names; one group per layer (a weights-only file has them at /)
    /model_weights/<layer> attrs: weight_names (``'dense/kernel:0'``, ...); datasets at those paths

A layer's weights are listed as Keras's ``layer.trainable_weights + layer.non_trainable_weights``.
The model config is Keras 2's (``inbound_nodes`` as ``[[layer, node, tensor, kwargs], ...]``) or Keras 3's;
both are rebuilt through ember's class allowlist (:mod:`ember.saving.keras_graph`), so nothing named in
the file is imported. Every dataset is checked (numeric, no larger than the file) before it is read,
and every shape before anything is assigned: a bad file leaves the model unchanged.
"""

from __future__ import annotations

import io
import json
import os

import numpy as np

from ember.saving import keras_weights
from ember.saving.damaged import H5_ERRORS
from ember.saving.keras_graph import layer_from_keras
from ember.saving.keras_objects import from_keras

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _read_raw(filepath: str, what: str) -> bytes:
    """The bytes of ``filepath``, checked to be a plain (foreign) HDF5 file."""
    from ember.saving import h5_guard

    with open(filepath, "rb") as f:
        raw = f.read()
    if not raw.startswith(HDF5_SIGNATURE):
        from ember.saving.model_file import describe

        h5_guard.check(raw, filepath, what)  # a damaged ember header is named as such
        raise ValueError(f"{what}: {filepath} is not an HDF5 file: it is {describe(raw)}")
    return raw


def _open(raw: bytes, filepath: str, what: str):
    """An open h5py.File over ``raw``; the whole file is in memory so its size bounds every dataset."""
    import h5py

    try:
        return h5py.File(io.BytesIO(raw), "r")
    except (*H5_ERRORS, ValueError) as exc:
        raise ValueError(f"{what}: {filepath} is not a readable HDF5 file (truncated or corrupted): {exc}") from exc


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(group, key: str) -> list[str]:
    return [_text(n) for n in np.asarray(group.attrs.get(key, [])).tolist()]


def read_layer_weights(root, raw_size: int, filepath: str, what: str) -> dict[str, list]:
    """``{layer name: [arrays in weight_names order]}`` from a legacy weights group.

    Raises:
        ValueError: for a missing layer group or dataset, a non-numeric one or one larger than the file.
    """
    import h5py

    out = {}
    try:
        for name in _names(root, "layer_names"):
            if not isinstance(root.get(name, getlink=True), h5py.HardLink) or not isinstance(root[name], h5py.Group):
                raise ValueError(f"{what}: {filepath}: layer entry {name!r} is not a group of this file")
            group = root[name]
            arrays = []
            for weight in _names(group, "weight_names"):
                ds = keras_weights.safe_dataset(group, weight, filepath, what)
                keras_weights._check_dataset(ds, raw_size, filepath, what)
                arrays.append(np.asarray(ds[()]))
            out[name] = arrays
    except ValueError:
        raise
    except H5_ERRORS as exc:
        raise ValueError(f"{what}: {filepath} is truncated or corrupted: {type(exc).__name__}: {exc}") from exc
    return out


def _keras_order(layer) -> list:
    """A layer's weights as Keras lists them in legacy files: trainable ones first, then the others."""
    if not layer.trainable:
        return list(layer.weights)
    trainable = layer.trainable_weights
    ids = {id(w) for w in trainable}
    return list(trainable) + [w for w in layer.weights if id(w) not in ids]


def _pairs(model, weights: dict, filepath: str, what: str) -> list:
    layers = {layer.name: layer for layer in model.layers}
    pairs = []
    expected = [layer.name for layer in model.layers if layer.weights]
    received = [name for name, arrays in weights.items() if arrays]
    if sorted(expected) != sorted(received):
        raise ValueError(f"{what}: {filepath} holds weights for layers {received}; model '{model.name}' has "
                         f"weighted layers {expected}")  # fmt: skip
    for name in received:
        variables, arrays = _keras_order(layers[name]), weights[name]
        shapes = [tuple(v.shape) for v in variables]
        if shapes != [a.shape for a in arrays]:
            raise ValueError(f"{what}: {filepath}: layer '{name}' expects weights with shapes {shapes}. "
                             f"Received: {[a.shape for a in arrays]}")  # fmt: skip
        pairs += list(zip(variables, arrays, strict=True))
    return pairs


def load_weights(model, filepath) -> None:
    """Load Keras 2 HDF5 weights (a weights file, or the ``model_weights`` of a model file) into ``model``.

    Layers are matched by name and weights by position, every shape checked first. The file is parsed in
    a child process (:mod:`ember.saving.h5_guard`; ``EMBER_H5_ISOLATE=0`` parses it here).

    Raises:
        ValueError: naming the file: not HDF5, truncated, damaged (libhdf5 crashed or hung on it), another
            architecture (layer names or shapes).
    """
    from ember.saving import h5_guard

    what, filepath = "load_weights", os.fspath(filepath)
    assign_legacy(model, h5_guard.read("legacy_weights", _read_raw(filepath, what), filepath, what), filepath, what)


def assign_legacy(model, weights: dict, filepath: str, what: str) -> None:
    """Assign ``{layer name: arrays}`` (from :func:`read_weights_file`) to ``model``'s layers, shapes checked first.

    Raises:
        ValueError: naming the file when the layer names or any shape differ (the model is then unchanged).
    """
    keras_weights.assign_pairs(_pairs(model, weights, filepath, what))


def read_weights_file(raw: bytes, filepath: str, what: str) -> dict:
    """``{layer name: [arrays]}`` of a Keras 2 HDF5 weights or model file's bytes (see :func:`load_weights`)."""
    f = _open(raw, filepath, what)
    try:
        with f:
            root = f["model_weights"] if "model_weights" in f else f
            if "layer_names" not in root.attrs:
                raise ValueError(f"{what}: {filepath} is an HDF5 file without Keras 2 'layer_names': not a legacy "
                                 "Keras weights file")  # fmt: skip
            return read_layer_weights(root, len(raw), filepath, what)
    except H5_ERRORS as exc:  # h5py reports damaged structures lazily, as the groups are read
        raise ValueError(f"{what}: {filepath} is a damaged HDF5 file: {type(exc).__name__}: {exc}") from exc


def _tensor(ref):
    name, node, index = ref[0], ref[1], ref[2]
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, index]}}


def _is_ref(value) -> bool:
    return isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) and isinstance(value[1], int)


def upgrade_nodes(config):
    """Keras 2's ``inbound_nodes`` (``[[[name, node, tensor, kwargs], ...], ...]``) in Keras 3's form, recursively.

    A single input or output listed as ``[[name, node, tensor]]`` becomes that reference (Keras 2 models
    return a lone output unwrapped).
    """
    if isinstance(config, list):
        return [upgrade_nodes(c) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: upgrade_nodes(v) for k, v in config.items() if k != "inbound_nodes"}
    for key in ("input_layers", "output_layers"):  # Keras 2 lists even a single input/output; its models unwrap it
        refs = config.get(key)
        if isinstance(refs, list) and len(refs) == 1 and _is_ref(refs[0]):
            out[key] = refs[0][:3]
    if "inbound_nodes" in config:
        out["inbound_nodes"] = [_upgrade_node(n) for n in config["inbound_nodes"]]
    return out


def _upgrade_node(node):
    if isinstance(node, dict):
        return node
    refs = [r for r in node if _is_ref(r)]
    kwargs = {}
    for ref in refs:
        extra = ref[3] if len(ref) == 4 and isinstance(ref[3], dict) else {}
        kwargs.update({k: _tensor(v) if _is_ref(v) else v for k, v in extra.items()})
    tensors = [_tensor(r) for r in refs]
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _compile(model, training_config: dict, custom_objects) -> None:
    from ember.saving.compile_config import deserialize_compile
    from ember.utils.serialization import get_registered_object

    optimizer = training_config.get("optimizer_config")
    name = optimizer.get("class_name") if isinstance(optimizer, dict) else None
    if isinstance(name, str) and name.startswith("Custom>") and get_registered_object(name, custom_objects) is None:
        optimizer = {**optimizer, "class_name": name[len("Custom>") :]}  # tf.keras 2.11+ names its own optimizers so
    config = {"optimizer": optimizer, "loss": training_config.get("loss"), "metrics": training_config.get("metrics"),
              "loss_weights": training_config.get("loss_weights")}  # fmt: skip
    model.compile(**deserialize_compile(from_keras(config, custom_objects, where="training_config"), custom_objects))


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):  # noqa: A002 - Keras name
    """Load a Keras 2 / tf.keras HDF5 model file (``model.save("model.h5")``): architecture, weights, compile.

    The optimizer's state is not restored (Keras 3 does not restore it from these files either).

    Args:
        filepath: path of the ``.h5`` file.
        custom_objects: ``{name: class}`` for custom layers.
        compile: compile with the saved ``training_config``. Defaults to ``True``.
        safe_mode: refuse ``Lambda`` layers. Defaults to ``True``.

    Raises:
        ValueError: for a file that is not HDF5, is truncated, holds only weights (no ``model_config``),
            names a class ember lacks (named) or a ``Lambda`` in safe mode.
        UnsafeFileError: for classes from modules outside keras/ember.
    """
    from ember.saving import h5_guard

    what, filepath = "load_model", os.fspath(filepath)
    config, training, weights, error = h5_guard.read("legacy_model", _read_raw(filepath, what), filepath, what)
    try:
        model = layer_from_keras(upgrade_nodes(config), custom_objects, safe_mode)
        if error is not None:
            from ember.interop import UnsafeFileError

            raise (UnsafeFileError if error[0] == "UnsafeFileError" else ValueError)(error[1])
        keras_weights.assign_pairs(_pairs(model, weights, filepath, what))
        if compile and training:
            _compile(model, training, custom_objects)
    except ValueError as exc:  # a class or config error from deep inside: say which file (UnsafeFileError kept)
        if filepath in str(exc):
            raise
        from ember.interop import UnsafeFileError

        kind = UnsafeFileError if isinstance(exc, UnsafeFileError) else ValueError
        raise kind(f"{what}: {filepath}: {exc}") from exc
    except H5_ERRORS as exc:  # a damaged (but parseable) config with values of the wrong types
        raise ValueError(f"{what}: {filepath} is a damaged HDF5 model file: {type(exc).__name__}: {exc}") from exc
    return model


def read_model_file(raw: bytes, filepath: str, what: str) -> list:
    """``[model_config, training_config or None, {layer: arrays} or None, None or [error type, message]]`` of a
    Keras 2 HDF5 model file's bytes (an error reading the weights is returned, to be raised after the config)."""
    f = _open(raw, filepath, what)
    try:
        with f:
            if "model_config" not in f.attrs:
                raise ValueError(f"{what}: {filepath} is an HDF5 file without 'model_config' (a weights-only "
                                 "file?): build the model and call model.load_weights on it")  # fmt: skip
            try:
                config = json.loads(_text(f.attrs["model_config"]))
                training = json.loads(_text(f.attrs["training_config"])) if "training_config" in f.attrs else None
            except ValueError as exc:
                raise ValueError(f"{what}: {filepath} has a damaged model_config: {exc}") from exc
            root = f["model_weights"] if "model_weights" in f else None
            if root is None or "layer_names" not in root.attrs:
                raise ValueError(f"{what}: {filepath} has no 'model_weights' group with 'layer_names'")
            try:  # reported after the config's classes are checked (an unsafe class is named first)
                return [config, training, read_layer_weights(root, len(raw), filepath, what), None]
            except ValueError as exc:
                return [config, training, None, [type(exc).__name__, str(exc)]]
    except (*H5_ERRORS, UnicodeDecodeError) as exc:  # h5py reports damage lazily; a damaged config misleads
        raise ValueError(f"{what}: {filepath} is a damaged HDF5 model file: {type(exc).__name__}: {exc}") from exc


__all__ = ["assign_legacy", "load_model", "load_weights", "read_layer_weights", "read_model_file", "read_weights_file",
           "upgrade_nodes"]
