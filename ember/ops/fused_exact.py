"""Fused ``matmul/conv + bias + activation`` nodes that equal the unfused ops bit for bit (graph-mode fusion).

Graph mode's bias-activation fusion (``ember/graph/passes/bias_act_fusion.py``) rewrites a recorded
``MatMul -> Add(bias) [-> ReLU|Sigmoid|Tanh]`` (or ``Conv -> Add -> act``) into one of these nodes.
They run the fused kernels' forward (:func:`ember.ops.fused.dense`'s in-place epilogue: no temporaries
for the sum and the activation) and a backward written as the unfused chain's: the activation's
derivative, the bias gradient reduced exactly as ``Add``'s backward reduces it, then ``MatMul``'s
(``Conv``'s) own backward on the same array. Replays therefore give the same values and gradients
as the unfused graph and as eager mode, to the last bit. (``fused.Dense`` computes the kernel gradient
in another orientation and the bias gradient over a reshaped array: equal up to summation order only.)
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, unbroadcast
from ember.ops.conv import Conv
from ember.ops.conv_fused import ConvBiasAct
from ember.ops.fused import _activation_grad, _epilogue
from ember.ops.linalg import MatMul


class MatMulBiasAct(Function):
    """``activation(x @ kernel + bias)`` as one node: ``MatMul``'s forward, the in-place bias + activation
    epilogue of :func:`ember.ops.fused.dense`, then ``MatMul``'s own backward.

    Shapes: ``x`` ``(..., in)``, ``kernel`` ``(in, units)``, ``bias`` any shape broadcasting into the product
    without changing its shape or dtype (the pass checks this); returns ``(..., units)``, the product's dtype.
    ``activation``: ``'linear'``, ``'relu'``, ``'sigmoid'`` or ``'tanh'``. Made only by graph mode's
    bias-activation fusion pass; bit-identical to the unfused ``MatMul -> Add -> act`` nodes.
    """

    def forward(self, x, kernel, bias, activation="linear"):
        mm = MatMul()
        mm.needs_grad = self.needs_grad[:2]
        y = mm.forward(x, kernel)  # a fresh array (a GEMM's output), so the epilogue may write into it
        self.bias_shape = bias.shape
        _epilogue(backend.namespace(y), y, bias, activation)
        self.mm, self.y, self.activation = mm, y, activation
        return y

    def backward(self, g):
        g = _activation_grad(g, self.y, self.activation)
        gb = unbroadcast(g, self.bias_shape) if self.needs_grad[2] else None
        gx, gk = self.mm.backward(g)
        return gx, gk, gb


class ConvAddAct(ConvBiasAct):
    """``activation(conv(x, w) + b)`` as one node: :class:`~ember.ops.conv_fused.ConvBiasAct`'s forward, and
    a backward that reduces the bias gradient as the unfused ``Add`` does before ``Conv``'s own backward.

    Shapes as ``ConvBiasAct`` (channels-last ``x`` ``(batch, *spatial, in)``, ``w`` ``(*kernel, in/groups,
    filters)``, ``b`` broadcasting into the output); made only by graph mode's bias-activation fusion pass;
    bit-identical to the unfused ``Conv -> Add -> act`` nodes.
    """

    def forward(self, x, w, b, geo, groups, activation="linear"):
        self.bias_shape = b.shape
        return super().forward(x, w, b, geo, groups, activation)

    def backward(self, g):
        g = _activation_grad(g, self.y, self.activation)
        gb = unbroadcast(g, self.bias_shape) if self.needs_grad[2] else None
        gx, gw = Conv.backward(self, g)
        return gx, gw, gb
