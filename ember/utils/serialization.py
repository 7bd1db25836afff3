"""Turning configurable objects into JSON-able dicts and back (Keras's ``{"class_name", "config"}``)."""

from __future__ import annotations


def serialize_object(obj):
    """``None``, a plain value, a name, or ``{"class_name": ..., "config": obj.get_config()}``."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        class_name = type(obj).__dict__.get("_registered_name", type(obj).__name__)
        from ember.utils.object_registry import nested_config

        return {"class_name": class_name, "config": nested_config(obj)}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"Cannot serialize object of type {type(obj).__name__}: it has no get_config()")
    return name


# Custom classes and functions registered by name (``"package>ClassName"`` and the bare class name).
_CUSTOM_OBJECTS: dict[str, object] = {}
_SCOPES: list[dict] = []  # active custom_object_scope dicts, innermost last


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator registering a class or function so saved models can name it (Keras's decorator).

    Loading looks class names up only in ember's own modules, in this registry and in
    ``custom_objects``: it never imports a module named in a file.

    Args:
        package: a namespace for the name. Defaults to ``'Custom'``.
        name: the registered name. Defaults to the object's ``__name__``.

    Returns:
        The decorator; it returns the object unchanged.

    Raises:
        ValueError: when a different object is already registered under the same name.

    Example:
        >>> import ember
        >>> @ember.saving.register_keras_serializable(package="demo")
        ... class Twice(ember.layers.Layer):
        ...     def call(self, x):
        ...         return x * 2
        >>> ember.saving.get_registered_object("demo>Twice") is Twice
        True
    """

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        existing = _CUSTOM_OBJECTS.get(key)
        if existing is not None and existing is not obj and getattr(existing, "__qualname__", None) != obj.__qualname__:
            raise ValueError(f"register_keras_serializable: {key!r} is already registered to {existing!r}")
        _CUSTOM_OBJECTS[key] = obj
        _CUSTOM_OBJECTS[name or obj.__name__] = obj
        obj._registered_name = key
        return obj

    return decorator


def get_registered_object(name: str, custom_objects: dict | None = None):
    """The object registered (or given in ``custom_objects``) under ``name``, or ``None``."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(_SCOPES):
        if name in scope:
            return scope[name]
    return _CUSTOM_OBJECTS.get(name)


def get_registered_name(obj) -> str:
    """The registered name of ``obj`` (``"package>Name"``), or its class/function name."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", type(obj).__name__)
