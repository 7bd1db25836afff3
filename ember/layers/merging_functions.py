"""The functional spellings of the merging layers (``keras.layers.add(inputs)`` == ``Add()(inputs)``).

Each builds the layer with ``**kwargs`` (``name=``, ...) and calls it on ``inputs``, a list of tensors
or KerasTensors. Source: keras/src/layers/merging/*.py (the lower-case functions).
"""

from __future__ import annotations

from ember.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the elementwise sum of a list of same-shape tensors."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]`` (exactly two inputs)."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the elementwise product."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the elementwise mean."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``. ``axis`` defaults to ``-1``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """``Dot(axes=axes, normalize=normalize, **kwargs)(inputs)``: per-sample dot products.

    ``axes`` defaults to ``-1`` and ``normalize`` to ``False``, as in Keras's function.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
