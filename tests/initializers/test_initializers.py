"""Initializers: Keras names, defaults, statistics, seeds, config round trips."""

import numpy as np
import pytest

from ember import initializers

RANDOM = ["random_normal", "random_uniform", "truncated_normal", "variance_scaling", "orthogonal",
          "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform"]  # fmt: skip


@pytest.mark.parametrize("name", RANDOM)
def test_seed_makes_draws_repeat_and_differs_between_seeds(name):
    cls = type(initializers.get(name))
    a, b, c = cls(seed=3)((6, 5)), cls(seed=3)((6, 5)), cls(seed=4)((6, 5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32 and a.shape == (6, 5)


@pytest.mark.parametrize(
    "name, std",
    [("glorot_normal", np.sqrt(2 / (300 + 200))), ("he_normal", np.sqrt(2 / 300)), ("lecun_normal", np.sqrt(1 / 300)),
     ("glorot_uniform", np.sqrt(2 / (300 + 200))), ("he_uniform", np.sqrt(2 / 300)),
     ("lecun_uniform", np.sqrt(1 / 300))],
)  # fmt: skip
def test_variance_scaling_family_has_keras_standard_deviation(name, std):
    w = initializers.get(name)((300, 200)).astype(np.float64)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.05 * std
    if name.endswith("uniform"):
        assert np.abs(w).max() <= np.sqrt(3) * std * (1 + 1e-6)
    else:  # truncated at 2 stddev of the un-corrected normal
        assert np.abs(w).max() <= 2 * std / 0.87962566103423978 * (1 + 1e-6)


def test_conv_kernel_fans_use_receptive_field():
    w = initializers.HeNormal(seed=0)((5, 5, 16, 32)).astype(np.float64)  # fan_in = 5*5*16
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.03)


def test_truncated_normal_default_and_bounds():
    init = initializers.TruncatedNormal(seed=1)
    assert (init.mean, init.stddev) == (0.0, 0.05)
    w = initializers.TruncatedNormal(mean=1.0, stddev=2.0, seed=1)((200, 100)).astype(np.float64)
    assert np.abs(w - 1.0).max() <= 4.0
    # a normal truncated at +-2 sigma has std 0.8796 sigma
    assert w.std() == pytest.approx(2.0 * 0.87962566, rel=0.02)


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (3, 3, 2, 8)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = initializers.Orthogonal(gain=1.5, seed=0)(shape).astype(np.float64)
    flat = q.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(gram.shape[0]), atol=1e-5)


def test_orthogonal_and_identity_reject_bad_shapes():
    with pytest.raises(ValueError, match="Orthogonal.*rank >= 2.*\\(5,\\)"):
        initializers.Orthogonal()((5,))
    with pytest.raises(ValueError, match="Identity.*2D"):
        initializers.Identity()((2, 2, 2))
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((2, 3)), 3 * np.eye(2, 3))


def test_constant_initializers_and_dtype():
    assert initializers.get("zeros")((2,), dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 2)), np.full((2, 2), 2.5, np.float32))
    np.testing.assert_array_equal(initializers.get("ones")((3,)), np.ones(3, np.float32))


@pytest.mark.parametrize("name", RANDOM + ["zeros", "ones", "constant", "identity"])
def test_serialize_round_trip_gives_same_draws(name):
    init = type(initializers.get(name))(**({"seed": 7} if name in RANDOM else {}))
    config = initializers.serialize(init)
    assert config["class_name"] == type(init).__name__
    again = initializers.deserialize(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    np.testing.assert_array_equal(again((4, 3)), init((4, 3)))
    assert type(initializers.get(config)) is type(init)
    assert type(initializers.get(type(init).__name__)) is type(init)


def test_get_rejects_unknown_names_listing_valid_ones():
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot_unifrom'.*glorot_uniform"):
        initializers.get("glorot_unifrom")
    with pytest.raises(TypeError, match="expected an instance of Initializer"):
        initializers.serialize("zeros")


def test_keras_aliases_and_defaults():
    assert initializers.he_normal is initializers.HeNormal
    vs = initializers.VarianceScaling()
    assert (vs.scale, vs.mode, vs.distribution) == (1.0, "fan_in", "truncated_normal")
    assert initializers.Orthogonal().gain == 1.0
    assert initializers.RandomNormal().stddev == 0.05 and initializers.RandomUniform().maxval == 0.05


@pytest.mark.parametrize(
    "module", ["ember.initializers", "ember.initializers.initializers", "ember.initializers.matrix"]
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and (result.attempted > 0 or module.endswith(".initializers"))
