"""Functional API: graphs of layers on ember.Input, replayed on real tensors."""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.models.functional import Functional


def _dense_np(layer, x):
    kernel, bias = layer.get_weights()
    return x @ kernel + bias


def test_model_new_dispatches_and_init_runs_once():
    x = ember.Input(shape=(3,))
    model = ember.Model(x, layers.Dense(2)(x))
    assert type(model) is Functional
    assert model.name.startswith("functional")
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]


def test_multi_input_multi_output_values_match_numpy():
    a, b = ember.Input(shape=(3,), name="a"), ember.Input(shape=(2,), name="b")
    da, db = layers.Dense(4, name="da"), layers.Dense(4, name="db")
    merged = layers.Add()([da(a), db(b)])
    out1, out2 = layers.Dense(1, name="o1")(merged), layers.Dense(2, name="o2")(merged)
    model = ember.Model([a, b], [out1, out2])
    xa, xb = np.random.rand(5, 3).astype("float32"), np.random.rand(5, 2).astype("float32")
    p1, p2 = model.predict([xa, xb], verbose=0)
    hidden = _dense_np(da, xa) + _dense_np(db, xb)
    np.testing.assert_allclose(p1, _dense_np(model.get_layer("o1"), hidden), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p2, _dense_np(model.get_layer("o2"), hidden), rtol=1e-5, atol=1e-6)
    # inputs by name give the same result
    q1, _ = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_array_equal(p1, q1)
    assert model.output_names == ["o1", "o2"]


def test_shared_layer_has_one_set_of_weights():
    x1, x2 = ember.Input(shape=(3,)), ember.Input(shape=(3,))
    shared = layers.Dense(2, name="shared")
    model = ember.Model([x1, x2], layers.Subtract()([shared(x1), shared(x2)]))
    assert len(model.weights) == 2
    xa = np.random.rand(4, 3).astype("float32")
    np.testing.assert_allclose(model.predict([xa, xa], verbose=0), np.zeros((4, 2)), atol=1e-7)
    xb = np.random.rand(4, 3).astype("float32")
    expected = _dense_np(shared, xa) - _dense_np(shared, xb)
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_nested_model_as_a_layer_trains_its_weights():
    inner_in = ember.Input(shape=(3,))
    inner = ember.Model(inner_in, layers.Dense(4, activation="tanh")(inner_in), name="encoder")
    x = ember.Input(shape=(3,))
    model = ember.Model(x, layers.Dense(1)(inner(x)))
    assert model.get_layer("encoder") is inner
    assert len(model.trainable_weights) == 4
    model.compile("sgd", "mse")
    before = inner.get_weights()[0].copy()
    model.fit(np.random.rand(16, 3), np.random.rand(16, 1), epochs=1, verbose=0)
    assert not np.array_equal(before, inner.get_weights()[0])


def test_disconnected_graph_names_the_tensor():
    x, stray = ember.Input(shape=(3,), name="x"), ember.Input(shape=(3,), name="stray_input")
    out = layers.Dense(1, name="head")(layers.Add()([x, stray]))
    with pytest.raises(ValueError, match=r"graph disconnected.*stray_input.*'add"):
        ember.Model(x, out)


def test_get_layer_unknown_lists_names():
    x = ember.Input(shape=(3,))
    model = ember.Model(x, layers.Dense(1, name="only")(x))
    with pytest.raises(ValueError, match="only"):
        model.get_layer("missing")


def test_summary_lists_layers_shapes_and_totals():
    x = ember.Input(shape=(3,))
    model = ember.Model(x, layers.Dense(2, name="out")(layers.Dense(4, name="hid")(x)))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "hid (Dense)" in text and "(None, 4)" in text and "out (Dense)" in text
    assert "Total params: 26 (104.00 B)" in text
    assert "Trainable params: 26" in text and "Non-trainable params: 0" in text


def test_config_round_trip_rebuilds_same_graph():
    a, b = ember.Input(shape=(3,)), ember.Input(shape=(3,))
    shared = layers.Dense(2)
    inner_in = ember.Input(shape=(2,))
    inner = ember.Model(inner_in, layers.Dense(2)(inner_in))
    model = ember.Model([a, b], [inner(shared(a)), layers.Concatenate()([shared(a), shared(b)])])
    rebuilt = ember.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers] == [type(layer).__name__ for layer in model.layers]
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    rebuilt.set_weights(model.get_weights())
    xs = [np.random.rand(4, 3).astype("float32") for _ in range(2)]
    for p, q in zip(model.predict(xs, verbose=0), rebuilt.predict(xs, verbose=0), strict=True):
        np.testing.assert_array_equal(p, q)
    assert json.loads(model.to_json())["class_name"] == "Functional"


def test_masks_flow_through_the_graph():
    x = ember.Input(shape=(4,), dtype="int64")
    emb = layers.Embedding(10, 3, mask_zero=True)(x)
    out = layers.LSTM(2)(emb)
    model = ember.Model(x, out)
    seq = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    trimmed = np.array([[1, 2], [3, 0]])
    full = model.predict(seq, verbose=0)
    # Masked steps are skipped: the first row equals the same model on the unpadded prefix.
    short = model.predict(trimmed, verbose=0)
    np.testing.assert_allclose(full[0], short[0], rtol=1e-5, atol=1e-6)
