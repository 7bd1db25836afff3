"""Issue 2's Keras-style API: Sequential construction, compile strings, fit/evaluate/predict, summary."""

import numpy as np
import pytest
import torch

import ember
from ember import layers, losses, models, optimizers


def small_binary_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def test_sequential_from_list_add_input_dim_input_shape_and_input():
    a = models.Sequential([layers.Dense(3, input_dim=2, activation="relu"), layers.Dense(1, activation="sigmoid")])
    b = models.Sequential()
    b.add(layers.Dense(3, input_shape=(2,), activation="relu"))
    b.add(layers.Dense(1, activation="sigmoid"))
    c = models.Sequential([layers.Input(shape=(2,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    for model in (a, b, c):
        assert model.built
        assert model.count_params() == 2 * 3 + 3 + 3 + 1
        assert [tuple(w.shape) for w in model.weights] == [(2, 3), (3,), (3, 1), (1,)]


def test_sequential_builds_lazily_from_first_batch():
    model = models.Sequential([layers.Dense(5), layers.Dense(2)])
    assert not model.built
    out = model.predict(np.zeros((7, 3)), verbose=0)
    assert out.shape == (7, 2) and model.count_params() == 3 * 5 + 5 + 5 * 2 + 2


def test_dense_matches_torch_linear_with_same_weights():
    layer = layers.Dense(4, activation="tanh")
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    out = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)  # Keras layout: (in, out)
    lin = torch.nn.Linear(3, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(kernel.T))
        lin.bias.copy_(torch.tensor(bias))
    tx = torch.tensor(x)
    expected = torch.tanh(lin(tx))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(layer.kernel.grad.numpy(), lin.weight.grad.numpy().T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.numpy(), lin.bias.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_dense_defaults_glorot_uniform_kernel_and_zero_bias():
    layer = layers.Dense(200)
    layer.build((None, 300))
    limit = np.sqrt(6 / (300 + 200))
    k = layer.kernel.numpy()
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit
    assert np.all(layer.bias.numpy() == 0)


def test_dropout_is_inverted_and_only_active_in_training():
    drop = layers.Dropout(0.5)
    x = np.ones((1000, 10), dtype=np.float32)
    np.testing.assert_array_equal(drop(x).numpy(), x)  # inference: identity
    y = drop(x, training=True).numpy()
    kept = y != 0
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.45 < kept.mean() < 0.55


def test_compile_accepts_strings_objects_and_bare_metric_string():
    x, y = small_binary_data()
    for opt, loss, metrics in [
        ("adam", "binary_crossentropy", "accuracy"),
        (optimizers.SGD(learning_rate=0.1), losses.BinaryCrossentropy(), ["accuracy"]),
        ("sgd", "mse", ["mse"]),
    ]:
        model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
        model.compile(optimizer=opt, loss=loss, metrics=metrics)
        history = model.fit(x, y, epochs=2, verbose=0)
        assert isinstance(history, ember.callbacks.History)
        assert sorted(history.history) == sorted(["loss", metrics if isinstance(metrics, str) else metrics[0]])
        assert len(history.history["loss"]) == 2


def test_evaluate_returns_scalar_without_metrics_and_list_with_them():
    x, y = small_binary_data()
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    loss2, acc = model.evaluate(x, y, verbose=0)
    assert loss2 == pytest.approx(loss, rel=1e-6) and 0 <= acc <= 1
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, np.ndarray) and pred.shape == (64, 1) and pred.dtype == np.float32
    expected_acc = ((pred[:, 0] > 0.5) == y).mean()
    assert acc == pytest.approx(expected_acc)


def test_integer_and_float64_inputs_are_cast_to_float32():
    model = models.Sequential([layers.Dense(2, input_dim=3)])
    assert model.predict(np.arange(6).reshape(2, 3), verbose=0).dtype == np.float32
    assert model.predict(np.ones((2, 3), dtype=np.float64), verbose=0).dtype == np.float32


@pytest.mark.parametrize(
    "loss,y_shape,expected",
    [
        ("binary_crossentropy", (8,), "BinaryAccuracy"),
        ("categorical_crossentropy", (8, 3), "CategoricalAccuracy"),
        ("sparse_categorical_crossentropy", (8,), "SparseCategoricalAccuracy"),
    ],
)
def test_accuracy_resolves_like_keras(loss, y_shape, expected):
    units = 1 if loss.startswith("binary") else 3
    model = models.Sequential([layers.Dense(units, activation="sigmoid" if units == 1 else "softmax", input_dim=2)])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    x = np.random.default_rng(0).standard_normal((8, 2))
    y = np.zeros(y_shape)
    if loss.startswith("categorical"):
        y[:, 0] = 1
    model.fit(x, y, epochs=1, verbose=0)
    assert type(model._compiled_metrics[0]).__name__ == expected
    assert model.metrics_names == ["loss", "accuracy"]


def test_summary_lists_layers_shapes_and_param_counts():
    model = models.Sequential([layers.Dense(3, input_dim=2, activation="relu"), layers.Dense(1)], name="demo")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "demo"' in text
    assert "(None, 3)" in text and "(None, 1)" in text
    assert "Total params: 13" in text and "Trainable params: 13" in text and "Non-trainable params: 0" in text


def test_validation_split_uses_the_last_samples_and_logs_val_keys():
    x, y = small_binary_data(100)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    val_loss = model.evaluate(x[80:], y[80:], verbose=0)[0]
    assert history.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6)


def test_validation_data_matches_evaluate():
    x, y = small_binary_data(100)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x[:70], y[:70], epochs=1, validation_data=(x[70:], y[70:]), verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[70:], y[70:], verbose=0), rel=1e-6)


def test_training_loss_in_history_is_the_sample_weighted_mean_of_batch_losses():
    x, y = small_binary_data(10)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    batch_losses = [model.evaluate(x[i : i + 4], y[i : i + 4], verbose=0) for i in (0, 4, 8)]
    expected = (4 * batch_losses[0] + 4 * batch_losses[1] + 2 * batch_losses[2]) / 10
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-6)
