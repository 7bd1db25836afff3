"""The model lifecycle as in Keras 3 (issue 16), checked against real Keras 3 where Keras gives a value.

Covers ``model.build(shape)``, Input-first Sequential and its symbolic views, ``layer.input``/``output``
(feature extraction), callbacks' ``logs`` at every event, ``layer.losses`` per forward pass,
``add_loss``-only training, training without trainable weights, and ``trainable`` toggled after compile.
"""

import numpy as np
import pytest

import ember
from ember import layers as L
from ember import models, ops
from tests.keras_ref.keras_runner import run_keras

_SCRIPT = """
class Sub(ns.Model):
    def __init__(self):
        super().__init__()
        self.a, self.b = ns.layers.Dense(5), ns.layers.Dense(2)
    def call(self, x):
        return self.b(self.a(x))
sub = Sub()
sub.build((None, 4))
seq = ns.Sequential([ns.Input((4,)), ns.layers.Dense(3, activation="relu"), ns.layers.Dense(2)])
feat = ns.Model(inputs=seq.inputs, outputs=[layer.output for layer in seq.layers])
events = []
def record(name, logs):
    keys = sorted(k for k in logs if k != "outputs") if isinstance(logs, dict) else None
    events.append([name, type(logs).__name__, keys])
class Log(ns.callbacks.Callback):
    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda *a, **k: record(name, k["logs"] if "logs" in k else (a[-1] if len(a) > (
                name.endswith(("batch_begin", "batch_end", "epoch_begin", "epoch_end"))) else "absent"))
        return object.__getattribute__(self, name)
seq.compile(optimizer="sgd", loss="mse", metrics=["mae"])
x, y = np.ones((4, 4), "float32"), np.ones((4, 2), "float32")
seq.fit(x, y, batch_size=2, epochs=1, verbose=0, validation_data=(x, y), callbacks=[Log()])
seq.evaluate(x, y, batch_size=4, verbose=0, callbacks=[Log()])
seq.predict(x, batch_size=4, verbose=0, callbacks=[Log()])
result = {
    "sub": [list(w.shape) for w in sub.weights],
    "seq": [list(seq.input_shape), list(seq.output_shape), len(seq.inputs), len(seq.outputs)],
    "feat": [list(o.shape) for o in feat(x)],
    "events": events,
}
"""


def _run_ember():
    namespace = {"ns": ember, "np": np}
    exec(_SCRIPT, namespace)
    result = namespace["result"]
    result["feat"] = [list(o.shape) for o in namespace["feat"](np.ones((4, 4), "float32"))]
    return result


@pytest.fixture(scope="module")
def keras_result():
    return run_keras("ns = keras\n" + _SCRIPT + "result['feat'] = [list(o.shape) for o in feat(x)]\n")


def test_build_views_feature_extraction_and_callback_logs_match_keras(keras_result):
    mine = _run_ember()
    # Keras 3.15 marks a subclassed model built without weights (it warns); ember runs call() once, as
    # tf.keras 2 did, so summary()/set_weights work after build(shape): a documented, deliberate difference.
    assert keras_result["sub"] == [] and mine["sub"] == [[4, 5], [5], [5, 2], [2]]
    assert mine["seq"] == keras_result["seq"]
    assert mine["feat"] == keras_result["feat"] == [[4, 3], [4, 2]]
    assert mine["events"] == keras_result["events"]  # same hooks, in order, each with a dict of the same keys


def test_feature_extractor_outputs_equal_the_layer_activations():
    seq = models.Sequential([L.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)])
    feat = ember.Model(inputs=seq.inputs, outputs=[layer.output for layer in seq.layers])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    hidden, out = feat(x)
    np.testing.assert_allclose(hidden.numpy(), seq.layers[0](x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), seq(x).numpy(), rtol=1e-6)


def test_layer_output_errors_when_never_or_twice_called():
    dense = L.Dense(2)
    with pytest.raises(AttributeError, match="never been called"):
        _ = dense.output
    a, b = ember.Input((3,)), ember.Input((3,))
    dense(a), dense(b)
    with pytest.raises(AttributeError, match="2 inbound nodes"):
        _ = dense.output
    with pytest.raises(AttributeError, match="not built"):
        _ = models.Sequential([L.Dense(2)]).inputs


def test_compute_output_shape_does_not_build_or_create_weights():
    class Custom(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1], 2), name="w")

        def call(self, x):
            return ops.matmul(x, self.w)

    for layer in (Custom(), L.Dense(2), L.LSTM(3), L.Conv1D(2, 3)):
        shape = (None, 6, 4) if isinstance(layer, (L.LSTM, L.Conv1D)) else (None, 4)
        assert layer.compute_output_shape(shape)[0] is None
        assert not layer.built and layer.weights == []


def test_add_weight_after_build_is_tracked_and_trained():
    dense = L.Dense(2)
    dense.build((None, 3))
    extra = dense.add_weight((2,), initializer="zeros", name="extra")
    assert dense.weights[-1] is extra and len(dense.trainable_weights) == 3


def test_load_weights_into_a_differently_built_model_is_a_clear_error(tmp_path):
    a = models.Sequential([L.Input((4,)), L.Dense(3), L.Dense(1)])
    b = models.Sequential([L.Input((4,)), L.Dense(5), L.Dense(1)])
    path = str(tmp_path / "a.weights.h5")
    a.save_weights(path)
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(4, 3\)|\(4, 3\).*\(4, 5\)"):  # both shapes named
        b.load_weights(path)


def test_config_round_trip_rebuilds_the_same_model():
    seq = models.Sequential([L.Input((4,)), L.Dense(3, activation="tanh"), L.Dropout(0.1), L.Dense(2)])
    x = ember.Input((4,))
    fun = ember.Model(x, L.Add()([L.Dense(2)(x), L.Dense(2)(x)]))
    data = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    for model in (seq, fun):
        clone = type(model).from_config(model.get_config())
        assert clone.get_config() == model.get_config()
        clone.set_weights(model.get_weights())
        np.testing.assert_allclose(clone.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)


class _Penalty(L.Layer):
    def call(self, x):
        self.add_loss(ops.mean(x**2))
        return x


def test_losses_reset_each_top_level_call_and_collected_from_nested_layers():
    class Outer(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = _Penalty()

        def call(self, x):
            return self.inner(x)

    outer = Outer()
    for value in (1.0, 3.0):
        outer(np.full((2, 2), value, "float32"))
        assert len(outer.losses) == 1 and len(outer.inner.losses) == 1
        assert outer.losses[0].item() == pytest.approx(value**2)


def test_model_whose_only_loss_is_add_loss_trains_without_compile_loss():
    x = ember.Input((3,))
    model = ember.Model(x, _Penalty()(L.Dense(2)(x)))
    model.compile(optimizer=ember.optimizers.SGD(0.1))
    history = model.fit(np.ones((8, 3), "float32"), epochs=3, verbose=0)
    losses = history.history["loss"]
    assert losses[2] < losses[1] < losses[0]


def test_model_without_trainable_weights_fits_as_a_no_op():
    model = models.Sequential([L.Input((3,)), L.Dense(1, trainable=False)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    history = model.fit(np.ones((8, 3)), np.zeros((8, 1)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    for b, a in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_trainable_toggled_after_compile_warns_and_recompile_silences():
    model = models.Sequential([L.Input((3,)), L.Dense(2), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.layers[0].trainable = False
    x, y = np.ones((4, 3)), np.ones((4, 1))
    with pytest.warns(UserWarning, match="compile"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, verbose=0)  # filterwarnings=error: a second warning would fail here
