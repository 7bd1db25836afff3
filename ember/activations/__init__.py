"""Activation functions by Keras name: ``get('relu')`` → ``ember.ops.relu``.

Layers accept ``activation='relu'`` (a name), ``None`` (linear) or any callable.
"""

from __future__ import annotations

from ember import ops
from ember.activations.functions import elu, gelu, leaky_relu, log_softmax, relu, softmax
from ember.ops import (
    exponential,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    mish,
    relu6,
    selu,
    sigmoid,
    silu,
    softplus,
    softsign,
    swish,
    tanh,
)
from ember.utils.registry import lookup


def linear(x):
    """Identity: ``f(x) = x``."""
    return x


def _registry() -> dict:
    names = [
        "relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "selu", "gelu",
        "silu", "swish", "softplus", "softsign", "hard_sigmoid", "relu6", "mish", "exponential", "hard_silu",
        "hard_swish",
    ]  # fmt: skip
    table = {name: getattr(ops, name) for name in names}  # the ops themselves: layers' fused paths check identity
    table["gelu"] = gelu  # keras.activations.gelu is the exact GELU (keras.ops.gelu defaults to the tanh form)
    table["linear"] = linear
    return table


def get(identifier):
    """Resolve an activation: a name, ``None`` (→ :func:`linear`) or a callable.

    A name that is not a built-in activation is looked up among registered objects
    (``register_keras_serializable``) and the active ``custom_object_scope`` / ``load_model(custom_objects=)``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str) and identifier.lower() not in _registry():
        from ember.utils.serialization import get_registered_object

        found = get_registered_object(identifier)  # register_keras_serializable, custom_object_scope
        if callable(found):
            return found
    return lookup("activation", identifier, _registry())


def serialize(fn) -> str | None:
    """The Keras name of an activation function (for ``get_config``)."""
    for name, candidate in _registry().items():
        if candidate is fn:
            return name
    return getattr(fn, "__name__", None)


__all__ = [  # fmt: skip
    "get", "serialize", "linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "selu",
    "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish", "relu6", "mish",
    "exponential",
]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
