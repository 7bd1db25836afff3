"""Image preprocessing layers: CenterCrop, Resizing, RandomCrop, RandomFlip, RandomContrast.

Inputs ``(batch, height, width, channels)`` (or one image without the batch axis). The random layers
draw from a per-layer seeded stream (``seed=``), so a seed repeats the same sequence of augmentations.
As in Keras 3 (whose augmentation layers default to ``training=True``) they augment in ``fit`` and when
called directly (``training`` not given or ``None``), and are the identity for ``training=False``
(``predict``, ``evaluate``). Source: keras/src/layers/preprocessing/image_preprocessing.
"""

from __future__ import annotations

from ember import ops
from ember import random as erandom
from ember.autograd import Tensor
from ember.layers.layer import Layer


def _image_axes(x, data_format):
    """(height axis, width axis) of ``x``."""
    first = data_format == "channels_first"
    return (x.ndim - 2, x.ndim - 1) if first else (x.ndim - 3, x.ndim - 2)


def _inference(training) -> bool:
    """Only an explicit ``training=False`` turns augmentation off (``None`` means a direct call: augment)."""
    return training is not None and not training


class _Seeded(Layer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed, self.data_format = seed, data_format
        self._generator = erandom.SeedGenerator(seed) if seed is not None else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(seed=self.seed, data_format=self.data_format)
        return config


class CenterCrop(Layer):
    """Crop the central ``height x width`` window: rows ``(H - height) // 2 ...`` (Keras's offsets).

    Raises:
        NotImplementedError: when the image is smaller than the crop (Keras then resizes; ember does not yet).
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width, self.data_format = int(height), int(width), data_format

    def call(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
        h_axis, w_axis = _image_axes(x, self.data_format)
        h, w = x.shape[h_axis], x.shape[w_axis]
        if h < self.height or w < self.width:
            raise NotImplementedError(f"CenterCrop '{self.name}': input {h}x{w} is smaller than the crop "
                                      f"{self.height}x{self.width}; Keras resizes it, ember does not yet")  # fmt: skip
        top, left = (h - self.height) // 2, (w - self.width) // 2
        index = [slice(None)] * x.ndim
        index[h_axis], index[w_axis] = slice(top, top + self.height), slice(left, left + self.width)
        return x[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        first = self.data_format == "channels_first"
        h_axis = len(shape) - 2 if first else len(shape) - 3
        shape[h_axis], shape[h_axis + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format=self.data_format)
        return config


class RandomFlip(_Seeded):
    """Flip each image left-right and/or up-down with probability 1/2, in training only.

    Args:
        mode: ``'horizontal'``, ``'vertical'`` or ``'horizontal_and_vertical'``. Defaults to the latter.
        seed: Defaults to ``None`` (global generator).
    """

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in self._MODES:
            raise ValueError(f"RandomFlip: mode must be one of {self._MODES}. Received: mode={mode!r}")
        self.mode = mode

    def call(self, inputs, training=True):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
        if _inference(training):
            return x
        h_axis, w_axis = _image_axes(x, self.data_format)
        batched = x.ndim == 4
        shape = (x.shape[0],) + (1,) * (x.ndim - 1) if batched else (1,) * x.ndim
        for axis, wanted in ((w_axis, "horizontal"), (h_axis, "vertical")):
            if wanted in self.mode:
                flip = erandom.uniform(shape, seed=self._generator) < 0.5
                x = ops.where(flip, ops.flip(x, axis=axis), x)
        return x

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(mode=self.mode)
        return config


class RandomContrast(_Seeded):
    """``out = clip((x - mean) * f + mean, value_range)`` with ``mean`` per image and channel and ``f`` drawn per
    image from ``U[1 - lower, 1 + upper]``, in training only.

    Args:
        factor: ``f`` range: a float ``a`` (``lower = upper = a``) or ``(lower, upper)``, in ``[0, 1]``.
        value_range: Defaults to ``(0, 255)``.
        seed: Defaults to ``None``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        lower, upper = (factor, factor) if isinstance(factor, (int, float)) else tuple(factor)
        if not (0 <= lower <= 1 and 0 <= upper <= 1):
            raise ValueError(f"RandomContrast: factor must lie in [0, 1]. Received: factor={factor!r}")
        self.factor, self.value_range = factor, tuple(value_range)
        self._lower, self._upper = 1.0 - lower, 1.0 + upper

    def call(self, inputs, training=True):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs, dtype="float32")
        if _inference(training):
            return x
        h_axis, w_axis = _image_axes(x, self.data_format)
        shape = (x.shape[0],) + (1,) * (x.ndim - 1) if x.ndim == 4 else (1,) * x.ndim
        f = erandom.uniform(shape, self._lower, self._upper, dtype=x.dtype, seed=self._generator)
        mean = ops.mean(x, axis=(h_axis, w_axis), keepdims=True)
        return ops.clip((x - mean) * f + mean, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


def _crop_to_aspect(x, height, width, data_format):
    """Keras's ``crop_to_aspect_ratio``: the centred window of the target's aspect ratio (before resizing)."""
    h_axis, w_axis = _image_axes(x, data_format)
    h, w = x.shape[h_axis], x.shape[w_axis]
    crop_h = max(min(h, int(float(w * height) / width)), 1)
    crop_w = max(min(w, int(float(h * width) / height)), 1)
    top, left = int(float(h - crop_h) / 2), int(float(w - crop_w) / 2)
    index = [slice(None)] * x.ndim
    index[h_axis], index[w_axis] = slice(top, top + crop_h), slice(left, left + crop_w)
    return x[tuple(index)]


class Resizing(Layer):
    """Resize images to ``(height, width)`` (:func:`ember.ops.image.resize`), optionally after a centred crop
    to the target aspect ratio (``crop_to_aspect_ratio=True``, as Keras).

    Args:
        height, width: output size.
        interpolation: ``'bilinear'`` or ``'nearest'``. Defaults to ``'bilinear'``.
        crop_to_aspect_ratio: Defaults to ``False``.
        pad_to_aspect_ratio, fill_mode, fill_value, antialias: only Keras's defaults.

    Raises:
        NotImplementedError: for ``pad_to_aspect_ratio=True``, ``antialias=True`` or other interpolations.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False, data_format=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if pad_to_aspect_ratio or antialias or interpolation not in ("bilinear", "nearest"):
            raise NotImplementedError(f"Resizing: interpolation={interpolation!r}, pad_to_aspect_ratio="
                                      f"{pad_to_aspect_ratio!r}, antialias={antialias!r} are not implemented in "
                                      "ember (bilinear/nearest, crop_to_aspect_ratio only)")  # fmt: skip
        self.height, self.width, self.interpolation = int(height), int(width), interpolation
        self.crop_to_aspect_ratio, self.data_format = bool(crop_to_aspect_ratio), data_format

    def call(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs, dtype="float32")
        if x.dtype.kind != "f":
            x = ops.cast(x, "float32")
        if self.crop_to_aspect_ratio:
            x = _crop_to_aspect(x, self.height, self.width, self.data_format)
        return ops.image.resize(x, (self.height, self.width), self.interpolation, data_format=self.data_format)

    compute_output_shape = CenterCrop.compute_output_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio, data_format=self.data_format)  # fmt: skip
        return config


class RandomCrop(_Seeded):
    """Training: a ``height x width`` window at a random offset (one per batch, seeded). With
    ``training=False`` the input is returned unchanged, as Keras 3.15 does.

    Raises:
        NotImplementedError: in training, for images smaller than the crop.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs, training=True):
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs, dtype="float32")
        if _inference(training):  # Keras 3.15 returns the input unchanged (no crop, no resize)
            return x
        h_axis, w_axis = _image_axes(x, self.data_format)
        h, w = x.shape[h_axis], x.shape[w_axis]
        if h < self.height or w < self.width:
            raise NotImplementedError(f"RandomCrop '{self.name}': input {h}x{w} is smaller than the crop "
                                      f"{self.height}x{self.width} (Keras resizes it; ember does not yet)")  # fmt: skip
        top = int(erandom.randint((), 0, h - self.height + 1, seed=self._generator).item())
        left = int(erandom.randint((), 0, w - self.width + 1, seed=self._generator).item())
        index = [slice(None)] * x.ndim
        index[h_axis], index[w_axis] = slice(top, top + self.height), slice(left, left + self.width)
        return x[tuple(index)]

    compute_output_shape = CenterCrop.compute_output_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
