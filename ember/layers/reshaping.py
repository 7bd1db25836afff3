"""Reshaping layers that move data without arithmetic: Flatten, Reshape, Permute, RepeatVector.

Source: keras/src/layers/reshaping (Keras 3).
"""

from __future__ import annotations

import math

from ember import ops
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(batch, d1, ..., dn) -> (batch, d1 * ... * dn)``.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; with channels first the channel
            axis is moved last before flattening, so the order matches a channels-last model.
            Defaults to ``None`` (channels last).

    Example:
        >>> import ember
        >>> ember.layers.Flatten()(ember.ops.ones((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ops.moveaxis(x, 1, -1)
        return ops.reshape(x, (x.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else int(math.prod(rest)))

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be ``-1``, inferred).

    Args:
        target_shape: shape without the batch axis, e.g. ``(4, 8)`` or ``(-1, 8)``.

    Raises:
        ValueError: naming the layer when the input's per-sample size does not fit ``target_shape``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d == 0 or d < -1 for d in self.target_shape):
            raise ValueError(f"Reshape: `target_shape` may hold one -1 and positive ints. Received: {target_shape}")

    def _resolve(self, per_sample):
        size = math.prod(per_sample)
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and size % known) or (-1 not in self.target_shape and size != known):
            raise ValueError(
                f"Reshape '{self.name}' cannot reshape input of per-sample shape {tuple(per_sample)} "
                f"({size} values) to target_shape {self.target_shape}"
            )
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def build(self, input_shape):
        if all(d is not None for d in input_shape[1:]):
            self._resolve(input_shape[1:])

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` is 1-indexed, e.g. ``(2, 1)`` swaps the two axes of a sample.

    Args:
        dims: a permutation of ``1..n``.

    Raises:
        ValueError: if ``dims`` is not a permutation of ``1..len(dims)``, or the input rank differs.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..{len(self.dims)}. Received: dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a vector ``n`` times: ``(batch, features) -> (batch, n, features)``.

    Args:
        n: number of repeats, a positive int.
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive int. Received: n={n!r}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config["n"] = self.n
        return config
