"""``ember.debug.detect_anomaly``: the first op that makes NaN/Inf is named, in forward and in backward (B5)."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.autograd.function import Function
from ember.debug import AnomalyError, detect_anomaly


def test_forward_nan_is_reported_at_the_first_op():
    x = ember.tensor([1.0, -1.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match="op Sqrt produced NaN or Inf"):
        with np.errstate(invalid="ignore"):
            ops.sqrt(x) * 2.0


def test_backward_inf_names_the_forward_op_and_where_it_was_made():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = ops.sqrt(x)  # finite forward, infinite derivative at 0
        with pytest.raises(AnomalyError, match=r"(?s)backward of op Sqrt.*test_anomaly.py"):
            with np.errstate(divide="ignore"):
                y.sum().backward()


def test_without_the_context_nan_propagates_and_apply_is_restored():
    original = Function.__dict__["apply"]
    with detect_anomaly(), detect_anomaly():
        pass
    assert Function.__dict__["apply"] is original
    with np.errstate(invalid="ignore"):
        y = ops.log(ember.tensor([-1.0]))
    assert np.isnan(y.numpy()[0])


def test_anomaly_error_is_a_floating_point_error():
    assert issubclass(AnomalyError, FloatingPointError)
