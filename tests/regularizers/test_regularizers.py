"""Regularizers: Keras formulas, gradients, config round trips, registry."""

import numpy as np
import pytest

import ember
from ember import regularizers
from ember.testing import gradcheck

W = np.array([[0.5, -1.5], [2.0, -0.25], [0.0, 3.0]])


@pytest.mark.parametrize(
    "reg, expected",
    [(regularizers.L1(0.1), 0.1 * np.abs(W).sum()), (regularizers.L2(0.1), 0.1 * (W**2).sum()),
     (regularizers.L1L2(0.1, 0.2), 0.1 * np.abs(W).sum() + 0.2 * (W**2).sum()),
     (regularizers.get("l2"), 0.01 * (W**2).sum()), (regularizers.get("l1"), 0.01 * np.abs(W).sum()),
     (regularizers.get("l1_l2"), 0.0)],
)  # fmt: skip
def test_penalty_matches_keras_formula(reg, expected):
    out = reg(ember.tensor(W))
    assert out.shape == () and out.item() == pytest.approx(expected, rel=1e-12)


def test_gradient_of_penalties():
    w = W + 0.01  # away from the kink of |w| at 0
    assert gradcheck(lambda x: regularizers.L1L2(0.3, 0.7)(x), [w])
    x = ember.tensor(w, requires_grad=True)
    regularizers.L2(0.5)(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5 * 2 * w)


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(1e-4), regularizers.L1L2(l1=1e-5, l2=2e-3)])
def test_serialize_round_trip(reg):
    again = regularizers.deserialize(regularizers.serialize(reg))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert again(ember.tensor(W)).item() == reg(ember.tensor(W)).item()


def test_aliases_defaults_and_bad_values():
    assert regularizers.l2 is regularizers.L2 and regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    with pytest.raises(ValueError, match="L2: invalid value for argument l2.*non-negative.*-1"):
        regularizers.L2(-1)
    with pytest.raises(ValueError, match="L1.*'x'"):
        regularizers.L1("x")
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'.*l1, l1_l2, l2"):
        regularizers.get("l3")


def test_layer_uses_regularizer_by_name():
    layer = ember.layers.Dense(2, kernel_regularizer="l2")
    layer(ember.tensor(np.ones((1, 3), np.float32)))
    assert isinstance(layer.kernel.regularizer, regularizers.L2)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(regularizers)
    assert result.failed == 0 and result.attempted >= 2
