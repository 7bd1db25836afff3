"""EinsumDense: a dense layer whose contraction is an einsum equation (used inside attention).

Source: keras/src/layers/core/einsum_dense.py (the equation analysis follows it).
"""

from __future__ import annotations

import re

from ember import initializers, ops
from ember.layers.layer import Layer
from ember.layers.serialization import (
    deserialize,
    deserialize_activation,
    serialize,
    serialize_activation,
)


def analyze_einsum(equation: str, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape (or ``None``) and full output shape for ``equation`` (Keras's rules).

    Raises:
        ValueError: for equations that are not ``'ab,bc->ac'``-style with an optional ``...`` on one side.
    """
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):  # fmt: skip
        match = re.fullmatch(pattern, dotted)
        if match:
            return _analyze(match.groups(), bias_axes, tuple(input_shape), output_shape, left)
    raise ValueError(f"EinsumDense: invalid equation {equation!r}; expected e.g. 'ab,bc->ac' or '...b,bc->...c'")


def _analyze(specs, bias_axes, input_shape, output_shape, left_elided):
    input_spec, weight_spec, output_spec = specs
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    offset_in = elided - len(input_shape) if left_elided else 0
    offset_out = elided - len(output_shape) if left_elided else 0
    in_map = {d: i + offset_in for i, d in enumerate(input_spec)}
    out_map = {d: i + offset_out for i, d in enumerate(output_spec)}
    for d in output_spec:
        if d in in_map and output_shape[out_map[d]] is None:  # None: taken from the input (Keras's doc)
            output_shape[out_map[d]] = input_shape[in_map[d]]
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"EinsumDense: output dimension {d!r} is in neither the input nor the weight spec")
    weight_shape = []
    for d in weight_spec:
        if d in in_map:
            weight_shape.append(input_shape[in_map[d]])
        elif d in out_map:
            weight_shape.append(output_shape[out_map[d]])
        else:
            raise ValueError(f"EinsumDense: weight dimension {d!r} is in neither the input nor the output spec")
    bias_shape = None
    if bias_axes:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"EinsumDense: bias axis {d!r} is not in the output spec {output_spec!r}")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [output_shape[out_map[d]] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return tuple(weight_shape), None if bias_shape is None else tuple(bias_shape), tuple(output_shape)


class EinsumDense(Layer):
    """``output = activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: e.g. ``'ab,bc->ac'`` (a Dense layer), ``'abc,cd->abd'`` or ``'...b,bc->...c'``.
        output_shape: output shape without the batch axis (and without elided axes); int or tuple.
        activation: Defaults to ``None``.
        bias_axes: letters of the output that carry a bias, e.g. ``'c'``. Defaults to ``None`` (no bias).
        kernel_initializer (``'glorot_uniform'``), bias_initializer (``'zeros'``), regularizers and
            constraints: as :class:`~ember.layers.Dense`.

    Example:
        >>> import ember
        >>> layer = ember.layers.EinsumDense('abc,cd->abd', output_shape=(None, 8), bias_axes='d')
        >>> layer(ember.ops.ones((2, 5, 3))).shape
        (2, 5, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = deserialize_activation(activation)
        self.kernel_initializer = initializers.get(deserialize("initializer", kernel_initializer))
        self.bias_initializer = initializers.get(deserialize("initializer", bias_initializer))
        self.kernel_regularizer = deserialize("regularizer", kernel_regularizer)
        self.bias_regularizer = deserialize("regularizer", bias_regularizer)
        self.activity_regularizer = deserialize("regularizer", activity_regularizer)
        self.kernel_constraint = deserialize("constraint", kernel_constraint)
        self.bias_constraint = deserialize("constraint", bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.kernel = self.add_weight(kernel_shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")  # fmt: skip
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(bias_shape, self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")  # fmt: skip

    def call(self, inputs):
        y = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        y = self.activation(y)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(y))
        return y

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(analyze_einsum(self.equation, self.bias_axes, input_shape,
                                                        self.partial_output_shape)[2][1:])  # fmt: skip

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            equation=self.equation, output_shape=list(self.partial_output_shape), bias_axes=self.bias_axes,
            activation=serialize_activation(self.activation),
            **{n: serialize(getattr(self, n)) for n in (
                "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                "activity_regularizer", "kernel_constraint", "bias_constraint")},
        )  # fmt: skip
        return config
