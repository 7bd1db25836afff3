"""Geometric image augmentation (Keras 3): ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``.

Each draws one transform per image from its seeded stream and warps the batch with
:func:`ember.ops.image.affine_transform`. As Keras 3's augmentation layers they transform when called
directly or in ``fit`` and are the identity for ``training=False`` (``predict``, ``evaluate``).
Inputs ``(batch, height, width, channels)`` or one image ``(height, width, channels)``; channels_first
with ``data_format='channels_first'``. Integer images are cast to float32 (the compute dtype).
Source: keras/src/layers/preprocessing/image_preprocessing/{random_rotation,random_zoom,random_translation,
base_image_preprocessing_layer}.py.
"""

from __future__ import annotations

import math

from ember import ops
from ember import random as erandom
from ember.autograd import Tensor
from ember.layers.preprocessing_image import _image_axes, _inference, _Seeded

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _factor_range(layer: str, name: str, factor, open_low: bool = False) -> tuple:
    """Keras's rule: ``f`` gives ``(-|f|, |f|)``, a pair gives it sorted; every value in ``[-1, 1]``
    (``(-1, 1]`` for a zoom, where ``-1`` would scale by 0)."""
    error = ValueError(f"{layer}: Expected {name} to be a number or a pair of numbers in {'(' if open_low else '['}"
                       f"-1, 1]. Received: {name}={factor!r}")  # fmt: skip
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(f, (int, float)) for f in factor):
            raise error
        pair = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        pair = [-abs(float(factor)), abs(float(factor))]
    else:
        raise error
    if not all((-1.0 < f if open_low else -1.0 <= f) and f <= 1.0 for f in pair):
        raise error
    return tuple(pair)


class _AffineAugmentation(_Seeded):
    """Shared arguments; subclasses return the ``(batch, 8)`` transform of a batch from :meth:`_transform`."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):  # fmt: skip
        super().__init__(seed, data_format, **kwargs)
        layer = type(self).__name__
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"{layer}: Unknown fill_mode. Expected one of {_FILL_MODES}. "
                                      f"Received: fill_mode={fill_mode!r}")  # fmt: skip
        if interpolation not in _INTERPOLATIONS:
            raise NotImplementedError(f"{layer}: Unknown interpolation. Expected one of {_INTERPOLATIONS}. "
                                      f"Received: interpolation={interpolation!r}")  # fmt: skip
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def _uniform(self, batch: int, low: float, high: float) -> Tensor:
        return erandom.uniform((batch,), low, high, dtype="float32", seed=self._generator)

    def call(self, inputs, training=True):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs, dtype="float32")
        if x.dtype.kind != "f":
            x = ops.cast(x, "float32")
        if _inference(training):
            return x
        if x.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__} '{self.name}': Expected images of rank 3 or 4. Received: "
                             f"shape={tuple(x.shape)}")  # fmt: skip
        h_axis, w_axis = _image_axes(x, self.data_format)
        batch = x.shape[0] if x.ndim == 4 else 1
        transform = self._transform(batch, x.shape[h_axis], x.shape[w_axis])
        return ops.image.affine_transform(x, transform if x.ndim == 4 else transform[0], self.interpolation,
                                          self.fill_mode, self.fill_value, self.data_format)  # fmt: skip

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation, fill_value=self.fill_value)
        return config


def _rows(*columns) -> Tensor:
    """``(batch, 8)`` transform from 8 ``(batch,)`` columns (Tensors or floats)."""
    batch = next(c for c in columns if isinstance(c, Tensor)).shape[0]
    full = [c if isinstance(c, Tensor) else ops.full((batch,), float(c), dtype="float32") for c in columns]
    return ops.stack(full, axis=1)


class RandomRotation(_AffineAugmentation):
    """Rotate each image by ``θ ~ U[360° * lower, 360° * upper]`` about its centre ``((W-1)/2, (H-1)/2)``.

    Output pixel ``(x, y)`` samples the input at ``R(θ) (x - cx, y - cy) + (cx, cy)`` with
    ``R = [[cos θ, -sin θ], [sin θ, cos θ]]`` (positive θ turns the image counter-clockwise).

    Args:
        factor: fraction of a full turn: ``f`` means ``[-f, f]``, a pair ``(lower, upper)``; in ``[-1, 1]``.
        fill_mode: ``'reflect'`` (default), ``'wrap'``, ``'constant'`` or ``'nearest'``.
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        seed: seed of the layer's stream. Defaults to ``None``.
        fill_value: value outside the image with ``'constant'``. Defaults to ``0.0``.
        data_format: Defaults to ``None`` (channels last).

    Raises:
        ValueError: for a bad ``factor`` or images not of rank 3/4; NotImplementedError: unknown fill mode or
            interpolation (Keras raises the same).

    Example:
        >>> import ember
        >>> layer = ember.layers.RandomRotation(0.1, seed=0)
        >>> layer(ember.ops.ones((2, 8, 8, 3))).shape, layer(ember.ops.ones((2, 8, 8, 3)), training=False).shape
        ((2, 8, 8, 3), (2, 8, 8, 3))
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):  # fmt: skip
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_range("RandomRotation", "factor", factor)

    def _transform(self, batch, height, width):
        angle = self._uniform(batch, self.factor[0] * 360.0, self.factor[1] * 360.0) * (math.pi / 180.0)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        cos, sin = ops.cos(angle), ops.sin(angle)
        a0, a1, b0, b1 = cos, -sin, sin, cos
        return _rows(a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0.0, 0.0)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(factor=list(self.factor))
        return config


class RandomZoom(_AffineAugmentation):
    """Zoom each image about its centre by ``zy ~ U[1 + lower, 1 + upper]`` (rows) and ``zx`` (columns;
    ``zx = zy`` unless ``width_factor`` is given): output pixel ``(x, y)`` samples the input at
    ``(zx x + (W-1)/2 (1 - zx), zy y + (H-1)/2 (1 - zy))``. Positive factors zoom out, negative zoom in.

    Args:
        height_factor: ``f`` (``[-f, f]``) or ``(lower, upper)``, each in ``(-1, 1]``.
        width_factor: the same for columns, or ``None`` (keep the aspect ratio). Defaults to ``None``.
        fill_mode, interpolation, seed, fill_value, data_format: as :class:`RandomRotation`.

    Raises:
        ValueError: for a factor outside ``(-1, 1]``; NotImplementedError: as :class:`RandomRotation`.

    Example:
        >>> import ember
        >>> ember.layers.RandomZoom((0.5, 0.5))(ember.ops.ones((1, 4, 4, 1)), training=False).shape
        (1, 4, 4, 1)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):  # fmt: skip
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = _factor_range("RandomZoom", "height_factor", height_factor, True)
        self._width = None if width_factor is None else _factor_range("RandomZoom", "width_factor", width_factor, True)

    def _transform(self, batch, height, width):
        zy = self._uniform(batch, 1.0 + self._height[0], 1.0 + self._height[1])
        zx = zy if self._width is None else self._uniform(batch, 1.0 + self._width[0], 1.0 + self._width[1])
        return _rows(zx, 0.0, (width - 1.0) / 2.0 * (1.0 - zx), 0.0, zy, (height - 1.0) / 2.0 * (1.0 - zy), 0.0, 0.0)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomTranslation(_AffineAugmentation):
    """Shift each image by ``ty ~ U[lower_h, upper_h] * H`` rows and ``tx ~ U[lower_w, upper_w] * W`` columns:
    output pixel ``(x, y)`` samples the input at ``(x - tx, y - ty)`` (positive factors move content
    down/right).

    Args:
        height_factor, width_factor: fraction of the height/width: ``f`` (``[-f, f]``) or ``(lower, upper)``,
            each in ``(-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as :class:`RandomRotation`.

    Raises:
        ValueError: for a factor outside ``(-1, 1]``; NotImplementedError: as :class:`RandomRotation`.

    Example:
        >>> import ember
        >>> img = ember.ops.reshape(ember.ops.arange(4.0), (1, 1, 4, 1))
        >>> layer = ember.layers.RandomTranslation(0, (0.25, 0.25), fill_mode="constant")
        >>> layer(img)[0, 0, :, 0].tolist()
        [0.0, 0.0, 1.0, 2.0]
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):  # fmt: skip
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = _factor_range("RandomTranslation", "height_factor", height_factor)
        self._width = _factor_range("RandomTranslation", "width_factor", width_factor)

    def _transform(self, batch, height, width):
        ty = self._uniform(batch, *self._height) * float(height)
        tx = self._uniform(batch, *self._width) * float(width)
        return _rows(1.0, 0.0, -tx, 0.0, 1.0, -ty, 0.0, 0.0)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
