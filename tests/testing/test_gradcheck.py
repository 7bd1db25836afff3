"""``ember.testing.gradcheck`` accepts right gradients and catches wrong ones (it would fail if broken)."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.autograd import Function
from ember.testing import GradcheckError, gradcheck, gradcheck_direction, gradgradcheck


class WrongSquare(Function):
    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return g * self.a  # should be 2 * a


class WrongSecondOrder(Function):
    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return g * 2 * self.a

    def backward_graph(self, g):
        return g * 2.0  # should be g * 2 * a: right first value only where a == 1


def test_gradcheck_passes_a_correct_function_with_int_inputs_passed_through():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert gradcheck(lambda t, i: ops.take(ops.sin(t) * t, i, axis=1), [x, np.array([0, 3, 3])])


def test_gradcheck_catches_a_wrong_backward_naming_input_and_element():
    with pytest.raises(GradcheckError, match=r"input 0 element \(\d,\): analytical .* vs numerical"):
        gradcheck(lambda t: WrongSquare.apply(t), [np.array([0.7, -1.3])])


def test_gradcheck_direction_catches_a_wrong_backward_on_a_large_input():
    x = np.random.default_rng(1).standard_normal(100_000)
    assert gradcheck_direction(lambda t: ops.tanh(t) * 2.0, [x], eps=1e-6)
    with pytest.raises(GradcheckError, match="direction 0"):
        gradcheck_direction(lambda t: WrongSquare.apply(t), [x])


def test_gradgradcheck_catches_a_wrong_double_backward():
    x = np.array([0.3, -2.0])
    assert gradgradcheck(lambda t: ops.exp(t) * ops.sin(t), [x])
    with pytest.raises(GradcheckError, match="backward_graph vs backward"):
        gradgradcheck(lambda t: ops.sin(WrongSecondOrder.apply(t)), [x])


def test_gradcheck_keeps_strided_float64_views_as_given():
    base = np.random.default_rng(2).standard_normal((4, 6))
    view = ember.Tensor._wrap(base[:, ::2], True)
    seen = []

    def fn(t):
        seen.append(t.data.flags.c_contiguous)
        return ops.square(t)

    assert gradcheck(fn, [view]) and seen[0] is False


def test_gradient_error_measures_the_worst_difference():
    import numpy as np

    from ember import autograd, ops
    from ember.testing import gradient_error

    assert gradient_error(lambda x: ops.sin(x) * x, [np.linspace(-1, 1, 5)]) < 1e-8

    class WrongSquare(autograd.Function):
        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, grad):
            return grad * 3.0 * self.a  # should be 2a

    x = np.array([1.0, -2.0])
    err = gradient_error(lambda t: WrongSquare.apply(t), [x], seed=0)
    assert err > 0.1
    assert gradient_error(lambda x: ops.sin(x), [np.linspace(-1, 1, 5).astype("float32")], dtype=np.float32) < 1e-2
