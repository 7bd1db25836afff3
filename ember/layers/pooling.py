"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D, GlobalMax/AveragePooling1D/2D.

Source: keras/src/layers/pooling (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.layers.conv_base import as_tuple, conv_output_length
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer


class _Pooling(Layer):
    _rank = 1
    _op = staticmethod(ops.max_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.pool_size = as_tuple(pool_size, self._rank, "pool_size", kind)
        self.strides = self.pool_size if strides is None else as_tuple(strides, self._rank, "strides", kind)
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in ("valid", "same"):
            raise ValueError(f"{kind}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
        self.padding, self.data_format = padding, data_format or "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs):
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        out = [conv_output_length(n, k, s, self.padding, 1)
               for n, k, s in zip(spatial, self.pool_size, self.strides, strict=True)]  # fmt: skip
        if first:
            return (input_shape[0], input_shape[1], *out)
        return (input_shape[0], *out, input_shape[-1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding,
                      data_format=self.data_format)  # fmt: skip
        return config


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` timesteps: ``(batch, steps, features) -> (batch, new_steps, features)``.

    Args:
        pool_size: Defaults to ``2``.
        strides: Defaults to ``None`` (= ``pool_size``).
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        data_format: Defaults to ``None`` (channels last).

    Example:
        >>> import ember
        >>> ember.layers.MaxPooling1D()(ember.tensor([[[1.0], [3.0], [2.0], [0.0]]])).numpy().ravel().tolist()
        [3.0, 2.0]
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max over ``pool_size`` windows of ``(batch, height, width, channels)`` images.

    Args:
        pool_size: Defaults to ``(2, 2)``.
        strides, padding, data_format: as :class:`MaxPooling1D`.
    """

    _rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(MaxPooling1D):
    """Mean over windows of ``pool_size`` timesteps; arguments as :class:`MaxPooling1D`.

    With ``'same'`` padding border windows average their valid elements only (Keras/TF).
    ``pool_size`` is required, as in Keras 3 (MaxPooling1D's defaults to 2).
    """

    _op = staticmethod(ops.average_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(MaxPooling2D):
    """Mean over ``pool_size`` windows of images; arguments as :class:`MaxPooling2D`, but ``pool_size`` is
    required, as in Keras 3."""

    _op = staticmethod(ops.average_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    _rank = 1

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format, self.keepdims = data_format or "channels_last", bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self._rank))

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over time: ``(batch, steps, features) -> (batch, features)`` (``keepdims``: ``(batch, 1, features)``).

    Args:
        data_format: Defaults to ``None`` (channels last).
        keepdims: keep the reduced axis with size 1. Defaults to ``False``.
    """

    def call(self, inputs):
        return ops.max(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalMaxPooling1D):
    """Max over height and width: ``(batch, h, w, channels) -> (batch, channels)``."""

    _rank = 2


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over time, over unmasked timesteps only when a mask is given.

    ``out[b, f] = sum_t mask[b, t] * x[b, t, f] / sum_t mask[b, t]``.

    Args:
        data_format: Defaults to ``None`` (channels last).
        keepdims: Defaults to ``False``.

    Call args:
        mask: ``(batch, steps)`` bool, or ``None``.
    """

    supports_masking = True

    def call(self, inputs, mask=None):
        axes = self._axes()
        if mask is None:
            return ops.mean(inputs, axis=axes, keepdims=self.keepdims)
        weights = ops.cast(mask, inputs.dtype)
        weights = ops.expand_dims(weights, 1 if self.data_format == "channels_first" else -1)
        total = ops.sum(inputs * weights, axis=axes, keepdims=self.keepdims)
        return total / ops.sum(weights, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: ``(batch, h, w, channels) -> (batch, channels)``."""

    _rank = 2

    def call(self, inputs):
        return ops.mean(inputs, axis=self._axes(), keepdims=self.keepdims)
