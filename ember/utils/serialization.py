"""Turning configurable objects into JSON-able dicts and back (Keras's ``{"class_name", "config"}``)."""

from __future__ import annotations


def serialize_object(obj):
    """``None``, a plain value, a name, or ``{"class_name": ..., "config": obj.get_config()}``."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"Cannot serialize object of type {type(obj).__name__}: it has no get_config()")
    return name
