"""3-D (volumetric) layers: Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D, global 3-D pooling.

Inputs ``(batch, depth, height, width, channels)`` (channels last) or channels first; the layers are the
1-D/2-D classes at rank 3, over the same N-d ops (:func:`ember.ops.conv`, :func:`ember.ops.max_pool`, ...).
Kernels: ``Conv3D`` ``(kd, kh, kw, in_channels // groups, filters)``; ``Conv3DTranspose``
``(kd, kh, kw, filters, in_channels)``. Source: keras/src/layers/convolutional/conv3d.py and pooling (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.layers.convolutional import _ConvND, _ConvTransposeND
from ember.layers.pooling import GlobalMaxPooling1D, MaxPooling1D, _GlobalPooling


class Conv3D(_ConvND):
    """3-D convolution: ``out[b, i, j, k, f] = act(sum_{u, v, w, c} x[b, i*s + u, j*s + v, k*s + w, c]
    * kernel[u, v, w, c, f] + bias[f])`` (dilations as in :class:`~ember.layers.Conv2D`).

    Args:
        filters, kernel_size (int or ``(kd, kh, kw)``), strides (Defaults to ``(1, 1, 1)``), padding
            (``'valid'``/``'same'``), data_format, dilation_rate, groups, activation, use_bias,
            initializers, regularizers, constraints: as :class:`~ember.layers.Conv2D`.

    Shape:
        Weights: ``kernel (kd, kh, kw, channels // groups, filters)``, ``bias (filters,)``.

    Example:
        >>> import ember
        >>> ember.layers.Conv3D(2, 3)(ember.ops.ones((1, 5, 5, 5, 1))).shape
        (1, 3, 3, 3, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, **kwargs):  # fmt: skip
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)


class Conv3DTranspose(_ConvTransposeND):
    """3-D transposed convolution, as :class:`~ember.layers.Conv2DTranspose` on three spatial axes.

    Shape:
        Weights: ``kernel (kd, kh, kw, filters, channels)``, ``bias (filters,)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), **kwargs):  # fmt: skip
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         **kwargs)  # fmt: skip


class MaxPooling3D(MaxPooling1D):
    """Max over ``pool_size`` windows of volumes ``(batch, d, h, w, channels)``.

    Args:
        pool_size: Defaults to ``(2, 2, 2)``.
        strides, padding, data_format: as :class:`~ember.layers.MaxPooling2D`.
    """

    _rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(MaxPooling3D):
    """Mean over ``pool_size`` windows of volumes; arguments as :class:`MaxPooling3D`, but ``pool_size`` is
    required, as in Keras 3."""

    _op = staticmethod(ops.average_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class GlobalMaxPooling3D(GlobalMaxPooling1D):
    """Max over depth, height and width: ``(batch, d, h, w, channels) -> (batch, channels)``."""

    _rank = 3


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over depth, height and width: ``(batch, d, h, w, channels) -> (batch, channels)``."""

    _rank = 3

    def call(self, inputs):
        return ops.mean(inputs, axis=self._axes(), keepdims=self.keepdims)


__all__ = ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
           "GlobalAveragePooling3D"]  # fmt: skip
