"""Activation functions under Keras's names (``keras.ops`` / ``keras.activations``).

Primitives where a closed-form derivative is cheaper or more stable than the
composition (sigmoid, tanh, relu and its clipped forms, elu, softplus, softmax);
the rest (selu, gelu, silu, softsign, mish) are compositions of ops, so their
gradients (and double backward) come for free. Softmax and log-softmax subtract
the maximum first (log-sum-exp trick): logits of any size give finite results.

Kink conventions (pinned by tests): relu, relu6 and hard_sigmoid have derivative 0
at their kinks; leaky_relu takes ``negative_slope`` at 0; elu takes ``alpha`` at 0.
"""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops import math as M
from ember.ops import reduction as R
from ember.ops import unary as U
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

    def backward_graph(self, g):
        s = sigmoid(self.parents[0])
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, a):
        self.out = backend.namespace(a).tanh(a)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)

    def backward_graph(self, g):
        t = tanh(self.parents[0])
        return g * (1 - t * t)


class ReLU(Function):
    # NOTE: the derivative at 0 is taken as 0, as in PyTorch and Keras.
    def forward(self, a):
        self.mask = a > 0
        return backend.namespace(a).maximum(a, a.dtype.type(0))  # maximum, not a * mask: NaN stays NaN

    def backward(self, g):
        return g * self.mask

    def backward_graph(self, g):
        return g * Tensor._wrap(self.mask.astype(g.dtype))


class HardClip(Function):
    # clip(x, lo, hi) with derivative 1 strictly inside and 0 at and beyond the bounds
    # (PyTorch's hardtanh/relu6 convention).
    def forward(self, a, lo, hi):
        self.mask = (a > lo) & (a < hi)
        return backend.namespace(a).clip(a, lo, hi)

    def backward(self, g):
        return g * self.mask

    def backward_graph(self, g):
        return g * Tensor._wrap(self.mask.astype(g.dtype))


class LeakyReLU(Function):
    # Arithmetic instead of ``where``: a data-dependent select over a random sign
    # pattern runs about 6x slower in NumPy than max/multiply (it mispredicts branches).
    def forward(self, a, negative_slope):
        xp = backend.namespace(a)
        self.mask, self.slope = a > 0, a.dtype.type(negative_slope)
        out = xp.multiply(a, self.slope, out=xp.empty_like(a))
        # x > 0: max(x, s*x) = x and x <= 0: s*x when s <= 1 (min instead for s > 1)
        return (xp.maximum if self.slope <= 1 else xp.minimum)(a, out, out=out)

    def backward(self, g):
        xp = backend.namespace(g)
        scale = xp.asarray((~self.mask).astype(g.dtype))
        scale *= g.dtype.type(self.slope)
        scale += self.mask  # exactly 1 where x > 0 and the slope elsewhere
        scale *= g
        return scale

    def backward_graph(self, g):
        return M.where(Tensor._wrap(self.mask), g, g * float(self.slope))


class ELU(Function):
    def forward(self, a, alpha):
        xp = backend.namespace(a)
        self.mask, self.alpha = a > 0, a.dtype.type(alpha)
        # max(x, 0) + alpha*expm1(min(x, 0)): x where x > 0 (expm1(0) = 0), alpha*(e^x - 1) elsewhere
        self.neg = self.alpha * xp.expm1(xp.minimum(a, 0))
        out = xp.maximum(a, 0, out=xp.empty_like(a))
        out += self.neg
        return out

    def backward(self, g):
        # alpha*e^min(x, 0): finite everywhere, so the mask below zeroes it cleanly where x > 0
        scale = backend.namespace(g).asarray(self.neg + self.alpha)
        scale *= ~self.mask
        scale += self.mask
        scale *= g
        return scale

    def backward_graph(self, g):
        x = self.parents[0]
        neg = U.exp(M.minimum(x, 0.0)) * float(self.alpha)
        return g * M.where(Tensor._wrap(self.mask), 1.0, neg)


class Softplus(Function):
    def forward(self, a):
        xp = backend.namespace(a)
        self.a = a
        return xp.logaddexp(a.dtype.type(0), a)  # log(1 + e^x) without overflow

    def backward(self, g):
        return g * (0.5 * (1 + backend.namespace(g).tanh(0.5 * self.a)))

    def backward_graph(self, g):
        return g * sigmoid(self.parents[0])


def _row_max(a, axis):
    """Max along ``axis`` (kept), 0 for an empty tensor (whose softmax is empty too)."""
    return a.max(axis=axis, keepdims=True) if a.size else a.sum(axis=axis, keepdims=True)


class Softmax(Function):
    def forward(self, a, axis):
        # In place on the one output-sized temporary: the values of exp(a - max) / sum (W5's attention probabilities).
        xp = backend.namespace(a)
        e = a - _row_max(a, axis)
        e = xp.exp(e, out=e) if e.dtype.kind == "f" else xp.exp(e)
        e /= e.sum(axis=axis, keepdims=True)
        self.out, self.axis = e, axis
        return e

    def backward(self, g):
        s = self.out
        d = g * s  # s * (g - sum(g * s)), reusing the product's buffer
        r = d.sum(axis=self.axis, keepdims=True)
        if d.shape != s.shape:  # g broadcast beyond s: as the plain expression
            return s * (g - r)
        xp = backend.namespace(d)
        xp.subtract(g, r, out=d)
        d *= s
        return d

    def backward_graph(self, g):
        s = softmax(self.parents[0], self.axis)
        return s * (g - R.sum(g * s, axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, a, axis):
        xp = backend.namespace(a)
        shifted = a - _row_max(a, axis)
        lse = xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True)) if a.size else 0
        self.out = shifted - lse
        self.axis = axis
        return self.out

    def backward(self, g):
        xp = backend.namespace(g)
        return g - xp.exp(self.out) * g.sum(axis=self.axis, keepdims=True)

    def backward_graph(self, g):
        p = U.exp(log_softmax(self.parents[0], self.axis))
        return g - p * R.sum(g, axis=self.axis, keepdims=True)


# ---------------------------------------------------------------- public functions


def sigmoid(x) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``; derivative ``s * (1 - s)``. Output in ``(0, 1)``."""
    return Sigmoid.apply(as_tensor(x))


def tanh(x) -> Tensor:
    """Hyperbolic tangent; derivative ``1 - tanh(x)**2``."""
    return Tanh.apply(as_tensor(x))


def relu(x) -> Tensor:
    """Rectified linear unit ``max(x, 0)``; derivative 1 for ``x > 0``, else 0 (0 at the kink, as PyTorch/Keras).

    Example:
        >>> import ember
        >>> ember.ops.relu(ember.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """
    return ReLU.apply(as_tensor(x))


def relu6(x) -> Tensor:
    """``min(max(x, 0), 6)``; derivative 1 on ``(0, 6)``, 0 elsewhere and at both kinks."""
    return HardClip.apply(as_tensor(x), lo=0, hi=6)


def hard_sigmoid(x) -> Tensor:
    """Piecewise-linear sigmoid ``clip(x / 6 + 0.5, 0, 1)`` (Keras 3 / PyTorch ``hardsigmoid``).

    Derivative 1/6 on ``(-3, 3)``, 0 elsewhere and at the kinks.
    """
    x = as_tensor(x)
    return HardClip.apply(x / 6.0 + 0.5, lo=0, hi=1)


def hard_silu(x) -> Tensor:
    """``x * hard_sigmoid(x)`` (a.k.a. hard swish)."""
    x = as_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x``; ``negative_slope`` defaults to ``0.2`` (Keras).

    Derivative ``negative_slope`` at 0.
    """
    return LeakyReLU.apply(as_tensor(x), negative_slope=float(negative_slope))


def elu(x, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``. Defaults to ``alpha=1.0``.

    Source: Clevert et al., "Fast and Accurate Deep Network Learning by ELUs" (2015).
    """
    return ELU.apply(as_tensor(x), alpha=float(alpha))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x) -> Tensor:
    """Scaled ELU: ``scale * elu(x, alpha)`` with alpha ≈ 1.6733, scale ≈ 1.0507.

    Source: Klambauer et al., "Self-Normalizing Neural Networks" (2017).
    """
    return ELU.apply(as_tensor(x), alpha=_SELU_ALPHA) * _SELU_SCALE


def gelu(x, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``.

    Exact: ``0.5 x (1 + erf(x / sqrt 2))``. Approximate (Keras's default):
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.

    Args:
        x: float tensor.
        approximate: use the tanh approximation. Defaults to ``True`` (as ``keras.ops.gelu``).

    Source: Hendrycks & Gimpel, "Gaussian Error Linear Units" (2016).
    """
    x = as_tensor(x)
    if approximate:
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2 / math.pi)
        return 0.5 * x * (1.0 + tanh(inner))
    return 0.5 * x * (1.0 + U.erf(x * (1 / math.sqrt(2))))


def silu(x) -> Tensor:
    """Sigmoid linear unit ``x * sigmoid(x)`` (swish). Source: Ramachandran et al. (2017)."""
    x = as_tensor(x)
    return x * sigmoid(x)


swish = silu


def softplus(x) -> Tensor:
    """``log(1 + exp(x))``, computed as ``logaddexp(0, x)`` (no overflow); derivative ``sigmoid(x)``."""
    return Softplus.apply(as_tensor(x))


def softsign(x) -> Tensor:
    """``x / (1 + |x|)``."""
    x = as_tensor(x)
    return x / (1.0 + U.abs(x))


def mish(x) -> Tensor:
    """``x * tanh(softplus(x))``. Source: Misra, "Mish" (2019)."""
    x = as_tensor(x)
    return x * tanh(softplus(x))


def exponential(x) -> Tensor:
    """``exp(x)`` (Keras's ``exponential`` activation)."""
    return U.exp(x)


def linear(x) -> Tensor:
    """The identity (Keras's ``linear`` activation): returns ``x`` unchanged."""
    return as_tensor(x)


def _axis(x: Tensor, axis: int, fn: str) -> int:
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"{fn}: axis {axis} is out of range for a tensor of shape {x.shape}")
    return axis % max(x.ndim, 1)


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``; stable for any logit size.

    Args:
        x: logits, any shape, float dtype.
        axis: the class axis. Defaults to ``-1``.

    Returns:
        Probabilities of ``x``'s shape and dtype, summing to 1 along ``axis``.

    Raises:
        ValueError: if ``axis`` is out of range.
    """
    x = as_tensor(x)
    if x.dtype == "float16":  # computed in float32 and cast back, as Keras's torch backend does on CPU
        return Softmax.apply(x.astype("float32"), axis=_axis(x, axis, "softmax")).astype("float16")
    return Softmax.apply(x, axis=_axis(x, axis, "softmax"))


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, computed stably. Defaults to ``axis=-1``."""
    x = as_tensor(x)
    if x.dtype == "float16":  # computed in float32 and cast back, as Keras's torch backend does on CPU
        return LogSoftmax.apply(x.astype("float32"), axis=_axis(x, axis, "log_softmax")).astype("float16")
    return LogSoftmax.apply(x, axis=_axis(x, axis, "log_softmax"))
