"""Keras 3's object (de)serialization utilities: ``serialize_keras_object``, ``deserialize_keras_object``,
``custom_object_scope`` and ``get_custom_objects``.

Deserialization resolves class names only among ember's own public classes, registered objects and
``custom_objects``: nothing named in a config is ever imported. Source: keras/src/saving/serialization_lib.py.
"""

from __future__ import annotations

import contextlib

from ember.utils.serialization import _CUSTOM_OBJECTS, _SCOPES, get_registered_object

# Keras module prefix of each ember package, for the "module" entry of a serialized object.
_PACKAGES = ("layers", "models", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints",
             "activations", "callbacks")  # fmt: skip


def get_custom_objects() -> dict:
    """The global ``{name: object}`` registry (mutable, as Keras's): what ``register_keras_serializable`` fills.

    Example:
        >>> import ember
        >>> ember.utils.get_custom_objects()["my_double"] = lambda x: 2 * x
        >>> ember.utils.get_registered_object("my_double")(3)
        6
    """
    return _CUSTOM_OBJECTS


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict):
    """Within the ``with`` block, names in ``custom_objects`` resolve during deserialization and loading.

    Example:
        >>> import ember
        >>> with ember.utils.custom_object_scope({"Twice": int}):
        ...     ember.utils.get_registered_object("Twice")
        <class 'int'>
    """
    if not isinstance(custom_objects, dict):
        raise TypeError(f"custom_object_scope: expected a dict. Received: {type(custom_objects).__name__}")
    _SCOPES.append(dict(custom_objects))
    try:
        yield custom_objects
    finally:
        _SCOPES.pop()


def _keras_module(obj) -> str | None:
    parts = type(obj).__module__.split(".")
    if parts[0] == "ember" and len(parts) > 1 and parts[1] in _PACKAGES:
        return f"keras.{parts[1]}"
    return type(obj).__module__


def _nested(value):
    if hasattr(value, "get_config") and not isinstance(value, type):
        return serialize_keras_object(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_nested(v) for v in value)
    if isinstance(value, dict):
        return {k: _nested(v) for k, v in value.items()}
    return value


def nested_config(obj) -> dict:
    """``obj.get_config()`` with every configurable value in it (a layer a custom ``get_config`` returns as
    is, e.g. ``{"first_layer": self.first_layer}``) replaced by its :func:`serialize_keras_object` dict, as
    Keras 3's ``serialize_dict`` does; the class's ``from_config`` deserializes it back.
    """
    config = obj.get_config()
    return _nested(config) if isinstance(config, dict) else config


def serialize_keras_object(obj):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for objects with ``get_config``;
    plain values unchanged; functions by name (Keras 3's format).

    Raises:
        TypeError: for an object with neither ``get_config`` nor a name.
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        registered = type(obj).__dict__.get("_registered_name")
        return {"module": _keras_module(obj), "class_name": type(obj).__name__, "config": nested_config(obj),
                "registered_name": registered or type(obj).__name__}  # fmt: skip
    name = getattr(obj, "_registered_name", None) or getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"serialize_keras_object: cannot serialize {obj!r}: it has no get_config() and no name")
    return name


def _find_class(class_name: str, module: str | None, custom_objects):
    import importlib

    found = get_registered_object(class_name, custom_objects)
    if found is not None:
        return found
    packages = list(_PACKAGES)
    if module and module.startswith("keras."):
        wanted = module.split(".")[-1] if module.split(".")[1] != "src" else module.split(".")[2]
        packages.sort(key=lambda p: p != wanted)
    for package in packages:
        cls = getattr(importlib.import_module(f"ember.{package}"), class_name, None)
        if isinstance(cls, type):
            return cls
    if class_name == "Functional":
        from ember.models import Functional

        return Functional
    raise ValueError(f"deserialize_keras_object: unknown class {class_name!r} (module {module!r}). Register "
                     "it with @ember.utils.register_keras_serializable() or pass custom_objects={name: class}")


def deserialize_keras_object(config, custom_objects=None, safe_mode: bool = True, **kwargs):
    """Rebuild what :func:`serialize_keras_object` wrote: ``cls.from_config(config['config'])``.

    Args:
        config: a serialized dict, a name (looked up among custom/registered objects and ember's
            activations, losses and metrics), or a plain value.
        custom_objects: ``{name: class or function}`` to resolve first.
        safe_mode: refuse ``Lambda`` layers (their code would run). Defaults to ``True``.

    Raises:
        ValueError: for an unknown class or name, or a Lambda layer in safe mode.
    """
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if isinstance(config, str):
        return _find_function(config, custom_objects)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_keras_object: expected a dict with 'class_name'. Received: {config!r}")
    if config["class_name"] == "Lambda" and safe_mode:
        raise ValueError("deserialize_keras_object: a Lambda layer runs code from the config; refused with "
                         "safe_mode=True. Pass safe_mode=False only for configs you trust.")  # fmt: skip
    cls = _find_class(config.get("registered_name") or config["class_name"], config.get("module"), custom_objects)
    inner = config.get("config") or {}
    from ember.models import Functional, Sequential

    if isinstance(cls, type) and issubclass(cls, (Functional, Sequential)):
        return cls.from_config(inner, custom_objects=custom_objects, safe_mode=safe_mode)
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


def _find_function(name: str, custom_objects):
    from ember import activations, losses, metrics

    found = get_registered_object(name, custom_objects)
    if found is not None:
        return found
    for module in (activations, losses, metrics):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise ValueError(f"deserialize_keras_object: unknown object name {name!r}. Pass custom_objects={{name: obj}}")
