"""Mixed precision (issue 16): ``set_global_policy('mixed_float16')`` keeps float32 weights, computes in
float16, computes losses in float32 and trains with dynamic loss scaling, as Keras 3 does. Dtype attributes
and the loss-scale trajectory are compared with real Keras 3 (torch backend)."""

import json

import numpy as np
import pytest

import ember
from ember import layers, mixed_precision, ops
from tests.keras_ref.keras_runner import run_keras


@pytest.fixture(autouse=True)
def float32_after():
    yield
    mixed_precision.set_global_policy("float32")


_DTYPES = """
ns.mixed_precision.set_global_policy("mixed_float16")
def dt(v):
    return np.asarray(ns.ops.convert_to_numpy(v)).dtype.name
x2 = np.linspace(-1, 1, 24, dtype="float32").reshape(4, 6)
x4 = np.linspace(-1, 1, 2 * 6 * 6 * 3, dtype="float32").reshape(2, 6, 6, 3)
cases = [(ns.layers.Dense(3), x2), (ns.layers.Dense(3, activation="softmax"), x2), (ns.layers.LayerNormalization(), x2),
         (ns.layers.BatchNormalization(), x2), (ns.layers.Softmax(), x2), (ns.layers.Conv2D(2, 3), x4),
         (ns.layers.Embedding(5, 2), np.array([[1, 2]])), (ns.layers.Dense(3, dtype="float32"), x2),
         (ns.layers.MultiHeadAttention(2, 3), x2.reshape(2, 2, 6)), (ns.layers.LSTM(2), x2.reshape(2, 2, 6))]
result = {"global": [ns.mixed_precision.global_policy().name, ns.config.floatx()]}
for i, (layer, x) in enumerate(cases):
    out = layer(x, x) if isinstance(layer, ns.layers.MultiHeadAttention) else layer(x)
    result[f"{i}:{type(layer).__name__}"] = [layer.dtype, layer.compute_dtype, layer.variable_dtype,
        layer.dtype_policy.name, [dt(w) for w in layer.weights], dt(out)]
model = ns.Sequential([ns.Input((6,)), ns.layers.Dense(3)])
model.compile(optimizer="sgd", loss="mse")
opt = model.optimizer
result["optimizer"] = [type(opt).__name__, type(opt.inner_optimizer).__name__, opt.initial_scale,
                       opt.dynamic_growth_steps, model.dtype_policy.name]
ns.mixed_precision.set_global_policy("float32")
d = ns.layers.Dense(2, dtype="mixed_float16")
out = d(x2)
result["per_layer"] = [d.dtype, d.compute_dtype, d.dtype_policy.name, dt(out), [dt(w) for w in d.weights],
                       ns.layers.Dense(2).dtype_policy.name]
"""


def test_dtype_attributes_match_keras_3():
    expected = run_keras("ns = keras\n" + _DTYPES)
    namespace = {"ns": ember, "np": np}
    exec(_DTYPES, namespace)
    assert json.loads(json.dumps(namespace["result"])) == expected
    assert expected["0:Dense"] == ["float32", "float16", "float32", "mixed_float16", ["float32", "float32"], "float16"]


_LOSS_SCALE = """
layer = ns.layers.Dense(1, use_bias=False, kernel_initializer="ones")
layer.build((None, 3))
opt = ns.optimizers.LossScaleOptimizer(ns.optimizers.SGD(0.5), initial_scale=8.0, dynamic_growth_steps=2)
g = np.array([[8.0], [16.0], [-8.0]], dtype="float32")
bad = {"inf": np.array([[np.inf], [1.0], [1.0]], "float32"), "nan": np.array([[1.0], [np.nan], [1.0]], "float32")}
result = [[float(opt.scale_loss(ns.ops.convert_to_tensor(np.float32(2.0))))]]
for step in ["ok", "ok", "inf", "ok", "ok", "ok", "nan", "ok"]:
    grad = g if step == "ok" else bad[step]
    opt.apply([ns.ops.convert_to_tensor(grad)], [layer.kernel])
    result.append([step, float(ns.ops.convert_to_numpy(opt.dynamic_scale)),
                   int(ns.ops.convert_to_numpy(opt.iterations)),
                   ns.ops.convert_to_numpy(layer.kernel).ravel().tolist()])
"""


def test_loss_scale_trajectory_and_skipped_steps_match_keras_3():
    expected = run_keras("ns = keras\n" + _LOSS_SCALE)
    namespace = {"ns": ember, "np": np}
    exec(_LOSS_SCALE, namespace)
    assert namespace["result"] == expected
    # the hand-computed path: scale 8 -> 16 after 2 finite steps, halved on inf (weights unchanged), ...
    scales = [row[1] for row in expected[1:]]
    assert scales == [8.0, 16.0, 8.0, 8.0, 16.0, 16.0, 8.0, 8.0]
    assert expected[3][3] == expected[2][3] and expected[3][2] == expected[2][2]  # inf: step skipped
    assert expected[7][3] == expected[6][3]  # nan: step skipped


def _digits(flat):
    (x, y), (xt, yt) = ember.datasets.digits.load_data()
    shape = (-1, 64) if flat else (-1, 8, 8, 1)
    return (x.reshape(shape) / 16.0).astype("float32"), y, (xt.reshape(shape) / 16.0).astype("float32"), yt


def _mlp():
    return ember.Sequential([ember.Input((64,)), layers.Dense(64, activation="relu"), layers.LayerNormalization(),
                             layers.Dense(10, activation="softmax")])  # fmt: skip


def _cnn():
    return ember.Sequential([ember.Input((8, 8, 1)), layers.Conv2D(16, 3, padding="same", activation="relu"),
                             layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])  # fmt: skip


def _train(build, flat, policy, epochs):
    mixed_precision.set_global_policy(policy)
    ember.utils.set_random_seed(0)
    x, y, xt, yt = _digits(flat)
    model = build()
    model.compile(optimizer=ember.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model, model.evaluate(xt, yt, verbose=0)[1], xt


@pytest.mark.parametrize("build,flat,epochs", [(_mlp, True, 8), (_cnn, False, 8)], ids=["mlp", "cnn"])
def test_mixed_float16_trains_like_float32_on_digits(build, flat, epochs):
    _, acc32, _ = _train(build, flat, "float32", epochs)
    model, acc16, xt = _train(build, flat, "mixed_float16", epochs)
    assert acc32 >= 0.93 and acc16 >= 0.93 and abs(acc16 - acc32) <= 0.02, (acc32, acc16)
    assert isinstance(model.optimizer, ember.optimizers.LossScaleOptimizer)
    assert model.optimizer.iterations > 0 and model.optimizer.dynamic_scale <= 2.0**15
    assert {str(w.dtype) for w in model.weights} == {"float32"}
    x = ember.tensor(xt[:4])
    for layer in model.layers:  # every activation is float16, the loss float32
        x = layer(x)
        assert x.dtype == "float16", layer.name
    loss = model.compute_loss(y=ember.tensor(np.arange(4)), y_pred=x)
    assert loss.dtype == "float32"


def test_gradients_reach_float32_weights_through_float16_math():
    mixed_precision.set_global_policy("mixed_float16")
    dense = layers.Dense(3)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    y = dense(x)
    ops.sum(y * y).backward()
    assert y.dtype == "float16" and dense.kernel.grad.dtype == "float32" and dense.bias.grad.dtype == "float32"
    # same gradient as float32 math, to float16 precision
    k, b = dense.kernel.numpy(), dense.bias.numpy()
    expected = x.T @ (2 * (x @ k + b))
    np.testing.assert_allclose(dense.kernel.grad.numpy(), expected, rtol=2e-2, atol=2e-2)


def test_float16_gradient_overflow_skips_the_step_and_halves_the_scale():
    mixed_precision.set_global_policy("mixed_float16")
    ember.utils.set_random_seed(0)
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=False)
    x, y, _, _ = _digits(True)
    model.train_on_batch(x[:8], y[:8])
    model.optimizer.dynamic_scale = scale = 2.0**100  # the scaled gradients overflow float16: inf
    before, steps = model.get_weights(), model.optimizer.iterations
    model.train_on_batch(x[:8], y[:8])
    assert model.optimizer.dynamic_scale == scale / 2 and model.optimizer.iterations == steps
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.optimizer.dynamic_scale = 1.0
    model.train_on_batch(x[:8], y[:8])
    assert model.optimizer.iterations == steps + 1 and model.optimizer.step_counter == 1


def test_graph_mode_step_uses_the_current_loss_scale():
    results = []
    for jit in (False, True):
        mixed_precision.set_global_policy("mixed_float16")
        ember.utils.set_random_seed(0)
        model = _mlp()
        model.compile(optimizer=ember.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", jit_compile=jit)
        model.optimizer.dynamic_growth_steps = 2  # the scale changes during the run
        x, y, _, _ = _digits(True)
        model.fit(x[:256], y[:256], batch_size=32, epochs=1, verbose=0)
        results.append((model.optimizer.dynamic_scale, model.get_weights()))
    assert results[0][0] == results[1][0] != 2.0**15  # the same scale history in both modes, and it moved
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)


def test_save_and_load_a_mixed_model(tmp_path):
    mixed_precision.set_global_policy("mixed_float16")
    ember.utils.set_random_seed(0)
    model = _cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y, xt, _ = _digits(False)
    model.fit(x[:64], y[:64], epochs=1, verbose=0)
    path = tmp_path / "mixed.keras"
    model.save(path)
    mixed_precision.set_global_policy("float32")  # the file, not the global policy, gives the layers' policy
    loaded = ember.models.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == ["mixed_float16"] * len(model.layers)
    assert {str(w.dtype) for w in loaded.weights} == {"float32"}
    out = loaded.predict(xt[:8], verbose=0)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, model.predict(xt[:8], verbose=0))
    assert isinstance(loaded.optimizer, ember.optimizers.LossScaleOptimizer)
    np.save(tmp_path / "x.npy", xt[:8])  # Keras 3 loads ember's file as a mixed model with the same outputs
    keras_out = run_keras(f"m = keras.models.load_model({str(path)!r})\nx = np.load({str(tmp_path / 'x.npy')!r})\n"
                          "result = [m.layers[0].dtype_policy.name, keras.ops.convert_to_numpy(m(x)).tolist()]")
    assert keras_out[0] == "mixed_float16"
    np.testing.assert_allclose(np.asarray(keras_out[1], dtype="float32"), out.astype("float32"), atol=2e-3)


def test_bad_policies_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="'mixed_bfloat16'.*NumPy.*no bfloat16 dtype"):
        mixed_precision.set_global_policy("mixed_bfloat16")
    with pytest.raises(NotImplementedError, match="'mixed_bfloat16'"):
        layers.Dense(2, dtype="mixed_bfloat16")
    with pytest.raises(ValueError, match="Unknown dtype policy 'mixed_float64'"):
        mixed_precision.DTypePolicy("mixed_float64")
    with pytest.raises(ValueError, match="inner_optimizer"):
        mixed_precision.LossScaleOptimizer("adam")
