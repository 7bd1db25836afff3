"""String registries: turning ``'adam'``, ``'relu'``, ``'mse'`` into objects, with clear errors."""

from __future__ import annotations


def lookup(kind: str, identifier, table: dict, allow_callable: bool = True):
    """Resolve ``identifier`` in ``table`` (a name → factory mapping).

    Args:
        kind: what is being looked up, for the error message (``'optimizer'``).
        identifier: a name, an object already of the right kind, or a callable.
        table: the registry.
        allow_callable: return callables unchanged. Defaults to ``True``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, str):
        key = identifier.lower() if identifier.lower() in table else identifier
        if key not in table:
            names = ", ".join(sorted(table))
            raise ValueError(f"Unknown {kind}: {identifier!r}. Expected one of: {names}")
        return table[key]
    if allow_callable and callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")


def serialize_object_config(kind: str, module: str, obj, base: type) -> dict:
    """Keras 3's ``{'module', 'class_name', 'config', 'registered_name'}`` dict for ``obj`` (JSON-ready).

    Raises:
        TypeError: if ``obj`` is not an instance of ``base``, naming ``kind``.
    """
    if not isinstance(obj, base):
        raise TypeError(f"{kind}s.serialize: expected an instance of {base.__name__}. Received: {obj!r}")
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(), "registered_name": None}


def class_from_config(kind: str, config, table: dict, custom_objects: dict | None = None) -> tuple[type, dict]:
    """The class named by a serialized dict, and its constructor config.

    Raises:
        ValueError: if ``config`` is not a dict with ``'class_name'``, or names an unknown
            class (listing the valid ones). Only classes in ``table`` or ``custom_objects``
            are ever returned: nothing is imported by name.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{kind}s.deserialize: expected a dict with 'class_name'. Received: {config!r}")
    cls = lookup(kind, config["class_name"], {**table, **(custom_objects or {})}, allow_callable=False)
    return cls, config.get("config") or {}
