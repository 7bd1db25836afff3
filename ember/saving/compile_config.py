"""``compile()`` arguments as JSON and back: optimizer, losses, metrics, loss weights.

Names stay names (``'adam'``, ``'mse'``, ``'accuracy'``); objects become
``{"class_name", "config"}``; functions become their registered name. Classes
resolve against ``ember.optimizers``/``ember.losses``/``ember.metrics``,
registered custom objects and ``custom_objects`` only.
"""

from __future__ import annotations

from ember.utils.serialization import get_registered_name, get_registered_object, serialize_object


def _serialize(value):
    if isinstance(value, (list, tuple)):
        return [_serialize(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialize(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "get_config"):
        return serialize_object(value)
    if callable(value):
        return get_registered_name(value)
    raise TypeError(f"compile config: cannot serialize {value!r} of type {type(value).__name__}")


def serialize_compile(model) -> dict | None:
    """The JSON-able compile config of ``model`` (``None`` when not compiled)."""
    config = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    if not config:
        return None
    return {k: _serialize(v) for k, v in config.items()}


def _resolve(kind: str, value, custom_objects):
    from ember import losses, metrics, optimizers

    module = {"optimizer": optimizers, "loss": losses, "metric": metrics}[kind]
    if isinstance(value, list):
        return [_resolve(kind, v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _resolve(kind, v, custom_objects) for k, v in value.items()}
    if isinstance(value, str):
        custom = get_registered_object(value, custom_objects)
        return custom if custom is not None else value
    if isinstance(value, dict):
        name = value["class_name"]
        cls = get_registered_object(name, custom_objects) or getattr(module, name, None)
        if not isinstance(cls, type):
            raise ValueError(f"Unknown {kind} class {name!r} in the compile config")
        return cls.from_config(value.get("config") or {})
    return value


def deserialize_compile(config: dict, custom_objects=None) -> dict:
    """Keyword arguments for ``model.compile`` from :func:`serialize_compile`'s output.

    Raises:
        ValueError: for unknown optimizer, loss or metric classes.
    """
    return {
        "optimizer": _resolve("optimizer", config.get("optimizer") or "rmsprop", custom_objects),
        "loss": _resolve("loss", config.get("loss"), custom_objects),
        "metrics": _resolve("metric", config.get("metrics"), custom_objects),
        "loss_weights": config.get("loss_weights"),
    }
