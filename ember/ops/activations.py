"""Activation functions, each a primitive with a closed-form derivative.

Softmax and log-softmax subtract the row maximum first (log-sum-exp trick),
so logits of any magnitude give finite results.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops._convert import as_tensor


class Sigmoid(Function):
    def forward(self, a):
        xp = backend.namespace(a)
        # NOTE: 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + e^-x) without overflow warnings.
        self.out = 0.5 * (1 + xp.tanh(0.5 * a))
        return self.out

    def backward(self, g):
        s = self.out
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, a):
        self.out = backend.namespace(a).tanh(a)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)


class ReLU(Function):
    # NOTE: the derivative at 0 is taken as 0, as in PyTorch and Keras.
    def forward(self, a):
        self.mask = a > 0
        return a * self.mask

    def backward(self, g):
        return g * self.mask


class LeakyReLU(Function):
    def forward(self, a, negative_slope):
        xp = backend.namespace(a)
        self.mask, self.slope = a > 0, negative_slope
        return xp.where(self.mask, a, a * a.dtype.type(negative_slope))

    def backward(self, g):
        xp = backend.namespace(g)
        return xp.where(self.mask, g, g * g.dtype.type(self.slope))


class Softmax(Function):
    def forward(self, a, axis):
        xp = backend.namespace(a)
        e = xp.exp(a - a.max(axis=axis, keepdims=True))
        self.out, self.axis = e / e.sum(axis=axis, keepdims=True), axis
        return self.out

    def backward(self, g):
        s = self.out
        return s * (g - (g * s).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, a, axis):
        xp = backend.namespace(a)
        shifted = a - a.max(axis=axis, keepdims=True)
        self.out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.axis = axis
        return self.out

    def backward(self, g):
        xp = backend.namespace(g)
        return g - xp.exp(self.out) * g.sum(axis=self.axis, keepdims=True)


def sigmoid(x) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``; derivative ``s * (1 - s)``."""
    return Sigmoid.apply(as_tensor(x))


def tanh(x) -> Tensor:
    """Hyperbolic tangent; derivative ``1 - tanh(x)**2``."""
    return Tanh.apply(as_tensor(x))


def relu(x) -> Tensor:
    """Rectified linear unit ``max(x, 0)``; derivative 1 for ``x > 0``, else 0 (0 at the kink)."""
    return ReLU.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x``. Defaults to ``0.2`` (Keras's default)."""
    return LeakyReLU.apply(as_tensor(x), negative_slope=float(negative_slope))


def _axis(x: Tensor, axis: int, fn: str) -> int:
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"{fn}: axis {axis} is out of range for a tensor of shape {x.shape}")
    return axis % max(x.ndim, 1)


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x - max) / sum(exp(x - max))`` along ``axis`` (stable for any logit size).

    Args:
        x: logits, any shape.
        axis: the class axis. Defaults to ``-1``.
    """
    x = as_tensor(x)
    return Softmax.apply(x, axis=_axis(x, axis, "softmax"))


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, computed stably. Defaults to ``axis=-1``."""
    x = as_tensor(x)
    return LogSoftmax.apply(x, axis=_axis(x, axis, "log_softmax"))
