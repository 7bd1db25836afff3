"""Shared parts of the convolution layers: argument handling, output lengths, bias and activation."""

from __future__ import annotations

from ember import initializers, ops
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.serialization import deserialize, deserialize_activation, serialize, serialize_activation


def as_tuple(value, rank: int, name: str, layer: str) -> tuple:
    """An int or ``rank`` ints as a tuple of positive ints.

    Raises:
        ValueError: naming the layer and argument for anything else.
    """
    t = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(t) != rank or not all(isinstance(v, int) and v > 0 for v in t):
        raise ValueError(f"{layer}: `{name}` must be a positive int or {rank} positive ints. Received: {value!r}")
    return t


def conv_output_length(n, k: int, stride: int, padding: str, dilation: int):
    """Keras's ``compute_conv_output_shape`` on one axis (``None`` stays ``None``)."""
    if n is None:
        return None
    dk = (k - 1) * dilation + 1
    if padding == "same":
        return -(-n // stride)
    if padding == "causal":
        n = n + dk - 1
    return (n - dk) // stride + 1


def deconv_output_length(n, k: int, stride: int, padding: str, dilation: int, output_padding=None):
    """Keras's ``compute_conv_transpose_output_shape`` on one axis."""
    if n is None:
        return None
    dk = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride + max(dk - stride, 0) if padding == "valid" else n * stride
    pad = dk // 2 if padding == "same" else 0
    return (n - 1) * stride + dk - 2 * pad + output_padding


class BaseConv(Layer):
    """Arguments every convolution shares; subclasses make the kernel and call the op.

    Args:
        rank: number of spatial axes.
        filters: output channels (``None`` for depthwise).
        kernel_size, strides, dilation_rate: int or one per spatial axis.
        padding: ``'valid'``, ``'same'`` (and ``'causal'`` for Conv1D). Defaults to ``'valid'``.
        data_format: ``'channels_last'`` or ``'channels_first'``. Defaults to ``None`` (channels last).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as :class:`~ember.layers.Dense`.
    """

    _paddings = ("valid", "same")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 activity_regularizer=None, bias_constraint=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.rank = rank
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(f"{kind}: `filters` must be a positive int. Received: filters={filters!r}")
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in self._paddings:
            raise ValueError(f"{kind}: `padding` must be one of {self._paddings}. Received: padding={padding!r}")
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                f"{kind}: `data_format` must be 'channels_last' or 'channels_first'. Received: {data_format!r}"
            )
        self.filters, self.padding = filters, padding
        self.kernel_size = as_tuple(kernel_size, rank, "kernel_size", kind)
        self.strides = as_tuple(strides, rank, "strides", kind)
        self.dilation_rate = as_tuple(dilation_rate, rank, "dilation_rate", kind)
        self.data_format = data_format or "channels_last"
        self.activation = deserialize_activation(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(deserialize("initializer", bias_initializer))
        self.bias_regularizer = deserialize("regularizer", bias_regularizer)
        self.activity_regularizer = deserialize("regularizer", activity_regularizer)
        self.bias_constraint = deserialize("constraint", bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _in_channels(self, input_shape) -> int:
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the channel axis of the input must be known. "
                             f"Received: input shape {tuple(input_shape)}")  # fmt: skip
        return channels

    def _spatial(self, shape):
        return shape[2:] if self.data_format == "channels_first" else shape[1:-1]

    def _make_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((size,), self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")  # fmt: skip

    def _lock_channels(self, channels):
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _finish(self, y):
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            y = y + bias
        return self.activation(y)  # activity_regularizer: added by Layer.__call__ (Keras 3)

    def _output_shape(self, input_shape, spatial, channels):
        if self.data_format == "channels_first":
            return (input_shape[0], channels, *spatial)
        return (input_shape[0], *spatial, channels)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            kernel_size=list(self.kernel_size), strides=list(self.strides), padding=self.padding,
            data_format=self.data_format, dilation_rate=list(self.dilation_rate),
            activation=serialize_activation(self.activation), use_bias=self.use_bias,
            bias_initializer=serialize(self.bias_initializer), bias_regularizer=serialize(self.bias_regularizer),
            activity_regularizer=serialize(self.activity_regularizer), bias_constraint=serialize(self.bias_constraint),
        )  # fmt: skip
        if self.filters is not None:
            config["filters"] = self.filters
        return config
