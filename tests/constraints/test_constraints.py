"""Constraints: Keras formulas, application after optimizer steps, config round trips."""

import numpy as np
import pytest

import ember
from ember import constraints, optimizers

EPS = 1e-7
rng = np.random.default_rng(0)
W = rng.normal(size=(4, 3)) * 2


def _norms(w, axis):
    return np.sqrt((w**2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_norm_constraints_match_keras_formulas(axis):
    ax = tuple(axis) if isinstance(axis, list) else axis
    n = _norms(W, ax)
    got = constraints.MaxNorm(1.5, axis=axis)(ember.tensor(W)).numpy()
    np.testing.assert_allclose(got, W * np.clip(n, 0, 1.5) / (EPS + n), rtol=1e-12)
    got = constraints.UnitNorm(axis=axis)(ember.tensor(W)).numpy()
    np.testing.assert_allclose(got, W / (EPS + n), rtol=1e-12)
    got = constraints.MinMaxNorm(0.5, 2.0, rate=0.7, axis=axis)(ember.tensor(W)).numpy()
    np.testing.assert_allclose(got, W * (0.7 * np.clip(n, 0.5, 2.0) + 0.3 * n) / (EPS + n), rtol=1e-12)
    np.testing.assert_array_equal(constraints.NonNeg()(ember.tensor(W)).numpy(), np.where(W >= 0, W, 0))


def test_max_norm_bounds_columns_and_keeps_small_ones():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])
    out = constraints.MaxNorm(2.0)(ember.tensor(w)).numpy()
    np.testing.assert_allclose(_norms(out, 0), [[2.0, 0.5]], rtol=1e-6)


def test_optimizer_applies_constraint_after_update():
    v = ember.Variable(np.array([[1.0], [-2.0]]), name="k")
    v.constraint = constraints.NonNeg()
    optimizers.SGD(learning_rate=1.0).apply([np.array([[-1.0], [1.0]])], [v])
    np.testing.assert_array_equal(v.numpy(), [[2.0], [0.0]])
    assert v.grad is None
    v.constraint = constraints.UnitNorm()
    optimizers.SGD(learning_rate=0.0).apply([np.zeros((2, 1))], [v])
    np.testing.assert_allclose(v.numpy(), [[2.0 / (2.0 + EPS)], [0.0]])


@pytest.mark.parametrize(
    "c", [constraints.MaxNorm(3, axis=1), constraints.NonNeg(), constraints.UnitNorm(axis=[0, 1]),
          constraints.MinMaxNorm(0.1, 0.9, 0.5)],
)  # fmt: skip
def test_serialize_round_trip_and_registry(c):
    config = constraints.serialize(c)
    again = constraints.deserialize(config)
    assert type(again) is type(c) and again.get_config() == c.get_config()
    np.testing.assert_array_equal(again(ember.tensor(W)).numpy(), c(ember.tensor(W)).numpy())
    assert type(constraints.get(type(c).__name__)) is type(c)


def test_registry_names_and_defaults():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert constraints.MaxNorm().max_value == 2 and constraints.MaxNorm().axis == 0
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    with pytest.raises(ValueError, match="Unknown constraint: 'maxnorm'.*max_norm"):
        constraints.get("maxnorm")


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(constraints)
    assert result.failed == 0 and result.attempted >= 1
