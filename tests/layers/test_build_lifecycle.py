"""Keras 3's build contract (issue 16): ``layer.build(shape)`` called directly marks the layer built,
a second build is a no-op, and weights set after ``build`` survive the first call."""

import numpy as np
import pytest

from ember import layers as L
from ember import models, ops
from tests.layers.test_run_layer_test import CASES

# Layers with weights outside the generic catalogue: (class, kwargs, input shape, input dtype).
EXTRA = [
    (L.Embedding, {"input_dim": 6, "output_dim": 3}, (2, 4), "int32"),
    (L.SimpleRNN, {"units": 3}, (2, 5, 4), "float32"),
    (L.LSTM, {"units": 3, "return_sequences": True}, (2, 5, 4), "float32"),
    (L.GRU, {"units": 3}, (2, 5, 4), "float32"),
    (L.RBFLayer, {"units": 3}, (2, 4), "float32"),
]
WEIGHTED = [(c[0], c[1], c[2], "float32") for c in CASES if c[4] + c[5] > 0] + EXTRA


def _input(shape, dtype):
    rng = np.random.default_rng(0)
    if dtype == "int32":
        return rng.integers(1, 6, size=shape).astype("int32")
    return rng.normal(size=shape).astype("float32")


@pytest.mark.parametrize("case", WEIGHTED, ids=lambda c: c[0].__name__)
def test_set_weights_after_direct_build_survive_the_first_call(case):
    cls, kwargs, shape, dtype = case
    layer = cls(**kwargs)
    layer.build(shape)
    assert layer.built
    count = len(layer.weights)
    assert count > 0
    values = [np.random.default_rng(i + 1).normal(size=w.shape).astype(w.numpy().dtype) for i, w in
              enumerate(layer.weights)]
    values = [np.abs(v) + 0.5 if "variance" in w.name else v for v, w in zip(values, layer.weights, strict=True)]
    layer.set_weights(values)
    layer(_input(shape, dtype))
    assert len(layer.weights) == count
    for w, v in zip(layer.get_weights(), values, strict=True):
        np.testing.assert_array_equal(w, v)
    layer.build(shape)  # second build: no-op, weights neither re-created nor reset
    assert len(layer.weights) == count
    np.testing.assert_array_equal(layer.get_weights()[0], values[0])


def test_layer_norm_keeps_two_weights_after_build_then_call():
    ln = L.LayerNormalization()
    ln.build((None, 4))
    ln.set_weights([np.full(4, 2.0, "float32"), np.full(4, 1.0, "float32")])
    out = ln(np.arange(8, dtype="float32").reshape(2, 4)).numpy()
    assert len(ln.weights) == 2
    x = np.arange(8, dtype="float32").reshape(2, 4)
    ref = 2.0 * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3) + 1.0
    np.testing.assert_allclose(out, ref, rtol=1e-5)


class Linear(L.Layer):
    """A user subclass whose build neither calls super().build nor sets ``built``."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.builds = 0

    def build(self, input_shape):
        self.builds += 1
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

    def call(self, inputs):
        return ops.matmul(inputs, self.w)


def test_user_subclass_build_marks_built_and_runs_once():
    layer = Linear(2)
    layer.build((None, 3))
    assert layer.built and layer.builds == 1
    layer.set_weights([np.ones((3, 2), "float32")])
    out = layer(np.ones((1, 3), "float32")).numpy()
    np.testing.assert_array_equal(out, [[3.0, 3.0]])
    layer.build((None, 3))
    assert layer.builds == 1 and len(layer.weights) == 1


def test_lazy_build_of_subclass_still_happens_once():
    layer = Linear(4)
    layer(np.ones((2, 5), "float32"))
    layer(np.ones((2, 5), "float32"))
    assert layer.builds == 1 and layer.weights[0].shape == (5, 4)


def test_sequential_add_after_build_builds_the_new_layer():
    model = models.Sequential([L.Input((4,)), L.Dense(3)])
    assert model.built
    model.add(L.Dense(2))
    assert model.layers[-1].built and model.layers[-1].weights[0].shape == (3, 2)
    model.pop()
    model.add(L.Dense(5))
    assert model(np.ones((1, 4), "float32")).shape == (1, 5)


def test_model_build_then_set_weights_survives_predict():
    model = models.Sequential([L.Dense(3), L.Dense(1)])
    model.build((None, 2))
    values = [np.full(w.shape, 0.5, "float32") for w in model.weights]
    model.set_weights(values)
    out = model.predict(np.ones((1, 2), "float32"), verbose=0)
    np.testing.assert_allclose(out, [[0.5 * (3 * (0.5 * 2 + 0.5)) + 0.5]], rtol=1e-6)
