"""Fused kernels: one graph node where a composition of ops costs measurably more.

``dense``: ``activation(x @ kernel + bias)`` as one node instead of three. The bias is
added and the activation applied in place on the GEMM's output (no temporaries), the
backward multiplies by the activation's derivative once, and for inputs of rank > 2 the
kernel gradient is a single GEMM over the flattened leading axes (the composed
``matmul`` backward makes one small GEMM per leading index and then sums them).
Issue 6 measures it against ``Dense``'s composition (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.ops._convert import as_tensor

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")


def _epilogue(xp, y, bias, activation):
    """``y = activation(y + bias)`` in place on the fresh GEMM output ``y`` (no temporaries)."""
    backend.add_row_(y, bias)
    if activation == "relu":
        backend.relu_(y)
    elif activation == "sigmoid":  # 0.5 (1 + tanh(y / 2)): no overflow warning for large |y|
        y *= 0.5
        xp.tanh(y, out=y)
        y += 1
        y *= 0.5
    elif activation == "tanh":
        xp.tanh(y, out=y)


def _activation_grad(g, y, activation):
    """``g * activation'`` written with the activation's output ``y`` (ReLU: derivative 0 at the kink)."""
    if activation == "relu":  # the mask cast to g's dtype first: NumPy's float * bool loop is ~2x slower than
        if g.shape != y.shape:  # float * float (630 -> 450 us at W3's first conv); same products bit for bit
            return backend.namespace(g).multiply(g, y > 0)
        mask = (y > 0).astype(g.dtype)
        return backend.namespace(g).multiply(g, mask, out=mask)
    if activation == "sigmoid":
        return g * y * (1 - y)
    if activation == "tanh":
        return g * (1 - y * y)
    return g


def _activation_grad_graph(g, z, activation):
    """:func:`_activation_grad` with recorded ops on the pre-activation ``z`` (for double backward)."""
    from ember.ops import activations as A

    if activation == "relu":
        return g * Tensor._wrap((z.data > 0).astype(g.dtype))
    if activation == "sigmoid":
        s = A.sigmoid(z)
        return g * s * (1 - s)
    if activation == "tanh":
        t = A.tanh(z)
        return g * (1 - t * t)
    return g


class Dense(Function):
    # Hand-written backward for matmul + bias + activation: fewer nodes and passes (issue 6).
    def forward(self, x, kernel, bias, activation="linear"):
        xp = backend.namespace(x)
        x = backend.contiguous(x)  # op(view) == op(copy) bit for bit, as MatMul (RELIABILITY.md A7)
        if x.ndim > 2:  # one GEMM over the flattened leading axes, as MatMul
            y = (x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) @ kernel).reshape(x.shape[:-1] + (kernel.shape[1],))
        else:
            y = x @ kernel
        _epilogue(xp, y, bias, activation)
        self.x, self.kernel, self.y, self.activation = x, kernel, y, activation
        return y

    def forward_out(self, x, kernel, bias, out, activation="linear"):
        """``forward`` with the GEMM written into the C-contiguous buffer ``out`` and the epilogue applied there
        (graph mode's buffer planning, ember/graph/passes/buffers.py); bit-identical; returns ``out``."""
        xp = backend.namespace(x)
        x = backend.contiguous(x)
        if x.ndim > 2:  # one GEMM over the flattened leading axes, as forward
            xp.matmul(x.reshape(-1, x.shape[-1]), kernel, out=out.reshape(-1, kernel.shape[1]))
        else:
            xp.matmul(x, kernel, out=out)
        _epilogue(xp, out, bias, activation)
        self.x, self.kernel, self.y, self.activation = x, kernel, out, activation
        return out

    def backward_out(self, g, out):
        """``backward`` with the input gradient written into the buffer ``out`` (x's shape); bit-identical."""
        if not self.needs_grad[0]:
            return self.backward(g)
        g = _activation_grad(g, self.y, self.activation)
        x, kernel = self.x, self.kernel
        g2 = backend.contiguous(g).reshape(-1, kernel.shape[-1])
        backend.namespace(g2).matmul(g2, kernel.T, out=out.reshape(g2.shape[0], x.shape[-1]))
        gk = x.reshape(-1, x.shape[-1]).T @ g2 if self.needs_grad[1] else None
        gb = g2.sum(axis=0) if self.needs_grad[2] else None
        return out, gk, gb

    def backward(self, g):
        g = _activation_grad(g, self.y, self.activation)
        x, kernel = self.x, self.kernel
        units = kernel.shape[-1]
        g2 = backend.contiguous(g).reshape(-1, units)  # a broadcast g (from a mean) would miss BLAS
        # One 2-D GEMM over the flattened leading axes (kernel.T: BLAS's transpose flag, no copy); NumPy's
        # 3-D @ 2-D makes one GEMM per leading index: 4.4 vs 3.1 ms at the W5 FFN shape (32, 64, 512).
        gx = (g2 @ kernel.T).reshape(x.shape) if self.needs_grad[0] else None
        gk = x.reshape(-1, x.shape[-1]).T @ g2 if self.needs_grad[1] else None
        gb = g2.sum(axis=0) if self.needs_grad[2] else None
        return gx, gk, gb

    def backward_graph(self, g):
        # Double backward: the same gradients composed of differentiable ops on the recomputed pre-activation.
        from ember.ops import linalg, reduction
        from ember.ops import shape as S

        x, kernel, bias = self.parents
        if self.activation != "linear":
            g = _activation_grad_graph(g, linalg.matmul(x, kernel) + bias, self.activation)
        units = kernel.shape[-1]
        g2 = S.reshape(g, (-1, units))
        gx = linalg.matmul(g, S.swapaxes(kernel, 0, 1))
        gk = linalg.matmul(S.swapaxes(S.reshape(x, (-1, x.shape[-1])), 0, 1), g2)
        return gx, gk, reduction.sum(g2, axis=0)


def dense(x, kernel, bias, activation: str = "linear") -> Tensor:
    """``activation(x @ kernel + bias)`` as one differentiable node.

    Args:
        x: ``(batch, ..., in_features)`` float tensor.
        kernel: ``(in_features, units)`` float tensor of ``x``'s dtype.
        bias: ``(units,)`` float tensor of ``x``'s dtype.
        activation: ``'linear'``, ``'relu'``, ``'sigmoid'`` or ``'tanh'``. Defaults to ``'linear'``.

    Returns:
        ``(batch, ..., units)`` in ``x``'s dtype.

    Raises:
        ValueError: for an unknown activation, or shapes that don't chain
            (``x.shape[-1] != kernel.shape[0]``, ``bias.shape != (units,)``).

    Source: the fused "linear + activation" epilogue of cuBLASLt / oneDNN, written in NumPy.

    Example:
        >>> from ember import ops
        >>> from ember.ops import fused
        >>> y = fused.dense(ops.ones((4, 3)), ops.ones((3, 2)), ops.zeros((2,)), "relu")
        >>> y.shape, float(y.numpy()[0, 0])
        ((4, 2), 3.0)
    """
    x, kernel, bias = as_tensor(x), as_tensor(kernel), as_tensor(bias)
    if activation not in ACTIVATIONS:
        raise ValueError(f"fused.dense: activation must be one of {ACTIVATIONS}. Received: {activation!r}")
    if kernel.ndim != 2 or x.ndim < 1 or x.shape[-1] != kernel.shape[0] or bias.shape != (kernel.shape[1],):
        raise ValueError(
            "fused.dense: expected x (..., n), kernel (n, units), bias (units,). "
            f"Received: x {x.shape}, kernel {kernel.shape}, bias {bias.shape}"
        )
    return Dense.apply(x, kernel, bias, activation=activation)


class AddReLU(Function):
    # ``relu(a + b)`` as one node, made by graph mode's fusion pass (ember/graph/passes/fusion.py):
    # the sum is rectified in place (one temporary and one pass fewer); bit-identical to Add then ReLU.
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        y = a + b
        self.mask = y > 0
        return backend.relu_(y)

    def forward_out(self, a, b, out):
        """``forward`` with the sum written into the buffer ``out`` (graph mode's buffer planning); bit-identical."""
        if not (a.flags.c_contiguous and b.flags.c_contiguous):  # a + b's result may not be in C order
            return self.forward(a, b)
        self.shapes = a.shape, b.shape
        y = backend.namespace(a).add(a, b, out=out)
        self.mask = y > 0
        return backend.namespace(y).maximum(y, y.dtype.type(0), out=y)

    def backward(self, g):
        g = g * self.mask
        ga = unbroadcast(g, self.shapes[0]) if self.needs_grad[0] else None
        gb = unbroadcast(g, self.shapes[1]) if self.needs_grad[1] else None
        return ga, gb
