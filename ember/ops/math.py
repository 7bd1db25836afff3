"""Binary elementwise arithmetic: each primitive's forward and backward side by side.

Binary ops broadcast as NumPy does; backward sums each gradient back to its
input's shape with :func:`~ember.autograd.unbroadcast` (``sum_to`` in
``backward_graph``, the recorded version used for double backward).
Python scalars take the tensor operand's dtype (weak typing, as in PyTorch).
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, grad_mode, unbroadcast
from ember.ops._convert import as_tensor, pair
from ember.ops.shape import sum_to


class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def forward_out(self, a, b, out):
        """``forward`` written into ``out`` (a preallocated buffer of the result's shape and dtype; graph mode's
        buffer planning, ember/graph/passes/buffers.py): the same ufunc, bit-identical; returns ``out``, or a new
        array when an operand is not C-contiguous (the operator's result then keeps the operands' layout)."""
        self.shapes = a.shape, b.shape
        if not (a.flags.c_contiguous and b.flags.c_contiguous):  # the operator's result may not be in C order
            return a + b
        return backend.namespace(a).add(a, b, out=out)

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])

    def backward_graph(self, g):
        return sum_to(g, self.shapes[0]), sum_to(g, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def forward_out(self, a, b, out):
        """``forward`` written into ``out`` (a preallocated buffer of the result's shape and dtype; graph mode's
        buffer planning, ember/graph/passes/buffers.py): the same ufunc, bit-identical; returns ``out``, or a new
        array when an operand is not C-contiguous (the operator's result then keeps the operands' layout)."""
        self.shapes = a.shape, b.shape
        if not (a.flags.c_contiguous and b.flags.c_contiguous):  # the operator's result may not be in C order
            return a - b
        return backend.namespace(a).subtract(a, b, out=out)

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(-g, self.shapes[1])

    def backward_graph(self, g):
        return sum_to(g, self.shapes[0]), sum_to(negative(g), self.shapes[1])


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def forward_out(self, a, b, out):
        """``forward`` written into ``out`` (a preallocated buffer of the result's shape and dtype; graph mode's
        buffer planning, ember/graph/passes/buffers.py): the same ufunc, bit-identical; returns ``out``, or a new
        array when an operand is not C-contiguous (the operator's result then keeps the operands' layout)."""
        self.a, self.b = a, b
        if not (a.flags.c_contiguous and b.flags.c_contiguous):  # the operator's result may not be in C order
            return a * b
        return backend.namespace(a).multiply(a, b, out=out)

    def backward(self, g):
        ga = unbroadcast(g * self.b, self.a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(g * self.a, self.b.shape) if self.needs_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self.parents
        return sum_to(g * b, a.shape), sum_to(g * a, b.shape)


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def forward_out(self, a, b, out):
        """``forward`` written into ``out`` (a preallocated buffer of the result's shape and dtype; graph mode's
        buffer planning, ember/graph/passes/buffers.py): the same ufunc, bit-identical; returns ``out``, or a new
        array when an operand is not C-contiguous (the operator's result then keeps the operands' layout)."""
        self.a, self.b = a, b
        if not (a.flags.c_contiguous and b.flags.c_contiguous):  # the operator's result may not be in C order
            return a / b
        return backend.namespace(a).divide(a, b, out=out)

    def backward(self, g):
        gb_ = g / self.b
        ga = unbroadcast(gb_, self.a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-gb_ * self.a / self.b, self.b.shape) if self.needs_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self.parents
        ga = g / b
        return sum_to(ga, a.shape), sum_to(negative(ga) * a / b, b.shape)


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
        if self.needs_grad[1]:  # d(a^b)/db = a^b log a, taken as 0 where a <= 0
            safe = xp.where(a > 0, a, 1)
            gb = unbroadcast(g * self.out * xp.log(safe), b.shape)
        return ga, gb

    def backward_graph(self, g):
        from ember.ops.unary import log

        a, b = self.parents
        ga = sum_to(g * b * a ** (b - 1), a.shape) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:
            positive = Tensor._wrap(a.data > 0)
            safe = where(positive, a, 1.0)
            gb = sum_to(g * a**b * log(safe), b.shape)
        return ga, gb


def _tie_weights(a, b, op):
    """Share of the gradient going to ``a`` in max/min: 1 where it wins, 1/2 at ties (PyTorch)."""
    wins = (a > b) if op == "max" else (a < b)
    return (wins + 0.5 * (a == b)).astype(a.dtype if a.dtype.kind == "f" else b.dtype)


class Maximum(Function):
    # NOTE: at ties the gradient is split evenly, as in PyTorch's maximum.
    op = "max"

    def forward(self, a, b):
        xp = backend.namespace(a)
        # Only backward uses the tie weights: skip them when the op is not recorded (predict; issue 12 profile).
        recorded = True in self.needs_grad and grad_mode.is_grad_enabled()
        self.wa, self.shapes = _tie_weights(a, b, self.op) if recorded else None, (a.shape, b.shape)
        return xp.maximum(a, b) if self.op == "max" else xp.minimum(a, b)

    def backward(self, g):
        ga = unbroadcast(g * self.wa, self.shapes[0]) if self.needs_grad[0] else None
        gb = unbroadcast(g * (1 - self.wa), self.shapes[1]) if self.needs_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        wa = Tensor._wrap(self.wa.astype(g.dtype, copy=False))
        return sum_to(g * wa, self.shapes[0]), sum_to(g * (1 - wa), self.shapes[1])


class Minimum(Maximum):
    op = "min"


class Where(Function):
    def forward(self, cond, a, b):
        xp = backend.namespace(a)
        self.cond, self.shapes = cond, (a.shape, b.shape)
        return xp.where(cond, a, b)

    def backward(self, g):
        xp = backend.namespace(g)
        zero = g.dtype.type(0)
        ga = unbroadcast(xp.where(self.cond, g, zero), self.shapes[0]) if self.needs_grad[1] else None
        gb = unbroadcast(xp.where(self.cond, zero, g), self.shapes[1]) if self.needs_grad[2] else None
        return None, ga, gb

    def backward_graph(self, g):
        cond = Tensor._wrap(self.cond)
        zero = as_tensor(0.0, g)
        return None, sum_to(where(cond, g, zero), self.shapes[0]), sum_to(where(cond, zero, g), self.shapes[1])


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g

    def backward_graph(self, g):
        return Neg.apply(g)


# ---------------------------------------------------------------- public functions


def add(x1, x2) -> Tensor:
    """Elementwise ``x1 + x2`` with NumPy broadcasting; gradient 1 to each (summed over broadcast axes)."""
    return Add.apply(*pair(x1, x2))


def subtract(x1, x2) -> Tensor:
    """Elementwise ``x1 - x2`` with NumPy broadcasting; gradients ``g`` and ``-g``."""
    return Sub.apply(*pair(x1, x2))


def multiply(x1, x2) -> Tensor:
    """Elementwise ``x1 * x2`` with NumPy broadcasting; gradients ``g * x2`` and ``g * x1``."""
    return Mul.apply(*pair(x1, x2))


def divide(x1, x2) -> Tensor:
    """Elementwise ``x1 / x2`` (true division); gradients ``g / x2`` and ``-g * x1 / x2**2``.

    Division by zero gives ``±inf``/``nan`` as IEEE says (no exception).
    """
    return Div.apply(*pair(x1, x2))


true_divide = divide


def power(x1, x2) -> Tensor:
    """Elementwise ``x1 ** x2``; gradients ``x2 * x1**(x2-1)`` and ``x1**x2 * log(x1)`` (0 where ``x1 <= 0``)."""
    return Pow.apply(*pair(x1, x2))


def negative(x) -> Tensor:
    """Elementwise ``-x``."""
    return Neg.apply(as_tensor(x))


def maximum(x1, x2) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient (PyTorch's convention)."""
    return Maximum.apply(*pair(x1, x2))


def minimum(x1, x2) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient (PyTorch's convention)."""
    return Minimum.apply(*pair(x1, x2))


def where(condition, x1, x2) -> Tensor:
    """``x1`` where ``condition`` is true, else ``x2`` (all three broadcast).

    No gradient flows to ``condition``; ``x1``'s gradient is ``g`` where true, 0 elsewhere.
    """
    cond = condition.data if isinstance(condition, Tensor) else backend.asarray(condition)
    a, b = pair(x1, x2)
    return Where.apply(Tensor._wrap(cond.astype(bool, copy=False)), a, b)


def clip(x, x_min, x_max) -> Tensor:
    """``min(max(x, x_min), x_max)``; gradient 1 strictly inside, 0 outside, 1/2 at a bound (ties).

    Args:
        x: float tensor.
        x_min: lower bound (scalar or broadcastable tensor).
        x_max: upper bound.
    """
    return minimum(maximum(x, x_min), x_max)
