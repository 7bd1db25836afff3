"""Merging layers over a list of tensors: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.

Source: keras/src/layers/merging (Keras 3).
"""

from __future__ import annotations

from functools import reduce

from ember import ops
from ember.layers.layer import Layer


def _broadcast_shape(a, b, layer):
    a, b = tuple(a), tuple(b)
    out = []
    for x, y in zip(reversed((None,) * (len(b) - len(a)) + a), reversed((None,) * (len(a) - len(b)) + b),
                    strict=True):  # fmt: skip
        if x is None or y is None:
            out.append(x if y is None else y)
        elif x == 1 or y == 1 or x == y:
            out.append(max(x, y))
        else:
            raise ValueError(f"{type(layer).__name__} '{layer.name}' expects inputs of the same (or broadcastable) "
                             f"shape. Received: shapes {a[1:]} and {b[1:]} (per sample)")  # fmt: skip
    return tuple(reversed(out))


class _Merge(Layer):
    """Elementwise merge of two or more same-shape tensors; the output mask is the AND of the input masks."""

    supports_masking = True
    _min_inputs, _max_inputs = 2, None

    def _check(self, input_shape):
        n = len(input_shape) if isinstance(input_shape, list) else 0
        kind = type(self).__name__
        if n < self._min_inputs or (self._max_inputs is not None and n > self._max_inputs):
            want = self._min_inputs if self._max_inputs == self._min_inputs else f"at least {self._min_inputs}"
            raise ValueError(f"{kind} '{self.name}' expects a list of {want} inputs. Received: {input_shape!r}")

    def build(self, input_shape):
        self._check(input_shape)
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        return reduce(self._merge, inputs)

    def compute_output_shape(self, input_shape):
        return reduce(lambda a, b: _broadcast_shape(a, b, self), [tuple(s) for s in input_shape])

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        return reduce(ops.logical_and, [m for m in mask if m is not None])


class Add(_Merge):
    """Elementwise sum of a list of tensors: ``inputs[0] + inputs[1] + ...``."""

    _merge = staticmethod(ops.add)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``; takes exactly two tensors."""

    _max_inputs = 2
    _merge = staticmethod(ops.subtract)


class Multiply(_Merge):
    """Elementwise product of a list of tensors."""

    _merge = staticmethod(ops.multiply)


class Maximum(_Merge):
    """Elementwise maximum of a list of tensors."""

    _merge = staticmethod(ops.maximum)


class Minimum(_Merge):
    """Elementwise minimum of a list of tensors."""

    _merge = staticmethod(ops.minimum)


class Average(_Merge):
    """Elementwise mean of a list of tensors: ``sum(inputs) / len(inputs)``."""

    def call(self, inputs):
        return reduce(ops.add, inputs) * (1.0 / len(inputs))


class Concatenate(_Merge):
    """Concatenates a list of tensors along ``axis``; the other axes must match.

    Args:
        axis: Defaults to ``-1``.

    Raises:
        ValueError: naming the layer and the shapes, when non-concatenated axes differ.

    Example:
        >>> import ember
        >>> ember.layers.Concatenate()([ember.ops.ones((2, 3)), ember.ops.zeros((2, 4))]).shape
        (2, 7)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        ndim = len(shapes[0])
        axis = self.axis % ndim
        out = list(shapes[0])
        for s in shapes[1:]:
            if len(s) != ndim or any(a != b and None not in (a, b) for i, (a, b) in enumerate(zip(out, s, strict=True))
                                     if i != axis):  # fmt: skip
                raise ValueError(f"Concatenate '{self.name}' expects inputs that match except on axis {self.axis}. "
                                 f"Received: shapes {[tuple(x[1:]) for x in shapes]} (per sample)")  # fmt: skip
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask) or self.axis % inputs[0].ndim == inputs[0].ndim - 1:
            return super().compute_mask(inputs, mask)
        full = [ops.ones(x.shape[:-1], dtype="bool") if m is None else m for x, m in zip(inputs, mask, strict=True)]
        return ops.concatenate(full, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Batched dot product of two tensors along ``axes``.

    Two ``(batch, n)`` tensors give ``(batch, 1)``; ``(batch, a, n)`` and ``(batch, n, b)`` with
    ``axes=(2, 1)`` give ``(batch, a, b)``.

    Args:
        axes: int, or a pair ``(axis_of_x, axis_of_y)`` (batch axis 0 excluded).
        normalize: L2-normalise both along ``axes`` first (cosine similarity). Defaults to ``False``.

    Raises:
        ValueError: for inputs other than two tensors of rank 2 or 3, or unequal contracted sizes.
    """

    _max_inputs = 2
    supports_masking = False

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axes = list(axes) if isinstance(axes, (list, tuple)) else int(axes)
        self.normalize = bool(normalize)

    def _pair(self, shapes):
        axes = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        ranks = [len(s) for s in shapes]
        if ranks[0] != ranks[1] or ranks[0] not in (2, 3):
            raise ValueError(f"Dot '{self.name}' supports two inputs of equal rank 2 or 3. Received: shapes "
                             f"{[tuple(s) for s in shapes]}")  # fmt: skip
        axes = [a % r for a, r in zip(axes, ranks, strict=True)]
        a, b = shapes[0][axes[0]], shapes[1][axes[1]]
        if 0 in axes or (a is not None and b is not None and a != b):
            raise ValueError(f"Dot '{self.name}': contracted axes {axes} must be non-batch axes of equal size. "
                             f"Received: shapes {[tuple(s[1:]) for s in shapes]} (per sample)")  # fmt: skip
        return axes

    def call(self, inputs):
        x, y = inputs
        ax, ay = self._pair([x.shape, y.shape])
        if self.normalize:
            x = x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=ax, keepdims=True), 1e-12))
            y = y * ops.rsqrt(ops.maximum(ops.sum(ops.square(y), axis=ay, keepdims=True), 1e-12))
        if x.ndim == 2:
            return ops.sum(x * y, axis=1, keepdims=True)
        return ops.matmul(ops.moveaxis(x, ax, -1), ops.moveaxis(y, ay, 1))

    def compute_output_shape(self, input_shape):
        ax, ay = self._pair(input_shape)
        x, y = list(input_shape[0]), list(input_shape[1])
        if len(x) == 2:
            return (x[0], 1)
        keep_x = [d for i, d in enumerate(x) if i not in (0, ax)]
        keep_y = [d for i, d in enumerate(y) if i not in (0, ay)]
        return (x[0], keep_x[0], keep_y[0])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config
