"""Convolution layers: Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose (Keras 3 kernel layouts).

Kernels: ``Conv*D`` ``(*kernel_size, in_channels // groups, filters)``; ``Conv*DTranspose``
``(*kernel_size, filters, in_channels)``; biases ``(filters,)``.
Source: keras/src/layers/convolutional (Keras 3).
"""

from __future__ import annotations

from ember import initializers, ops
from ember.layers.conv_base import BaseConv, conv_output_length, deconv_output_length
from ember.layers.core import _FUSED
from ember.layers.serialization import deserialize, serialize
from ember.ops.conv_fused import conv_bias_act


class _ConvND(BaseConv):
    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, kernel_initializer="glorot_uniform", kernel_regularizer=None, kernel_constraint=None,
                 **kwargs):  # fmt: skip
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f"{type(self).__name__}: `groups` must be a positive int dividing filters={filters}. "
                             f"Received: groups={groups!r}")  # fmt: skip
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{type(self).__name__}: strides > 1 together with dilation_rate > 1 is not supported "
                             f"(as Keras). Received: strides={self.strides}, dilation_rate={self.dilation_rate}")
        self.groups = groups
        self.kernel_initializer = initializers.get(deserialize("initializer", kernel_initializer))
        self.kernel_regularizer = deserialize("regularizer", kernel_regularizer)
        self.kernel_constraint = deserialize("constraint", kernel_constraint)

    def build(self, input_shape):
        channels = self._in_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': input channels {channels} are not divisible by "
                             f"groups={self.groups}. Received: input shape {tuple(input_shape)}")  # fmt: skip
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        self.kernel = self.add_weight(shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")  # fmt: skip
        self._make_bias(self.filters)
        self._lock_channels(channels)

    def call(self, inputs):
        x, padding = inputs, self.padding
        if padding == "causal":  # left-pad the time axis so output t sees inputs <= t (WaveNet)
            x = ops.pad(x, [(0, 0), ((self.kernel_size[0] - 1) * self.dilation_rate[0], 0), (0, 0)])
            padding = "valid"
        fused_name = _FUSED.get(self.activation) if self.bias is not None else None
        if fused_name is not None and x.dtype == self.kernel.dtype == self.bias.dtype:  # one node, same values
            return conv_bias_act(x, self.kernel, self.bias, fused_name, self.strides, padding, self.data_format,
                                 self.dilation_rate, self.groups)  # fmt: skip
        y = ops.conv(x, self.kernel, self.strides, padding, self.data_format, self.dilation_rate, self.groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        spatial = [conv_output_length(n, k, s, self.padding, d) for n, k, s, d in
                   zip(self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate, strict=True)]
        return self._output_shape(input_shape, spatial, self.filters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(groups=self.groups, kernel_initializer=serialize(self.kernel_initializer),
                      kernel_regularizer=serialize(self.kernel_regularizer),
                      kernel_constraint=serialize(self.kernel_constraint))  # fmt: skip
        return config


class Conv1D(_ConvND):
    """1-D convolution: ``out[b, t, f] = activation(sum_{k, c} x[b, t*s + k*d, c] * kernel[k, c, f] + bias[f])``.

    Args:
        filters: output channels.
        kernel_size: int or ``(k,)``.
        strides: Defaults to ``1``.
        padding: ``'valid'``, ``'same'`` or ``'causal'``. Defaults to ``'valid'``.
        data_format: Defaults to ``None`` (channels last).
        dilation_rate: Defaults to ``1``.
        groups: channel groups. Defaults to ``1``.
        activation, use_bias, kernel_initializer (``'glorot_uniform'``), bias_initializer (``'zeros'``),
            regularizers and constraints: as :class:`~ember.layers.Dense`.

    Shape:
        Input ``(batch, steps, channels)``; output ``(batch, new_steps, filters)``.
        Weights: ``kernel (k, channels // groups, filters)``, ``bias (filters,)``.

    Raises:
        ValueError: for bad arguments, or input of another rank or channel count, naming the layer.
    """

    _paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, **kwargs):  # fmt: skip
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)


class Conv2D(_ConvND):
    """2-D convolution over ``(batch, height, width, channels)`` images.

    ``out[b, i, j, f] = activation(sum_{u, v, c} x[b, i*sh + u*dh, j*sw + v*dw, c] * kernel[u, v, c, f] + bias[f])``

    Args:
        filters: output channels.
        kernel_size: int or ``(kh, kw)``.
        strides: Defaults to ``(1, 1)``.
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        data_format, dilation_rate, groups, activation, use_bias, initializers, regularizers,
            constraints: as :class:`Conv1D`.

    Shape:
        Weights: ``kernel (kh, kw, channels // groups, filters)``, ``bias (filters,)``.

    Example:
        >>> import ember
        >>> ember.layers.Conv2D(4, 3)(ember.ops.ones((2, 8, 8, 3))).shape
        (2, 6, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, **kwargs):  # fmt: skip
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)


class _ConvTransposeND(BaseConv):
    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, kernel_initializer="glorot_uniform", kernel_regularizer=None,
                 kernel_constraint=None, **kwargs):  # fmt: skip
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = (output_padding,) * rank if isinstance(output_padding, int) else tuple(output_padding)
            if any(p >= s for p, s in zip(self.output_padding, self.strides, strict=True)):
                raise ValueError(f"{type(self).__name__}: `output_padding` must be smaller than strides "
                                 f"{self.strides}. Received: output_padding={output_padding!r}")  # fmt: skip
        self.kernel_initializer = initializers.get(deserialize("initializer", kernel_initializer))
        self.kernel_regularizer = deserialize("regularizer", kernel_regularizer)
        self.kernel_constraint = deserialize("constraint", kernel_constraint)

    def build(self, input_shape):
        channels = self._in_channels(input_shape)
        self.kernel = self.add_weight((*self.kernel_size, self.filters, channels), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")  # fmt: skip
        self._make_bias(self.filters)
        self._lock_channels(channels)

    def call(self, inputs):
        y = ops.conv_transpose(inputs, self.kernel, self.strides, self.padding, self.output_padding,
                               self.data_format, self.dilation_rate)  # fmt: skip
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        pads = self.output_padding or (None,) * self.rank
        spatial = [deconv_output_length(n, k, s, self.padding, d, p) for n, k, s, d, p in zip(
            self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate, pads, strict=True)]
        return self._output_shape(input_shape, spatial, self.filters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(output_padding=None if self.output_padding is None else list(self.output_padding),
                      kernel_initializer=serialize(self.kernel_initializer),
                      kernel_regularizer=serialize(self.kernel_regularizer),
                      kernel_constraint=serialize(self.kernel_constraint))  # fmt: skip
        return config


class Conv1DTranspose(_ConvTransposeND):
    """1-D transposed convolution (the gradient of :class:`Conv1D` w.r.t. its input), upsampling by ``strides``.

    Args:
        filters, kernel_size, strides, padding (``'valid'``/``'same'``), output_padding (Defaults to ``None``),
            data_format, dilation_rate, activation, use_bias, initializers, regularizers, constraints.

    Shape:
        Input ``(batch, steps, channels)``; output ``(batch, steps * s + max(k - s, 0), filters)`` with
        ``'valid'``, ``(batch, steps * s, filters)`` with ``'same'``.
        Weights: ``kernel (k, filters, channels)``, ``bias (filters,)``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, **kwargs):  # fmt: skip
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         **kwargs)  # fmt: skip


class Conv2DTranspose(_ConvTransposeND):
    """2-D transposed convolution ("deconvolution"), as :class:`Conv1DTranspose` on two spatial axes.

    Shape:
        Weights: ``kernel (kh, kw, filters, channels)``, ``bias (filters,)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), **kwargs):  # fmt: skip
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         **kwargs)  # fmt: skip


__all__ = ["Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose"]
