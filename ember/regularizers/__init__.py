"""Weight regularizers (Keras 3): callables ``w -> scalar Tensor`` added to the training loss.

``Dense(4, kernel_regularizer='l2')`` or ``kernel_regularizer=L1L2(l1=1e-5, l2=1e-4)``.
Source: keras/src/regularizers/regularizers.py.
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.utils.registry import class_from_config, lookup, serialize_object_config


def _factor(cls: str, name: str, value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ValueError(f"{cls}: invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")  # fmt: skip
    return float(value)


class Regularizer:
    """Base class: ``regularizer(w)`` returns a scalar Tensor penalty."""

    def __call__(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


class L1(Regularizer):
    """``l1 * sum(|w|)``.

    Args:
        l1: penalty factor (non-negative). Defaults to ``0.01``.

    Raises:
        ValueError: for a negative or non-numeric factor.

    Example:
        >>> import ember
        >>> float(L1(0.5)(ember.tensor([1.0, -2.0])).item())
        1.5
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor("L1", "l1", l1)

    def __call__(self, x):
        return ops.sum(ops.abs(x)) * self.l1

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(w**2)`` (no factor 1/2, as in Keras).

    Args:
        l2: penalty factor (non-negative). Defaults to ``0.01``.

    Raises:
        ValueError: for a negative or non-numeric factor.

    Example:
        >>> import ember
        >>> float(L2(0.5)(ember.tensor([1.0, -2.0])).item())
        2.5
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor("L2", "l2", l2)

    def __call__(self, x):
        return ops.sum(ops.square(x)) * self.l2

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w**2)``.

    Args:
        l1: L1 factor. Defaults to ``0.0``.
        l2: L2 factor. Defaults to ``0.0``.

    Raises:
        ValueError: for a negative or non-numeric factor.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = _factor("L1L2", "l1", l1), _factor("L1L2", "l2", l2)

    def __call__(self, x):
        total = ops.sum(ops.abs(x)) * self.l1
        return total + ops.sum(ops.square(x)) * self.l2

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2  # Keras's lowercase aliases: `regularizers.l2(1e-4)`

_REGISTRY = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def serialize(regularizer: Regularizer) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready)."""
    return serialize_object_config("regularizer", "ember.regularizers", regularizer, Regularizer)


def deserialize(config, custom_objects: dict | None = None) -> Regularizer:
    """Rebuild a regularizer from :func:`serialize`'s dict (or a bare name).

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if isinstance(config, str):
        return get(config)
    cls, cls_config = class_from_config("regularizer", config, _REGISTRY, custom_objects)
    return cls.from_config(cls_config)


def get(identifier) -> Regularizer | None:
    """Resolve ``'l1'``, ``'l2'``, ``'l1_l2'`` (Keras defaults), a dict, a Regularizer or a callable.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    found = lookup("regularizer", identifier, _REGISTRY)
    return found() if isinstance(found, type) else found


__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize", "deserialize"]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
