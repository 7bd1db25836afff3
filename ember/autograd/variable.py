"""``Variable``: a named, trainable Tensor owned by a layer (Keras's ``keras.Variable``)."""

from __future__ import annotations

from ember import backend
from ember.autograd import tracing
from ember.autograd.tensor import Tensor


class Variable(Tensor):
    """A model weight: a leaf Tensor with a name and a ``trainable`` flag.

    Optimizers update ``data`` in place; ``assign`` replaces the values
    (same shape and dtype), as Keras's ``Variable.assign`` does.

    Args:
        value: initial values (array-like).
        name: the weight's name, e.g. ``'kernel'``.
        trainable: whether optimizers update it. Defaults to ``True``.
        dtype: element dtype. Defaults to the value's dtype.

    Attributes:
        path: ``'<layer name>/<weight name>'``, set by the owning layer.
    """

    __slots__ = ("name", "path", "trainable", "regularizer", "constraint")

    def __init__(self, value, name: str = "variable", trainable: bool = True, dtype=None):
        super().__init__(value, dtype=dtype)
        self.name = name
        self.path = name
        self.trainable = bool(trainable)
        self.regularizer = None
        self.constraint = None
        if self.data.dtype.kind == "f":
            self.requires_grad = self.trainable

    @property
    def value(self) -> Tensor:
        """The current value as a Tensor (shares data)."""
        return self

    def assign(self, value) -> Variable:
        """Copy ``value`` into this variable in place.

        Raises:
            ValueError: if the shape differs, naming the variable and both shapes.
        """
        tracer = tracing._STATE["tracer"]
        if tracer is not None:  # ember.function replays the assignment (ember/graph/tracer.py)
            tracer.inplace(self, "copy", value)
            return self
        array = value.data if isinstance(value, Tensor) else backend.asarray(value)
        if array.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.data.shape}; cannot assign a value of shape {array.shape}"
            )
        self.data[...] = array
        return self

    def assign_add(self, value) -> Variable:
        """``self += value`` in place (Keras's ``assign_add``; the guides' non-trainable state pattern).

        Returns the variable (Keras returns the new value; both hold the same numbers).
        Inside :func:`ember.function` the addition itself is recorded, so every replay adds ``value``
        to the variable's current value.
        """
        tracer = tracing._STATE["tracer"]
        if tracer is not None:
            tracer.inplace(self, "__iadd__", value)
            return self
        return self.assign(self.data + (value.data if isinstance(value, Tensor) else backend.asarray(value)))

    def assign_sub(self, value) -> Variable:
        """``self -= value`` in place (Keras's ``assign_sub``); returns the variable (recorded as ``assign_add``)."""
        tracer = tracing._STATE["tracer"]
        if tracer is not None:
            tracer.inplace(self, "__isub__", value)
            return self
        return self.assign(self.data - (value.data if isinstance(value, Tensor) else backend.asarray(value)))

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"
