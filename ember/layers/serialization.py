"""Config values of layer arguments: initializers, regularizers, constraints, activations.

``serialize`` turns an argument into a JSON-able value (``None``, a name such as
``'glorot_uniform'``, or Keras's ``{"class_name": ..., "config": {...}}``);
``deserialize(kind, value)`` turns it back into the object, so that
``Layer.from_config(layer.get_config())`` rebuilds an equal layer.
Source: keras/src/saving/serialization_lib.py (the ``{"class_name", "config"}`` shape).
"""

from __future__ import annotations

import importlib

from ember import activations
from ember.utils.serialization import serialize_object

_MODULES = {
    "initializer": "ember.initializers",
    "regularizer": "ember.regularizers",
    "constraint": "ember.constraints",
}


def serialize(obj):
    """``None``, a plain value or name, or ``{"class_name": ..., "config": ...}`` for objects with ``get_config``."""
    return serialize_object(obj)


def serialize_activation(fn):
    """The Keras name of an activation (``'relu'``), or ``{"class_name", "config"}`` for a configurable object."""
    if hasattr(fn, "get_config"):
        return serialize_object(fn)
    return activations.serialize(fn)


def _module(kind: str):
    try:
        return importlib.import_module(_MODULES[kind])
    except ModuleNotFoundError as err:  # regularizers/constraints may not exist in a trimmed install
        raise ValueError(f"Cannot deserialize {kind}: module {_MODULES[kind]} is not available") from err


def deserialize(kind: str, value):
    """Rebuild an ``'initializer'``, ``'regularizer'`` or ``'constraint'`` from its config value.

    Args:
        kind: one of ``'initializer'``, ``'regularizer'``, ``'constraint'``.
        value: ``None``, a name, an object (returned as is), or ``{"class_name", "config"}``.

    Raises:
        ValueError: for an unknown class name, naming the kind and the name.
    """
    if value is None:
        return None
    if isinstance(value, dict) and "class_name" in value:
        module = _module(kind)
        cls = getattr(module, value["class_name"], None)
        if not isinstance(cls, type):
            raise ValueError(f"Unknown {kind} class_name {value['class_name']!r} in config {value!r}")
        config = value.get("config") or {}
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    if isinstance(value, str) or kind == "initializer":
        return _module(kind).get(value)
    return value


def deserialize_activation(value):
    """Rebuild an activation from a name, a callable or ``{"class_name", "config"}``."""
    if isinstance(value, dict) and "class_name" in value:
        return _activation_object(value)
    return activations.get(value)


def _activation_object(value):
    from ember import layers

    cls = getattr(layers, value["class_name"], None)
    if not isinstance(cls, type):
        raise ValueError(f"Unknown activation class_name {value['class_name']!r}")
    return cls.from_config(value.get("config") or {})
