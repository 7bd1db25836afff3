"""Activation functions by Keras name: ``get('relu')`` → ``ember.ops.relu``.

Layers accept ``activation='relu'`` (a name), ``None`` (linear) or any callable.
"""

from __future__ import annotations

from ember import ops
from ember.utils.registry import lookup


def linear(x):
    """Identity: ``f(x) = x``."""
    return x


def _registry() -> dict:
    names = [
        "relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "selu", "gelu",
        "silu", "swish", "softplus", "softsign", "hard_sigmoid", "relu6", "mish", "exponential",
    ]  # fmt: skip
    table = {name: getattr(ops, name) for name in names if hasattr(ops, name)}
    table["linear"] = linear
    return table


def get(identifier):
    """Resolve an activation: a name, ``None`` (→ :func:`linear`) or a callable.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None:
        return linear
    return lookup("activation", identifier, _registry())


def serialize(fn) -> str | None:
    """The Keras name of an activation function (for ``get_config``)."""
    for name, candidate in _registry().items():
        if candidate is fn:
            return name
    return getattr(fn, "__name__", None)


__all__ = ["get", "serialize", "linear"]
