"""Creation ops (dtypes, backends) and comparisons/logical ops (bool results, no gradient)."""

import numpy as np
import pytest

import ember
from ember import ops


def test_creation_defaults_to_floatx_and_respects_set_floatx():
    assert ops.zeros((2,)).dtype == np.float32 and ops.ones(3).dtype == np.float32
    ember.config.set_floatx("float64")
    assert ops.full((2, 2), 3.0).dtype == np.float64 and ops.eye(3).dtype == np.float64
    assert ops.arange(0.0, 1.0, 0.5).dtype == np.float64
    ember.config.set_floatx("float16")
    assert ops.ones((1,)).dtype == np.float16 and ember.tensor([1.5]).dtype == np.float16


def test_creation_values_match_numpy():
    np.testing.assert_array_equal(ops.arange(5).numpy(), np.arange(5))
    assert ops.arange(5).dtype.kind == "i"
    np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, k=1, dtype=np.float32))
    x = ember.tensor(np.ones((2, 3), np.float64))
    assert ops.zeros_like(x).dtype == np.float64 and ops.ones_like(x, dtype="int32").dtype == np.int32
    assert ops.full_like(x, 7.0).tolist() == [[7.0] * 3] * 2
    assert not ops.zeros((2,)).requires_grad


def test_cast_is_differentiable_between_floats_and_cuts_to_int():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    y = ops.cast(x, "float64")
    (y * y).sum().backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 5.0]
    assert not ops.cast(x, "int32").requires_grad


def test_comparisons_and_logic_are_bool_and_record_nothing():
    a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ember.tensor([3.0, 2.0, 1.0])
    assert ops.less(a, b).tolist() == [True, False, False] and ops.equal(a, b).tolist() == [False, True, False]
    assert ops.greater_equal(a, 2.0).tolist() == [False, True, True] and (a > b).tolist() == [False, False, True]
    assert ops.not_equal(a, b).dtype == bool and not ops.less(a, b).requires_grad
    m = ops.less(a, b)
    assert (~m).tolist() == [False, True, True] and (m | (a > b)).tolist() == [True, False, True]
    assert ops.logical_xor(m, m).tolist() == [False] * 3 and ops.logical_and(m, True).tolist() == m.tolist()
    nan = ember.tensor([np.nan, np.inf, 0.0])
    assert ops.isnan(nan).tolist() == [True, False, False] and ops.isinf(nan).tolist() == [False, True, False]
    assert ops.isfinite(nan).tolist() == [False, False, True]
    assert ops.any(m).item() is True and ops.all(m, axis=0).item() is False


def test_integer_tensors_never_require_grad():
    with pytest.raises(TypeError, match="Only floating-point tensors can require gradients"):
        ember.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError):
        ops.arange(3).requires_grad_()
