"""Spatial reshaping layers: UpSampling1D/2D, ZeroPadding1D/2D, Cropping1D/2D (channels last by default).

Source: keras/src/layers/reshaping (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


def _pairs(value, rank: int, name: str, layer: str) -> tuple:
    """``1`` → ``((1, 1),) * rank``; ``(1, 2)`` → per axis symmetric (or one axis's pair when rank 1)."""
    if isinstance(value, int):
        return ((value, value),) * rank
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (tuple(value),)
    if len(value) == rank and all(isinstance(v, int) for v in value):
        return tuple((v, v) for v in value)
    if len(value) == rank and all(len(tuple(v)) == 2 for v in value):
        return tuple(tuple(int(a) for a in v) for v in value)
    raise ValueError(f"{layer}: `{name}` must be an int, {rank} ints or {rank} pairs of ints. Received: {value!r}")


class _Spatial(Layer):
    _rank = 1

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self._rank))

    def get_config(self) -> dict:
        config = super().get_config()
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class UpSampling1D(_Spatial):
    """Repeats each timestep ``size`` times: ``(batch, steps, features) -> (batch, steps * size, features)``.

    Args:
        size: upsampling factor. Defaults to ``2``.
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self) -> dict:
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(_Spatial):
    """Nearest-neighbour upsampling of rows and columns by ``size``.

    Args:
        size: int or ``(rows, cols)``. Defaults to ``(2, 2)``.
        data_format: Defaults to ``None`` (channels last).
        interpolation: only ``'nearest'`` is implemented. Defaults to ``'nearest'``.

    Raises:
        NotImplementedError: for another ``interpolation``.
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation != "nearest":
            raise NotImplementedError(f"UpSampling2D: only interpolation='nearest' exists. Received: {interpolation!r}")
        self.size = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
        self.interpolation = interpolation

    def call(self, inputs):
        return ops.upsampling(inputs, self.size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(self._axes(), self.size, strict=True):
            out[axis] = None if out[axis] is None else out[axis] * factor
        return tuple(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(size=list(self.size), interpolation=self.interpolation)
        return config


class ZeroPadding1D(_Spatial):
    """Pads the time axis with zeros: ``padding`` int (both sides) or ``(left, right)``. Defaults to ``1``."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self._rank, "padding", type(self).__name__)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._axes(), self.padding, strict=True):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (a, b) in zip(self._axes(), self.padding, strict=True):
            out[axis] = None if out[axis] is None else out[axis] + a + b
        return tuple(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config["padding"] = [list(p) for p in self.padding] if self._rank > 1 else list(self.padding[0])
        return config


class ZeroPadding2D(ZeroPadding1D):
    """Pads rows and columns with zeros.

    Args:
        padding: int, ``(rows, cols)`` symmetric, or ``((top, bottom), (left, right))``. Defaults to ``(1, 1)``.
        data_format: Defaults to ``None`` (channels last).
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)


class Cropping1D(_Spatial):
    """Crops the time axis: ``cropping`` int (both sides) or ``(start, end)``. Defaults to ``(1, 1)``.

    Raises:
        ValueError: naming the layer when the crop removes the whole axis.
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self._rank, "cropping", type(self).__name__)

    def build(self, input_shape):
        for axis, (a, b) in zip(self._axes(), self.cropping, strict=True):
            if input_shape[axis] is not None and input_shape[axis] - a - b <= 0:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': cropping {self.cropping} leaves nothing of input "
                    f"shape {tuple(input_shape[1:])} (per sample)"
                )

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (a, b) in zip(self._axes(), self.cropping, strict=True):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (a, b) in zip(self._axes(), self.cropping, strict=True):
            out[axis] = None if out[axis] is None else out[axis] - a - b
        return tuple(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config["cropping"] = [list(p) for p in self.cropping] if self._rank > 1 else list(self.cropping[0])
        return config


class Cropping2D(Cropping1D):
    """Crops rows and columns.

    Args:
        cropping: int, ``(rows, cols)`` symmetric, or ``((top, bottom), (left, right))``.
            Defaults to ``((0, 0), (0, 0))``.
        data_format: Defaults to ``None`` (channels last).
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)
