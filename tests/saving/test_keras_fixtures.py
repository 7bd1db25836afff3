"""Files written by real Keras 3.15 (committed under tests/fixtures/keras/) load in ember with Keras's predictions.

These run without Keras installed; tests/saving/test_keras_interop.py repeats them against the installed Keras
and checks the other direction. The fixtures and their expected outputs come from
tests/fixtures/make_keras_fixtures.py.
"""

import pathlib
import re

import numpy as np
import pytest

import ember
from ember.saving import keras_optimizer

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras"
CASES = ["sequential", "functional", "recurrent", "attention", "conv", "nested"]


def series(data, prefix: str) -> list:
    """``data[prefix + "0"], data[prefix + "1"], ...`` from an npz file."""
    return [data[f"{prefix}{i}"] for i in range(sum(bool(re.fullmatch(prefix + r"\d+", k)) for k in data.files))]


def expected(folder, name):
    data = np.load(folder / f"{name}.npz")
    xs = series(data, "x")
    ys = series(data, "y")
    return data, xs, ys


def predict(model, xs) -> list:
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def assert_same_outputs(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def check_keras_optimizer_state(model, data):
    """ember's Adam state equals Keras's variables, and one more step lands on Keras's weights."""
    arrays, _ = keras_optimizer.optimizer_arrays(model)
    opt = series(data, "opt")
    assert len(arrays) == len(opt) == 2 + 2 * len(model.trainable_weights)
    assert int(arrays[0]) == int(opt[0]) == 3
    np.testing.assert_allclose(float(arrays[1]), float(opt[1]), rtol=1e-7)
    for a, b in zip(arrays[2:], opt[2:], strict=True):
        np.testing.assert_array_equal(a, b)  # copied, not recomputed
    model.fit(data["fx"], data["fy"], batch_size=16, epochs=1, shuffle=False, verbose=0)
    weights = series(data, "w")
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_keras3_archive_loads_with_keras_predictions(case):
    data, xs, ys = expected(FIXTURES, case)
    model = ember.models.load_model(FIXTURES / f"keras3_{case}.keras")
    assert_same_outputs(predict(model, xs), ys)
    if case == "sequential":
        assert model.optimizer.iterations == 3 and type(model.optimizer).__name__ == "Adam"
        check_keras_optimizer_state(model, data)


@pytest.mark.parametrize("case", ["sequential", "functional"])
def test_legacy_hdf5_model_loads(case):
    _, xs, ys = expected(FIXTURES, case)
    model = ember.models.load_model(FIXTURES / f"legacy_{case}.h5")
    assert_same_outputs(predict(model, xs), ys)
    assert model.optimizer is not None  # compiled from training_config


@pytest.mark.parametrize(("case", "weights"), [("recurrent", "keras3_recurrent.weights.h5"),
                                               ("conv", "legacy_conv_weights.h5")])  # fmt: skip
def test_weights_only_files_load(case, weights):
    _, xs, ys = expected(FIXTURES, case)
    model = ember.models.load_model(FIXTURES / f"keras3_{case}.keras")
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(str(FIXTURES / weights))
    assert_same_outputs(predict(model, xs), ys)


def test_keras_file_names_what_ember_lacks(tmp_path):
    import json
    import zipfile

    with zipfile.ZipFile(FIXTURES / "keras3_sequential.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["class_name"] = "Dense2000"
    members["config.json"] = json.dumps(config)
    path = tmp_path / "lacks.keras"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match=r"Unsupported class 'Dense2000' \(Keras module 'keras.layers'\)"):
        ember.models.load_model(path)


def test_frozen_layers_stay_frozen_through_a_keras_file(tmp_path):
    x_in = ember.Input((3,))
    frozen = ember.layers.Dense(4, name="frozen")
    frozen.trainable = False
    inner = ember.Sequential([ember.Input((4,)), ember.layers.Dense(2, name="free")], name="inner")
    model = ember.Model(x_in, inner(frozen(x_in)))
    model.save(tmp_path / "m.keras")
    loaded = ember.models.load_model(tmp_path / "m.keras")
    assert loaded.get_layer("frozen").trainable is False and loaded.get_layer("inner").trainable is True
    assert [w.path for w in loaded.trainable_weights] == [w.path for w in model.trainable_weights]
