"""Autocast of weights (mixed precision, issue 16): inside ``autocast_scope('float16')`` an op casts each
float32 Variable input to float16, and the gradient reaching the Variable is float32."""

import numpy as np

import ember
from ember.autograd import Variable
from ember.autograd.autocast import AutoCast, autocast_scope


def test_variables_are_cast_inside_the_scope_only_and_gradients_come_back_float32():
    w = Variable(np.array([[1.5, -2.0], [0.25, 3.0]], dtype="float32"))
    x = ember.tensor(np.array([[1.0, 2.0]], dtype="float16"))
    with autocast_scope("float16"):
        y = x @ w
    assert y.dtype == "float16"
    (y * ember.tensor(np.array([[1.0, -1.0]], dtype="float16"))).sum().backward()
    assert w.grad.dtype == "float32"
    np.testing.assert_array_equal(w.grad.numpy(), np.array([[1.0, -1.0], [2.0, -2.0]], dtype="float32"))
    assert (x @ w).dtype == "float32"  # outside the scope: NumPy's promotion, nothing cast
    plain = ember.tensor(np.ones((2, 2), dtype="float32"))
    with autocast_scope("float16"):
        assert (x @ plain).dtype == "float32"  # only Variables (weights) are autocast, as in Keras


def test_autocast_backward_casts_the_gradient_back():
    w = Variable(np.array([1.0, 2.0], dtype="float32"))
    y = AutoCast.apply(w, dtype="float16")
    assert y.dtype == "float16"
    (y * 3.0).sum().backward()
    assert w.grad.dtype == "float32" and w.grad.numpy().tolist() == [3.0, 3.0]
