"""Depthwise and separable convolutions: DepthwiseConv1D/2D, SeparableConv1D/2D.

Source: Chollet, "Xception" (2017); keras/src/layers/convolutional (Keras 3).
"""

from __future__ import annotations

from ember import initializers, ops
from ember.layers.conv_base import BaseConv, conv_output_length
from ember.layers.serialization import deserialize, serialize


class DepthwiseConv2D(BaseConv):
    """Convolves each input channel with its own ``depth_multiplier`` filters.

    ``out[b, i, j, c * M + m] = sum_{u, v} x[b, i*s + u, j*s + v, c] * kernel[u, v, c, m] + bias[c * M + m]``

    Args:
        kernel_size: int or ``(kh, kw)``.
        strides: Defaults to ``(1, 1)``.
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        depth_multiplier: filters per input channel. Defaults to ``1``.
        data_format, dilation_rate, activation, use_bias: as :class:`~ember.layers.Conv2D`.
        depthwise_initializer: Defaults to ``'glorot_uniform'``.
        depthwise_regularizer, depthwise_constraint: Default ``None``.

    Shape:
        Weights: ``kernel (kh, kw, channels, depth_multiplier)``, ``bias (channels * depth_multiplier,)``.
    """

    _rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), depthwise_initializer="glorot_uniform", depthwise_regularizer=None,
                 depthwise_constraint=None, **kwargs):  # fmt: skip
        super().__init__(self._rank, None, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(
                f"{type(self).__name__}: `depth_multiplier` must be a positive int. Received: {depth_multiplier!r}"
            )
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(deserialize("initializer", depthwise_initializer))
        self.depthwise_regularizer = deserialize("regularizer", depthwise_regularizer)
        self.depthwise_constraint = deserialize("constraint", depthwise_constraint)

    def build(self, input_shape):
        channels = self._in_channels(input_shape)
        self.kernel = self.add_weight((*self.kernel_size, channels, self.depth_multiplier),
                                      self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")  # fmt: skip
        self._make_bias(channels * self.depth_multiplier)
        self._lock_channels(channels)

    def call(self, inputs):
        y = ops.depthwise_conv(inputs, self.kernel, self.strides, self.padding, self.data_format, self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        spatial = [conv_output_length(n, k, s, self.padding, d) for n, k, s, d in
                   zip(self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate, strict=True)]
        channels = input_shape[self._channel_axis]
        return self._output_shape(input_shape, spatial, None if channels is None else channels * self.depth_multiplier)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(depth_multiplier=self.depth_multiplier,
                      depthwise_initializer=serialize(self.depthwise_initializer),
                      depthwise_regularizer=serialize(self.depthwise_regularizer),
                      depthwise_constraint=serialize(self.depthwise_constraint))  # fmt: skip
        return config


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution to ``filters`` channels.

    Args:
        filters: output channels.
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
            use_bias, depthwise_*: as :class:`DepthwiseConv2D`.
        pointwise_initializer: Defaults to ``'glorot_uniform'``.
        pointwise_regularizer, pointwise_constraint: Default ``None``.

    Shape:
        Weights: ``depthwise_kernel (kh, kw, channels, depth_multiplier)``,
        ``pointwise_kernel (1, 1, channels * depth_multiplier, filters)``, ``bias (filters,)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, pointwise_initializer="glorot_uniform",
                 pointwise_regularizer=None, pointwise_constraint=None, **kwargs):  # fmt: skip
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{type(self).__name__}: `filters` must be a positive int. Received: filters={filters!r}")
        self.filters = filters
        self.pointwise_initializer = initializers.get(deserialize("initializer", pointwise_initializer))
        self.pointwise_regularizer = deserialize("regularizer", pointwise_regularizer)
        self.pointwise_constraint = deserialize("constraint", pointwise_constraint)

    def build(self, input_shape):
        channels = self._in_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            (*self.kernel_size, channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            (1,) * self._rank + (channels * self.depth_multiplier, self.filters), self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._make_bias(self.filters)
        self._lock_channels(channels)

    def call(self, inputs):
        y = ops.depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding, self.data_format,
                               self.dilation_rate)  # fmt: skip
        y = ops.conv(y, self.pointwise_kernel, 1, "valid", self.data_format)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        shape = list(super().compute_output_shape(input_shape))
        shape[self._channel_axis] = self.filters
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pointwise_initializer=serialize(self.pointwise_initializer),
                      pointwise_regularizer=serialize(self.pointwise_regularizer),
                      pointwise_constraint=serialize(self.pointwise_constraint))  # fmt: skip
        return config


class DepthwiseConv1D(DepthwiseConv2D):
    """:class:`DepthwiseConv2D` over ``(batch, steps, channels)`` sequences.

    Shape:
        Weights: ``kernel (k, channels, depth_multiplier)``, ``bias (channels * depth_multiplier,)``.
    """

    _rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, **kwargs):  # fmt: skip
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, **kwargs)


class SeparableConv1D(SeparableConv2D):
    """:class:`SeparableConv2D` over ``(batch, steps, channels)`` sequences: depthwise, then pointwise.

    Shape:
        Weights: ``depthwise_kernel (k, channels, depth_multiplier)``,
        ``pointwise_kernel (1, channels * depth_multiplier, filters)``, ``bias (filters,)``.

    Example:
        >>> import ember
        >>> ember.layers.SeparableConv1D(4, 3)(ember.ops.ones((2, 9, 3))).shape
        (2, 7, 4)
    """

    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, **kwargs):  # fmt: skip
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         **kwargs)  # fmt: skip
