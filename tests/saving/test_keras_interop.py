"""ember's ``.keras`` files open in real Keras 3 (torch backend, CPU) and Keras's open in ember, same predictions.

One Keras subprocess per test session (Keras takes ~5 s to import): it loads every ember file, predicts,
continues ember's Adam training for one step, then writes fresh Keras files
(tests/fixtures/make_keras_fixtures.py ``both``). Keras is part of the ``test`` extra.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import layers
from ember.saving import keras_optimizer
from tests.saving.test_keras_fixtures import (
    CASES,
    assert_same_outputs,
    check_keras_optimizer_state,
    expected,
    predict,
    series,
)

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "make_keras_fixtures.py"


def _randomize(model, seed):
    rng = np.random.default_rng(seed)
    values = []
    for v in model.weights:
        value = rng.normal(0.0, 0.5, v.shape).astype("float32")
        values.append(np.abs(value) + 0.5 if "variance" in v.path else value)
    model.set_weights(values)


def _sequential():
    model = ember.Sequential([ember.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    return model, [np.random.default_rng(1).normal(size=(6, 4)).astype("float32")]


def _functional():
    a, b = ember.Input((5,), name="a"), ember.Input((3,), name="b")
    h = layers.Concatenate()([layers.Dense(4)(a), b])
    inner = ember.Sequential([ember.Input((7,)), layers.Dense(6, activation="relu"), layers.BatchNormalization()],
                             name="inner")  # fmt: skip
    o1, o2 = layers.Dense(1, name="o1")(inner(h)), layers.Dense(2, activation="softmax", name="o2")(h)
    rng = np.random.default_rng(2)
    return ember.Model([a, b], [o1, o2]), [rng.normal(size=(6, 5)).astype("float32"),
                                           rng.normal(size=(6, 3)).astype("float32")]  # fmt: skip


def _recurrent():
    x = ember.Input((6, 3))
    h = layers.LSTM(5, return_sequences=True)(layers.SimpleRNN(4, return_sequences=True)(x))
    h = layers.Bidirectional(layers.GRU(3))(h)
    return ember.Model(x, layers.Dense(2)(h)), [np.random.default_rng(3).normal(size=(4, 6, 3)).astype("float32")]


def _attention():
    tokens = ember.Input((7,), dtype="int32")
    e = layers.Embedding(20, 8)(tokens)
    h = layers.LayerNormalization()(layers.Add()([e, layers.MultiHeadAttention(2, 4)(e, e)]))
    out = layers.Dense(3)(layers.GlobalAveragePooling1D()(h))
    return ember.Model(tokens, out), [np.random.default_rng(4).integers(0, 20, (5, 7)).astype("int32")]


def _conv():
    x = ember.Input((8, 8, 3))
    h = layers.MaxPooling2D()(layers.Conv2D(4, 3, padding="same", activation="relu")(x))
    h = layers.AveragePooling2D(2)(layers.Conv2D(6, 3)(h))
    out = layers.Dense(2)(layers.Dropout(0.5)(layers.Flatten()(h)))
    return ember.Model(x, out), [np.random.default_rng(5).normal(size=(3, 8, 8, 3)).astype("float32")]


def _nested():  # a functional model inside a functional model, and a layer shared by two calls
    i = ember.Input((4,))
    inner = ember.Model(i, layers.Dense(3, activation="tanh")(i), name="inner_f")
    x, y = ember.Input((4,)), ember.Input((4,))
    shared = layers.Dense(4, name="shared")
    out = layers.Subtract()([inner(shared(x)), inner(shared(y))])
    rng = np.random.default_rng(8)
    return ember.Model([x, y], out), [rng.normal(size=(3, 4)).astype("float32"),
                                      rng.normal(size=(3, 4)).astype("float32")]  # fmt: skip


BUILDERS = {"sequential": _sequential, "functional": _functional, "recurrent": _recurrent,
            "attention": _attention, "conv": _conv, "nested": _nested}  # fmt: skip


OPTIMIZERS = {
    "rmsprop": lambda: ember.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "sgd": lambda: ember.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adamw": lambda: ember.optimizers.AdamW(0.01, amsgrad=True),
    "adagrad": lambda: ember.optimizers.Adagrad(0.1),
    "nadam": lambda: ember.optimizers.Nadam(0.01),
    "adamax": lambda: ember.optimizers.Adamax(0.01),
    "adam_ema": lambda: ember.optimizers.Adam(0.01, use_ema=True),
    "lion": lambda: ember.optimizers.Lion(0.001),
    "adadelta": lambda: ember.optimizers.Adadelta(1.0),
}


def _write_optimizer_files(folder: pathlib.Path, results: dict) -> None:
    rng = np.random.default_rng(6)
    fx, fy = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
    for i, (name, make) in enumerate(OPTIMIZERS.items()):
        model, xs = _sequential()
        _randomize(model, 40 + i)
        model.compile(make(), "mse")
        model.fit(fx, fy, batch_size=16, epochs=3, shuffle=False, verbose=0)
        model.save(folder / f"ember_opt_{name}.keras")
        np.savez(folder / f"ember_opt_{name}.npz", x0=xs[0], fx=fx, fy=fy)
        model.fit(fx, fy, batch_size=16, epochs=1, shuffle=False, verbose=0)
        results[f"opt_{name}"] = {"w": model.get_weights()}


def _layer_cases() -> list:
    """run_layer_test's cases that Keras 3.15 builds the same way: ``[tag, class name, kwargs, input shape]``."""
    from tests.layers.test_run_layer_test import CASES as LAYER_CASES

    cases = []
    for i, (cls, kwargs, shape, *_) in enumerate(LAYER_CASES):
        if cls.__name__ == "Lambda":  # Keras cannot rebuild an ember function (and ember refuses Keras's)
            continue
        cases.append([f"{i:02d}_{cls.__name__}", cls.__name__, kwargs, list(shape)])
    return cases


def _write_layer_files(folder: pathlib.Path, results: dict) -> None:
    import json

    cases = _layer_cases()
    (folder / "layer_cases.json").write_text(json.dumps(cases))
    for i, (tag, name, kwargs, shape) in enumerate(cases):
        x_in = ember.Input(tuple(shape[1:]))
        model = ember.Model(x_in, getattr(layers, name)(**kwargs)(x_in))
        _randomize(model, 200 + i)
        x = np.random.default_rng(i).normal(size=shape).astype("float32")
        model.save(folder / f"ember_layer_{tag}.keras")
        np.savez(folder / f"ember_layer_{tag}.npz", x0=x)
        results[f"layer_{tag}"] = {"y": predict(model, [x])}


def _write_ember_files(folder: pathlib.Path) -> dict:
    ember.utils.set_random_seed(0)
    results = {}
    _write_optimizer_files(folder, results)
    _write_layer_files(folder, results)
    for i, (name, build) in enumerate(BUILDERS.items()):
        model, xs = build()
        _randomize(model, 20 + i)
        extra = {}
        if name == "sequential":
            rng = np.random.default_rng(6)
            extra = {"fx": rng.normal(size=(16, 4)).astype("float32"), "fy": rng.normal(size=(16, 3)).astype("float32")}
            model.compile(ember.optimizers.Adam(0.01), "mse")
            model.fit(extra["fx"], extra["fy"], batch_size=16, epochs=3, shuffle=False, verbose=0)
        if name == "functional":  # moves the BatchNormalization statistics away from their initial values
            rng = np.random.default_rng(7)
            model.compile("adam", ["mse", "categorical_crossentropy"])
            model.fit([rng.normal(size=(8, 5)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")],
                      [rng.normal(size=(8, 1)).astype("float32"), np.eye(2, dtype="float32")[rng.integers(0, 2, 8)]],
                      batch_size=8, epochs=2, verbose=0)  # fmt: skip
        model.save(folder / f"ember_{name}.keras")
        model.save_weights(folder / f"ember_{name}.weights.h5")
        np.savez(folder / f"ember_{name}.npz", **{f"x{i}": x for i, x in enumerate(xs)}, **extra)
        results[name] = {"y": predict(model, xs)}
        if name == "sequential":
            results[name]["opt"] = keras_optimizer.optimizer_arrays(model)[0]
            model.fit(extra["fx"], extra["fy"], batch_size=16, epochs=1, shuffle=False, verbose=0)
            results[name]["w"] = model.get_weights()
    return results


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    import importlib.util

    if importlib.util.find_spec("keras") is None:  # not imported here: Keras runs in its own process
        pytest.fail("Keras 3 is needed for these tests: install the `test` extra (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("keras_exchange")
    results = _write_ember_files(folder)
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, str(SCRIPT), "both", str(folder)], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    return folder, results


@pytest.mark.parametrize("case", CASES)
def test_ember_file_opens_in_keras_with_same_predictions(exchange, case):
    folder, results = exchange
    data = np.load(folder / f"keras_from_ember_{case}.npz")
    got = series(data, "y")
    assert_same_outputs(got, results[case]["y"])


@pytest.mark.parametrize("case", CASES)
def test_ember_weights_file_loads_in_keras(exchange, case):
    """``save_weights("x.weights.h5")`` in ember, ``load_weights`` in Keras on a zeroed copy: same predictions."""
    folder, results = exchange
    data = np.load(folder / f"keras_from_ember_{case}.npz")
    got = series(data, "weights_y")
    assert_same_outputs(got, results[case]["y"])


def test_ember_adam_state_is_keras_optimizer_state(exchange):
    folder, results = exchange
    data = np.load(folder / "keras_from_ember_sequential.npz")
    opt = series(data, "opt")
    ours = results["sequential"]["opt"]
    assert len(opt) == len(ours) == 2 + 2 * 4 and int(opt[0]) == 3
    np.testing.assert_allclose(float(opt[1]), 0.01, rtol=1e-7)  # Keras keeps the learning rate in float32
    for keras_value, ember_value in zip(opt[2:], ours[2:], strict=True):
        np.testing.assert_array_equal(keras_value, ember_value)
    # The state means the same thing in both: one more Adam step from it gives the same weights.
    weights = series(data, "w")
    for keras_w, ember_w in zip(weights, results["sequential"]["w"], strict=True):
        np.testing.assert_allclose(keras_w, ember_w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_keras_file_opens_in_ember_with_same_predictions(exchange, case):
    folder, _ = exchange
    data, xs, ys = expected(folder, case)
    model = ember.models.load_model(folder / f"keras3_{case}.keras")
    assert_same_outputs(predict(model, xs), ys)
    if case == "sequential":
        check_keras_optimizer_state(model, data)
    if case in ("sequential", "functional"):
        legacy = ember.models.load_model(folder / f"legacy_{case}.h5")
        assert_same_outputs(predict(legacy, xs), ys)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_state_means_the_same_in_both(exchange, name):
    """Three steps in one framework, save, one more step in the other: the same weights, both ways."""
    folder, results = exchange
    data = np.load(folder / f"keras_from_ember_opt_{name}.npz")
    assert int(data["opt0"]) == 3
    weights = series(data, "w")
    for keras_w, ember_w in zip(weights, results[f"opt_{name}"]["w"], strict=True):
        np.testing.assert_allclose(keras_w, ember_w, rtol=1e-5, atol=1e-6)
    model = ember.models.load_model(folder / f"keras3_opt_{name}.keras")
    assert model.optimizer.iterations == 3
    data = np.load(folder / f"opt_{name}.npz")
    model.fit(data["fx"], data["fy"], batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), [data[f"w{i}"] for i in range(4)], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tag", [case[0] for case in _layer_cases()])
def test_every_shared_layer_type_opens_both_ways(exchange, tag, monkeypatch):
    """Each layer of run_layer_test's list, alone in a model with random weights, in ember then Keras and back."""
    monkeypatch.setenv("EMBER_H5_ISOLATE", "0")  # 50 cases in-process: the other tests here use the reader process
    folder, results = exchange
    data = np.load(folder / f"keras_from_ember_layer_{tag}.npz")
    got = series(data, "y")
    assert_same_outputs(got, results[f"layer_{tag}"]["y"])
    _, xs, ys = expected(folder, f"layer_{tag}")
    model = ember.models.load_model(folder / f"keras3_layer_{tag}.keras")
    assert_same_outputs(predict(model, xs), ys)
