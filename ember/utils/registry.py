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
