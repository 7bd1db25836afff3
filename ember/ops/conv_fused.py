"""``activation(conv(x, kernel) + bias)`` as one graph node: the bias and activation are applied in place on
the convolution's fresh GEMM output, as :func:`ember.ops.fused.dense` does for matmul.

The composite (``Conv`` node, ``Add`` node, activation node) allocates and writes two more output-sized
arrays per layer; at the W6 CNN's batch 256 the first conv's output is 22 MB and those two passes cost
about as much as its GEMM. The backward multiplies by the activation's derivative once, sums the bias
gradient, and hands the rest to :class:`ember.ops.conv.Conv`'s backward.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor
from ember.ops._convert import as_tensor
from ember.ops.conv import Conv, ConvKernelGrad, _from_channels_last, conv_arguments, input_crop
from ember.ops.fused import ACTIVATIONS, _activation_grad, _activation_grad_graph, _epilogue


class ConvBiasAct(Conv):
    # Conv's forward (its output is always a fresh array owned by this node), then the in-place epilogue.
    def forward(self, x, w, b, geo, groups, activation="linear"):
        y = super().forward(x, w, geo, groups)
        _epilogue(backend.namespace(y), y, b, activation)
        self.y, self.activation = y, activation
        return y

    def backward(self, g):
        g = backend.contiguous(_activation_grad(g, self.y, self.activation))
        gb = g.reshape(-1, g.shape[-1]).sum(axis=0) if self.needs_grad[2] else None
        gx, gw = super().backward(g)
        return gx, gw, gb

    def backward_graph(self, g):
        if self.groups != 1:
            raise NotImplementedError("Double backward of op ConvBiasAct is implemented for groups == 1 only.")
        from ember.ops import reduction
        from ember.ops.conv_transpose import ConvTranspose

        x, w, b = self.parents
        if self.activation != "linear":
            z = Conv.apply(x, w, geo=self.geo, groups=1) + b
            g = _activation_grad_graph(g, z, self.activation)
        gx = ConvTranspose.apply(g, w, geo=self.geo, full_shape=self.pad_shape, crop=input_crop(self.geo, x.shape))
        gw = ConvKernelGrad.apply(x, g, geo=self.geo, kernel_shape=w.shape)
        return gx, gw, reduction.sum(g, axis=tuple(range(g.ndim - 1)))


def conv_bias_act(inputs, kernel, bias, activation="linear", strides=1, padding="valid", data_format=None,
                  dilation_rate=1, groups=None) -> Tensor:  # fmt: skip
    """``activation(conv(inputs, kernel) + bias)`` as one differentiable node; same values as the composite.

    Args:
        inputs, kernel, strides, padding, data_format, dilation_rate, groups: as :func:`ember.ops.conv`.
        bias: ``(out_channels,)`` tensor of the inputs' dtype.
        activation: ``'linear'``, ``'relu'``, ``'sigmoid'`` or ``'tanh'``. Defaults to ``'linear'``.

    Returns:
        ``(batch, *out_spatial, out_channels)`` (``channels_first``: channels second), the inputs' dtype.

    Raises:
        ValueError: for an unknown activation, a bias that is not ``(out_channels,)``, or any argument
            :func:`ember.ops.conv` rejects.

    Source: the fused "conv + bias + activation" of cuDNN / oneDNN, written in NumPy.

    Example:
        >>> from ember import ops
        >>> from ember.ops.conv_fused import conv_bias_act
        >>> conv_bias_act(ops.ones((1, 4, 4, 2)), ops.ones((3, 3, 2, 5)), ops.ones((5,)), "relu").shape
        (1, 2, 2, 5)
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"conv_bias_act: activation must be one of {ACTIVATIONS}. Received: {activation!r}")
    x, w, geo, g, rank = conv_arguments(inputs, kernel, strides, padding, data_format, dilation_rate, groups)
    b = as_tensor(bias)
    if b.shape != (w.shape[-1],):
        raise ValueError(f"conv_bias_act: bias must have shape ({w.shape[-1]},) (the kernel's output channels). "
                         f"Received: bias shape {b.shape}")  # fmt: skip
    return _from_channels_last(ConvBiasAct.apply(x, w, b, geo=geo, groups=g, activation=activation), data_format, rank)
