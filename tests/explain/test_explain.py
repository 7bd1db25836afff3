"""ember.explain: forward/backward traces agree with the model and with fit, exactly; clear errors; CLI."""

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import explain, layers, models, optimizers


def _neuron_model(w, b):
    model = models.Sequential([layers.Input((len(w),)), layers.Dense(1, activation="sigmoid", name="neuron")])
    model.set_weights([np.array(w, "float32").reshape(-1, 1), np.array([b], "float32")])
    return model


def test_seed_neuron_is_worked_out_with_its_numbers():
    # Seed 002's neuron: x = [1, 2, 3], w = [0.5, -1, 0.8], b = 0.2: z = 1.1, a = sigmoid(1.1) = 0.7503.
    trace = explain.forward(_neuron_model([0.5, -1.0, 0.8], 0.2), np.array([[1.0, 2.0, 3.0]], "float32"))
    step = trace["neuron"]
    assert step.lines[1] == "z_0 = 1·0.5 + 2·(-1) + 3·0.8 + 0.2 = 1.1"
    assert step.lines[2] == "a_0 = sigmoid(1.1) = 0.7503"
    np.testing.assert_allclose(step.values["a"], step.values["output"], rtol=1e-6)
    assert "z = x·W + b, a = sigmoid(z)" in str(trace)


def test_forward_values_equal_the_model_for_dense_conv_and_lstm():
    ember.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    mlp = models.Sequential([layers.Input((5,)), layers.Dense(7, activation="relu"), layers.Dense(3, "tanh")])
    x = rng.normal(size=(2, 5)).astype("float32")
    for step, out in zip(explain.forward(mlp, x, max_neurons=2).steps, [mlp.layers[0](x), mlp(x)], strict=True):
        np.testing.assert_allclose(step.values["a"], out.numpy()[0], rtol=1e-5, atol=1e-6)
    assert "… 5 more neurons" in str(explain.forward(mlp, x, max_neurons=2))
    for padding in ("valid", "same"):
        conv = layers.Conv2D(4, 3, strides=2, padding=padding, activation="relu")
        cnn = models.Sequential([layers.Input((6, 6, 2)), conv])
        img = rng.normal(size=(1, 6, 6, 2)).astype("float32")
        step = explain.forward(cnn, img).steps[0]
        np.testing.assert_allclose(step.values["a"], cnn(img).numpy()[0, 0, 0], rtol=1e-5, atol=1e-6)
    rnn = models.Sequential([layers.Input((4, 3)), layers.LSTM(5, return_sequences=True)])
    seq = rng.normal(size=(1, 4, 3)).astype("float32")
    step = explain.forward(rnn, seq).steps[0]
    np.testing.assert_allclose(step.values["h"], rnn(seq).numpy()[0, 0], rtol=1e-5, atol=1e-6)
    assert "i = σ(" in "\n".join(step.lines)


@pytest.mark.parametrize("optimizer", [optimizers.SGD(learning_rate=0.5), optimizers.Adam(learning_rate=0.01)],
                         ids=["sgd", "adam"])  # fmt: skip
def test_backward_trace_is_exactly_one_fit_step(optimizer):
    ember.utils.set_random_seed(1)
    model = models.Sequential([layers.Input((2,)), layers.Dense(3, activation="tanh"),
                               layers.Dense(1, activation="sigmoid")])  # fmt: skip
    model.compile(optimizer=type(optimizer).from_config(optimizer.get_config()), loss="binary_crossentropy")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    y = np.array([[0], [1], [1], [0]], "float32")
    before = model.get_weights()
    trace = explain.backward(model, x, y, optimizer=optimizer)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # explaining changes nothing
    loss = model.train_on_batch(x, y)
    assert trace.values["loss"] == pytest.approx(float(np.asarray(loss).ravel()[0]), rel=1e-6)
    for got, want in zip(trace.values["new_weights"], model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)  # bit for bit: the same ops in the same order as fit


def test_backward_chain_rule_factors_multiply_out():
    model = _neuron_model([0.15], 0.4)  # seed 000's neuron
    model.compile(optimizer="sgd", loss="mse")
    trace = explain.backward(model, np.array([[0.1]], "float32"), np.array([[1.0]], "float32"), learning_rate=0.5)
    text = str(trace)
    a = 1 / (1 + np.exp(-0.415))
    dl_da = 2 * (a - 1.0)
    dl_dz = dl_da * a * (1 - a)
    assert f"dL/dz_0 = dL/da_0 · sigmoid'(z_0) = {dl_da:.4g} · {a * (1 - a):.4g} = {dl_dz:.4g}" in text
    np.testing.assert_allclose(trace.values["grads"][0], [[0.1 * dl_dz]], rtol=1e-5)
    assert f"neuron/kernel[0]: 0.15 − 0.5·({0.1 * dl_dz:.4g}) = {0.15 - 0.5 * 0.1 * dl_dz:.4g}" in text


def test_markdown_and_html():
    trace = explain.forward(_neuron_model([1.0, 2.0], 0.0), np.array([[1.0, 1.0]], "float32"))
    md = trace.to_markdown()
    assert md.startswith("## Forward pass") and "### neuron (Dense)" in md and "```text" in md
    page = trace.to_html()
    assert "<h4>neuron (Dense): z = x·W + b, a = sigmoid(z)" in page and "<pre>" in page
    assert trace._repr_html_() == page


def test_unbuilt_or_uncompiled_models_get_clear_errors():
    with pytest.raises(ValueError, match="not built.*build"):
        explain.forward(models.Sequential([layers.Dense(2)]), np.ones((1, 3), "float32"))
    model = _neuron_model([1.0], 0.0)
    with pytest.raises(ValueError, match="not compiled; pass loss="):
        explain.backward(model, np.ones((1, 1), "float32"), np.ones((1, 1), "float32"))
    trace = explain.backward(model, np.ones((1, 1), "float32"), np.ones((1, 1), "float32"), loss="mse")
    assert trace.values["loss"] > 0


def test_cli_explain(tmp_path):
    model = _neuron_model([0.5, -1.0, 0.8], 0.2)
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    np.save(tmp_path / "x.npy", np.array([[1.0, 2.0, 3.0]], "float32"))
    np.save(tmp_path / "y.npy", np.array([[1.0]], "float32"))
    run = [sys.executable, "-m", "ember", "explain", str(tmp_path / "m.keras"), "--input", str(tmp_path / "x.npy")]
    out = subprocess.run(run + ["--target", str(tmp_path / "y.npy")], capture_output=True, text=True, check=True)
    assert "z_0 = 1·0.5 + 2·(-1) + 3·0.8 + 0.2 = 1.1" in out.stdout and "W ← W − η·dL/dW" in out.stdout
    bad = subprocess.run(run[:-1] + [str(tmp_path / "missing.npy")], capture_output=True, text=True)
    assert bad.returncode == 1 and "does not exist" in bad.stderr
