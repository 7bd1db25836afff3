"""Elementwise arithmetic and math: each primitive's forward and backward side by side.

Binary ops broadcast as NumPy does; backward sums each gradient back to its
input's shape with :func:`~ember.autograd.unbroadcast`.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.ops._convert import as_tensor, pair

# ---------------------------------------------------------------- binary primitives


class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(-g, self.shapes[1])


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        ga = unbroadcast(g * self.b, self.a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(g * self.a, self.b.shape) if self.needs_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        gb_ = g / self.b
        ga = unbroadcast(gb_, self.a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-gb_ * self.a / self.b, self.b.shape) if self.needs_grad[1] else None
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        xp = backend.namespace(self.a)
        a, b = self.a, self.b
        ga = unbroadcast(g * b * a ** (b - 1), a.shape) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:  # d(a^b)/db = a^b log a, taken as 0 where a == 0
            safe = xp.where(a > 0, a, 1)
            gb = unbroadcast(g * self.out * xp.log(safe), b.shape)
        return ga, gb


class Maximum(Function):
    # NOTE: at ties the gradient is split evenly, as in PyTorch's maximum.
    def forward(self, a, b):
        xp = backend.namespace(a)
        self.a, self.b = a, b
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        wa = (a > b) + 0.5 * (a == b)
        ga = unbroadcast(g * wa.astype(g.dtype), a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(g * (1 - wa).astype(g.dtype), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Minimum(Function):
    def forward(self, a, b):
        xp = backend.namespace(a)
        self.a, self.b = a, b
        return xp.minimum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        wa = (a < b) + 0.5 * (a == b)
        ga = unbroadcast(g * wa.astype(g.dtype), a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(g * (1 - wa).astype(g.dtype), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Where(Function):
    def forward(self, cond, a, b):
        xp = backend.namespace(a)
        self.cond, self.shapes = cond, (a.shape, b.shape)
        return xp.where(cond, a, b)

    def backward(self, g):
        xp = backend.namespace(g)
        ga = unbroadcast(xp.where(self.cond, g, 0), self.shapes[0]) if self.needs_grad[1] else None
        gb = unbroadcast(xp.where(self.cond, 0, g), self.shapes[1]) if self.needs_grad[2] else None
        return None, ga, gb


# ---------------------------------------------------------------- unary primitives


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Exp(Function):
    def forward(self, a):
        self.out = backend.namespace(a).exp(a)
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    def forward(self, a):
        self.a = a
        return backend.namespace(a).log(a)

    def backward(self, g):
        return g / self.a


class Sqrt(Function):
    def forward(self, a):
        self.out = backend.namespace(a).sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Abs(Function):
    # NOTE: d|x|/dx at 0 is taken as 0 (sign(0) = 0), as in PyTorch.
    def forward(self, a):
        self.a = a
        return backend.namespace(a).abs(a)

    def backward(self, g):
        return g * backend.namespace(g).sign(self.a)


# ---------------------------------------------------------------- public functions


def add(x1, x2) -> Tensor:
    """Elementwise ``x1 + x2`` with NumPy broadcasting."""
    return Add.apply(*pair(x1, x2))


def subtract(x1, x2) -> Tensor:
    """Elementwise ``x1 - x2`` with NumPy broadcasting."""
    return Sub.apply(*pair(x1, x2))


def multiply(x1, x2) -> Tensor:
    """Elementwise ``x1 * x2`` with NumPy broadcasting."""
    return Mul.apply(*pair(x1, x2))


def divide(x1, x2) -> Tensor:
    """Elementwise ``x1 / x2`` (true division) with NumPy broadcasting."""
    return Div.apply(*pair(x1, x2))


true_divide = divide


def power(x1, x2) -> Tensor:
    """Elementwise ``x1 ** x2``. Gradient w.r.t. ``x2`` is ``x1**x2 * log(x1)`` (0 where ``x1 <= 0``)."""
    return Pow.apply(*pair(x1, x2))


def negative(x) -> Tensor:
    """Elementwise ``-x``."""
    return Neg.apply(as_tensor(x))


def exp(x) -> Tensor:
    """Elementwise ``e**x``."""
    return Exp.apply(as_tensor(x))


def log(x) -> Tensor:
    """Elementwise natural logarithm (``-inf`` at 0, ``nan`` below, as IEEE says)."""
    return Log.apply(as_tensor(x))


def sqrt(x) -> Tensor:
    """Elementwise square root."""
    return Sqrt.apply(as_tensor(x))


def abs(x) -> Tensor:  # noqa: A001 - keras.ops name
    """Elementwise ``|x|``; gradient ``sign(x)`` (0 at 0)."""
    return Abs.apply(as_tensor(x))


absolute = abs


def square(x) -> Tensor:
    """Elementwise ``x**2``."""
    x = as_tensor(x)
    return Mul.apply(x, x)


def maximum(x1, x2) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient (PyTorch's convention)."""
    return Maximum.apply(*pair(x1, x2))


def minimum(x1, x2) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient (PyTorch's convention)."""
    return Minimum.apply(*pair(x1, x2))


def where(condition, x1, x2) -> Tensor:
    """``x1`` where ``condition`` is true, else ``x2`` (broadcast). No gradient flows to ``condition``."""
    cond = condition.data if isinstance(condition, Tensor) else backend.asarray(condition)
    a, b = pair(x1, x2)
    return Where.apply(Tensor._wrap(cond.astype(bool)), a, b)
