"""Keras 3 names added for issue 16, each compared with real Keras 3 (torch backend) where Keras gives a value."""

import numpy as np
import pytest

import ember
from ember import layers as L
from tests.keras_ref.keras_runner import run_keras

X = np.linspace(-3, 3, 13, dtype="float32")
A = np.arange(6, dtype="float32").reshape(2, 3)
B = np.arange(6, 12, dtype="float32").reshape(2, 3)
ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "selu", "gelu", "silu",
               "swish", "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish", "relu6", "mish",
               "exponential", "linear"]  # fmt: skip
MERGES = ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]

_SCRIPT = """
def values(ns, X, A, B, acts, merges, num):
    out = {f"act_{n}": num(getattr(ns.activations, n)(X)) for n in acts}
    out["relu_args"] = num(ns.activations.relu(X, negative_slope=0.1, max_value=2.0, threshold=0.5))
    out["get_gelu"] = num(ns.activations.get("gelu")(X))
    for n in merges:
        a, b = ns.Input((3,)), ns.Input((3,))
        kw = {"axes": 1} if n == "dot" else {}
        model = ns.Model([a, b], getattr(ns.layers, n)([a, b], **kw))
        out[f"merge_{n}"] = num(model([A, B]))
    v = ns.Variable(np.zeros(3, "float32"))
    v.assign_add(np.ones(3, "float32"))
    v.assign_sub(np.full(3, 0.25, "float32"))
    out["variable"] = num(v.value)
    return out
"""


def _num(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value).tolist()


@pytest.fixture(scope="module")
def keras_values():
    code = _SCRIPT + f"result = values(keras, np.array({X.tolist()}, 'float32'), np.array({A.tolist()}, 'float32'), "
    code += f"np.array({B.tolist()}, 'float32'), {ACTIVATIONS}, {MERGES}, "
    code += "lambda v: np.asarray(keras.ops.convert_to_numpy(v)).tolist())\n"
    return run_keras(code)


def test_activations_merging_functions_and_variable_updates_match_keras(keras_values):
    namespace = {"np": np}
    exec(_SCRIPT, namespace)
    mine = namespace["values"](ember, X, A, B, ACTIVATIONS, MERGES, _num)
    assert sorted(mine) == sorted(keras_values)
    for key, expected in keras_values.items():
        np.testing.assert_allclose(mine[key], expected, rtol=2e-5, atol=1e-6, err_msg=key)


def test_top_level_names_load_lazily_and_are_the_package_classes():
    assert ember.Layer is L.Layer and ember.KerasTensor is L.KerasTensor and ember.Input is L.Input
    assert ember.Model is ember.models.Model and ember.Sequential is ember.models.Sequential
    assert ember.Loss is ember.losses.Loss and ember.Optimizer is ember.optimizers.Optimizer


def test_missing_keras_names_raise_attribute_error_with_nearest_names():
    with pytest.raises(AttributeError, match="not in ember yet. Nearest names: Sequential"):
        _ = ember.Sequentail
    with pytest.raises(AttributeError, match="Use ember.layers.Dense"):
        _ = ember.Dense
    with pytest.raises(AttributeError, match="not in ember yet.*top_k"):
        _ = ember.ops.top_kk
    with pytest.raises(AttributeError, match="not in ember yet.*Conv2D"):
        _ = ember.layers.Conv4D
    assert not hasattr(ember.layers, "__wrapped__")  # private probes keep Python's plain error


def test_clone_model_rebuilds_architecture_with_fresh_weights_and_same_names():
    inputs = ember.Input((4,), name="features")
    hidden = L.Dense(3, activation="relu")(inputs)
    model = ember.Model(inputs, L.add([L.Dense(2)(hidden), L.Dense(2)(hidden)]))
    seq = ember.Sequential([ember.Input((4,)), L.Dense(3), L.Dense(1)])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    for original in (model, seq):
        clone = ember.models.clone_model(original)
        assert [layer.name for layer in clone.layers] == [layer.name for layer in original.layers]
        assert [w.shape for w in clone.weights] == [w.shape for w in original.weights]
        assert all(c is not o for c, o in zip(clone.weights, original.weights, strict=True))
        clone.set_weights(original.get_weights())
        np.testing.assert_allclose(clone.predict(x, verbose=0), original.predict(x, verbose=0), rtol=1e-6)
    renamed = ember.models.clone_model(seq, clone_function=lambda layer: L.Dense(7) if layer.name else layer)
    assert [tuple(w.shape) for w in renamed.weights][0] == (4, 7)
    with pytest.raises(NotImplementedError, match="input_tensors"):
        ember.models.clone_model(seq, input_tensors=[ember.Input((4,))])


def test_save_model_writes_a_keras_file_that_load_model_reads(tmp_path):
    seq = ember.Sequential([ember.Input((4,)), L.Dense(2)])
    path = str(tmp_path / "m.keras")
    ember.models.save_model(seq, path)
    loaded = ember.models.load_model(path)
    np.testing.assert_array_equal(loaded.get_weights()[0], seq.get_weights()[0])


def test_seed_generator_advances_and_repeats_from_its_seed():
    a, b = ember.random.SeedGenerator(7), ember.random.SeedGenerator(7)
    first = ember.random.normal((4,), seed=a).numpy()
    second = ember.random.normal((4,), seed=a).numpy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, ember.random.normal((4,), seed=b).numpy())
    kept = ember.random.dropout(ember.ops.ones((1000,)), 0.5, seed=ember.random.SeedGenerator(1)).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0.4 < (kept > 0).mean() < 0.6
    assert ember.random.gamma((3,), 2.0, seed=1).shape == (3,)
    assert ember.random.beta((2,), 1.0, 2.0, seed=1).shape == (2,)


def test_mixed_precision_bfloat16_policies_are_refused_clearly_and_float64_works():
    with pytest.raises(NotImplementedError, match="mixed_bfloat16.*no bfloat16 dtype"):
        ember.mixed_precision.set_global_policy("mixed_bfloat16")
    ember.mixed_precision.set_global_policy("float64")
    assert ember.config.floatx() == "float64" and ember.mixed_precision.global_policy().compute_dtype == "float64"
    ember.mixed_precision.set_global_policy("float32")
    with pytest.raises(ValueError, match="Unknown dtype policy"):
        ember.mixed_precision.DTypePolicy("float8")
