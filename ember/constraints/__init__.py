"""Weight constraints (Keras 3): callables ``w -> Tensor`` applied after every optimizer update.

``Dense(4, kernel_constraint=MaxNorm(3))``: the optimizer assigns ``constraint(w)``
to ``w`` after each step. Norms are taken along ``axis`` (``0`` for a Dense
kernel ``(in, out)``: one norm per output unit). ``epsilon = 1e-7`` as Keras's
``backend.epsilon()``. Source: keras/src/constraints/constraints.py.
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.ops._convert import as_tensor
from ember.utils.registry import class_from_config, lookup, serialize_object_config

EPSILON = 1e-7


def _norms(w: Tensor, axis) -> Tensor:
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight, same shape and dtype."""

    def __call__(self, w) -> Tensor:
        return as_tensor(w)

    def get_config(self) -> dict:
        """Constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale slices whose L2 norm exceeds ``max_value``: ``w * clip(n, 0, max_value) / (eps + n)``.

    Args:
        max_value: largest allowed norm. Defaults to ``2``.
        axis: axis (or axes) the norm is taken over. Defaults to ``0``.

    Example:
        >>> import ember
        >>> MaxNorm(1.0)(ember.tensor([[3.0], [4.0]], dtype="float64")).numpy().round(4).tolist()
        [[0.6], [0.8]]

    Source: Srivastava et al., "Dropout" (JMLR 2014), §5.1.
    """

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = as_tensor(w)
        norms = _norms(w, self.axis)
        return w * (ops.clip(norms, 0, self.max_value) / (norms + EPSILON))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative entries: ``w * (w >= 0)``."""

    def __call__(self, w):
        w = as_tensor(w)
        return w * ops.cast(ops.greater_equal(w, 0.0), w.dtype)


class UnitNorm(Constraint):
    """Rescale slices to unit L2 norm: ``w / (eps + ||w||)``.

    Args:
        axis: axis (or axes) the norm is taken over. Defaults to ``0``.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = as_tensor(w)
        return w / (_norms(w, self.axis) + EPSILON)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep slice norms within ``[min_value, max_value]``, moving a ``rate`` fraction of the way.

    ``desired = rate * clip(n, min_value, max_value) + (1 - rate) * n``; ``w * desired / (eps + n)``.

    Args:
        min_value: smallest allowed norm. Defaults to ``0.0``.
        max_value: largest allowed norm. Defaults to ``1.0``.
        rate: ``1.0`` projects exactly; smaller values move part of the way. Defaults to ``1.0``.
        axis: axis (or axes) the norm is taken over. Defaults to ``0``.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = as_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, self.min_value, self.max_value) * self.rate + norms * (1 - self.rate)
        return w * (desired / (norms + EPSILON))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm  # Keras aliases

_REGISTRY = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
             **{c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}}  # fmt: skip


def serialize(constraint: Constraint) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready)."""
    return serialize_object_config("constraint", "ember.constraints", constraint, Constraint)


def deserialize(config, custom_objects: dict | None = None) -> Constraint:
    """Rebuild a constraint from :func:`serialize`'s dict (or a bare name).

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if isinstance(config, str):
        return get(config)
    cls, cls_config = class_from_config("constraint", config, _REGISTRY, custom_objects)
    return cls.from_config(cls_config)


def get(identifier) -> Constraint | None:
    """Resolve ``'max_norm'``, ``'non_neg'``, ``'unit_norm'``, ``'min_max_norm'``, a dict, a Constraint or callable.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    found = lookup("constraint", identifier, _REGISTRY)
    return found() if isinstance(found, type) else found


__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg", "unit_norm",
           "min_max_norm", "get", "serialize", "deserialize"]  # fmt: skip


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
