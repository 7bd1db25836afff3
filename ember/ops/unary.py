"""Unary elementwise math: one small primitive per function, derivative beside it.

Each class has ``backward`` on arrays (the fast path) and ``backward_graph`` on
Tensors (used by ``backward(create_graph=True)``: the derivative is written with
recorded ops so it can be differentiated again). NaN and Inf propagate as IEEE
says; outputs have the input's dtype.
"""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor
from ember.backend import special
from ember.ops._convert import as_tensor
from ember.ops.host import host_op, xp_call


class Exp(Function):
    def forward(self, a):
        self.out = backend.namespace(a).exp(a)
        return self.out

    def backward(self, g):
        return g * self.out

    def backward_graph(self, g):
        return g * exp(self.parents[0])


class Expm1(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).expm1(a)

    def backward(self, g):
        return g * backend.namespace(g).exp(self.a)

    def backward_graph(self, g):
        return g * exp(self.parents[0])


class Log(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).log(a)

    def backward(self, g):
        return g / self.a

    def backward_graph(self, g):
        return g / self.parents[0]


class Log1p(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).log1p(a)

    def backward(self, g):
        return g / (1 + self.a)

    def backward_graph(self, g):
        return g / (1 + self.parents[0])


class Sqrt(Function):
    def forward(self, a):
        self.out = backend.namespace(a).sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)

    def backward_graph(self, g):
        return g / (2 * sqrt(self.parents[0]))


class Rsqrt(Function):
    def forward(self, a):
        self.a, self.out = a, 1 / backend.namespace(a).sqrt(a)
        return self.out

    def backward(self, g):
        return g * -0.5 * self.out / self.a

    def backward_graph(self, g):
        x = self.parents[0]
        return g * -0.5 * rsqrt(x) / x


class Square(Function):
    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return g * (2 * self.a)

    def backward_graph(self, g):
        return g * (2 * self.parents[0])


class Reciprocal(Function):
    def forward(self, a):
        self.out = 1 / a
        return self.out

    def backward(self, g):
        return -g * self.out * self.out

    def backward_graph(self, g):
        r = reciprocal(self.parents[0])
        return -g * r * r


class Abs(Function):
    # NOTE: d|x|/dx at 0 is taken as 0 (sign(0) = 0), as in PyTorch.
    def forward(self, a):
        self.a = a
        return backend.namespace(a).abs(a)

    def backward(self, g):
        return g * backend.namespace(g).sign(self.a)

    def backward_graph(self, g):
        return g * sign(self.parents[0])


class Sin(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).sin(a)

    def backward(self, g):
        return g * backend.namespace(g).cos(self.a)

    def backward_graph(self, g):
        return g * cos(self.parents[0])


class Cos(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).cos(a)

    def backward(self, g):
        return -g * backend.namespace(g).sin(self.a)

    def backward_graph(self, g):
        return -g * sin(self.parents[0])


class Erf(Function):
    def forward(self, a):
        self.a = a
        return special.erf(a)

    def backward(self, g):
        xp = backend.namespace(g)
        return g * (g.dtype.type(2 / math.sqrt(math.pi)) * xp.exp(-self.a * self.a))

    def backward_graph(self, g):
        x = self.parents[0]
        return g * (2 / math.sqrt(math.pi)) * exp(-(x * x))


class ZeroGrad(Function):
    # Piecewise-constant functions (sign, floor, round, ceil): derivative 0 wherever it exists.
    def forward(self, a, fn):
        return getattr(backend.namespace(a), fn)(a)

    def backward(self, g):
        return backend.namespace(g).zeros_like(g)

    def backward_graph(self, g):
        return g * 0.0


# ---------------------------------------------------------------- public functions


def exp(x) -> Tensor:
    """Elementwise ``e**x``; derivative ``e**x``."""
    return Exp.apply(as_tensor(x))


def expm1(x) -> Tensor:
    """Elementwise ``e**x - 1``, accurate for small ``|x|``; derivative ``e**x``."""
    return Expm1.apply(as_tensor(x))


def log(x) -> Tensor:
    """Elementwise natural logarithm (``-inf`` at 0, ``nan`` below, as IEEE says); derivative ``1/x``."""
    return Log.apply(as_tensor(x))


def log1p(x) -> Tensor:
    """Elementwise ``log(1 + x)``, accurate for small ``|x|``; derivative ``1/(1+x)``."""
    return Log1p.apply(as_tensor(x))


def sqrt(x) -> Tensor:
    """Elementwise square root; derivative ``1/(2 sqrt(x))`` (``inf`` at 0)."""
    return Sqrt.apply(as_tensor(x))


def rsqrt(x) -> Tensor:
    """Elementwise ``1/sqrt(x)``; derivative ``-x**(-3/2) / 2``."""
    return Rsqrt.apply(as_tensor(x))


def square(x) -> Tensor:
    """Elementwise ``x**2``; derivative ``2x``."""
    return Square.apply(as_tensor(x))


def reciprocal(x) -> Tensor:
    """Elementwise ``1/x``; derivative ``-1/x**2``."""
    return Reciprocal.apply(as_tensor(x))


def abs(x) -> Tensor:  # noqa: A001 - keras.ops name
    """Elementwise ``|x|``; derivative ``sign(x)`` (0 at 0, as in PyTorch)."""
    return Abs.apply(as_tensor(x))


absolute = abs


def sin(x) -> Tensor:
    """Elementwise sine (radians); derivative ``cos(x)``."""
    return Sin.apply(as_tensor(x))


def cos(x) -> Tensor:
    """Elementwise cosine (radians); derivative ``-sin(x)``."""
    return Cos.apply(as_tensor(x))


def erf(x) -> Tensor:
    """Gauss error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``; derivative ``2/sqrt(pi) exp(-x**2)``.

    Computed by ``scipy.special.erf`` (``cupyx.scipy.special.erf`` on the GPU).
    """
    return Erf.apply(as_tensor(x))


def _zero_grad(x, fn):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        return host_op(xp_call, x, fn=fn)
    return ZeroGrad.apply(x, fn=fn)


def sign(x) -> Tensor:
    """Elementwise sign: -1, 0 or 1 (``nan`` for ``nan``); gradient 0."""
    return _zero_grad(x, "sign")


def floor(x) -> Tensor:
    """Largest integer ``<= x`` (same float dtype); gradient 0."""
    return _zero_grad(x, "floor")


def ceil(x) -> Tensor:
    """Smallest integer ``>= x`` (same float dtype); gradient 0."""
    return _zero_grad(x, "ceil")


def round(x) -> Tensor:  # noqa: A001 - keras.ops name
    """Round to the nearest integer, halves to even (NumPy's ``round``); gradient 0."""
    return _zero_grad(x, "round")
