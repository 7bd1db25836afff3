"""fit/evaluate features: subclassing, custom train_step (GAN), multi-output compile, weights, epochs, batches."""

import numpy as np
import pytest

import ember
from ember import layers, ops


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3)).astype("float32")
    return x, (x.sum(axis=1) > 1.5).astype("int64")


def _mlp(out=2, activation="softmax"):
    return ember.Sequential([layers.Dense(4, activation="relu", input_dim=3), layers.Dense(out, activation=activation)])


class TwoLayer(ember.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(4, activation="relu")
        self.out = layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def test_subclassed_model_fits_and_tracks_weights():
    x, y = _data()
    model = TwoLayer()
    model.compile("adam", "mse")
    history = model.fit(x, y.astype("float32"), epochs=3, verbose=0)
    assert len(model.trainable_weights) == 4
    assert history.history["loss"][-1] < history.history["loss"][0]


class TinyGAN(ember.Model):
    """Overrides train_step with two optimizers, as a Keras GAN does."""

    def __init__(self):
        super().__init__()
        self.generator = ember.Sequential([layers.Dense(2, input_dim=2)])
        self.discriminator = ember.Sequential([layers.Dense(1, activation="sigmoid", input_dim=2)])
        self.d_tracker, self.g_tracker = ember.metrics.Mean(name="d_loss"), ember.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.bce = ember.losses.BinaryCrossentropy()

    @property
    def metrics(self):
        return [self.d_tracker, self.g_tracker]

    def train_step(self, data):
        real = data  # fit(x) with no targets passes the bare batch, as Keras does
        n = len(real)
        noise = ember.random.normal((n, 2))
        fake = self.generator(noise)
        d_vars = self.discriminator.trainable_weights
        d_loss = self.bce(ops.ones((n, 1)), self.discriminator(real)) + self.bce(
            ops.zeros((n, 1)), self.discriminator(fake.detach())
        )
        d_loss.backward()
        self.d_optimizer.apply([v.grad for v in d_vars], d_vars)
        self.d_optimizer.zero_grad(d_vars + self.generator.trainable_weights)
        g_vars = self.generator.trainable_weights
        g_loss = self.bce(ops.ones((n, 1)), self.discriminator(self.generator(noise)))
        g_loss.backward()
        self.g_optimizer.apply([v.grad for v in g_vars], g_vars)
        self.g_optimizer.zero_grad(g_vars + d_vars)
        self.d_tracker.update_state(float(d_loss.item()))
        self.g_tracker.update_state(float(g_loss.item()))
        return {m.name: m.result() for m in self.metrics}


def test_gan_custom_train_step_uses_fit_with_two_optimizers():
    gan = TinyGAN()
    gan.compile(ember.optimizers.Adam(1e-3), ember.optimizers.Adam(1e-3))
    real = np.random.default_rng(0).normal(3.0, 0.5, (64, 2)).astype("float32")
    g_before, d_before = gan.generator.get_weights(), gan.discriminator.get_weights()
    history = gan.fit(real, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"} and len(history.history["d_loss"]) == 2
    assert gan.d_optimizer.iterations == 8 and gan.g_optimizer.iterations == 8
    assert not np.array_equal(g_before[0], gan.generator.get_weights()[0])
    assert not np.array_equal(d_before[0], gan.discriminator.get_weights()[0])


def test_class_weight_equals_matching_sample_weight():
    x, y = _data()
    a, b = _mlp(), _mlp()
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile("sgd", "sparse_categorical_crossentropy")
    a.fit(x, y, class_weight={0: 1.0, 1: 3.0}, epochs=1, shuffle=False, verbose=0)
    b.fit(x, y, sample_weight=np.where(y == 1, 3.0, 1.0), epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_sample_weight_zero_ignores_samples():
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    weights = np.r_[np.ones(16), np.zeros(16)]
    full = model.evaluate(x[:16], y[:16], verbose=0)
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0, batch_size=32)
    assert weighted == pytest.approx(full * 0.5, rel=1e-5)  # sum_over_batch_size divides by the full batch


def test_initial_epoch_steps_per_epoch_and_validation_freq():
    x, y = _data()
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    steps = []
    cb = ember.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    history = model.fit(x, y, epochs=5, initial_epoch=2, steps_per_epoch=2, batch_size=4, validation_data=(x, y),
                        validation_freq=2, callbacks=[cb], verbose=0)  # fmt: skip
    assert history.epoch == [2, 3, 4]
    assert steps == [0, 1] * 3
    assert model.optimizer.iterations == 6
    assert len(history.history["loss"]) == 3
    assert len(history.history["val_loss"]) == 1  # only epoch index 3 (the 4th) is a multiple of 2


def test_on_batch_methods():
    x, y = _data(8)
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.test_on_batch(x, y)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [loss, acc], rtol=1e-6)
    before = model.get_weights()[0].copy()
    out = model.train_on_batch(x, y, return_dict=True)
    assert set(out) == {"loss", "accuracy"} and out["loss"] == pytest.approx(loss, rel=1e-6)
    assert not np.array_equal(before, model.get_weights()[0])
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, verbose=0))


def _two_head_model():
    x = ember.Input(shape=(3,))
    h = layers.Dense(8, activation="relu")(x)
    return ember.Model(x, [layers.Dense(1, name="reg")(h), layers.Dense(2, activation="softmax", name="cls")(h)])


def test_multi_output_losses_weights_and_log_keys():
    x, y = _data()
    yr = x.sum(axis=1, keepdims=True)
    model = _two_head_model()
    model.compile("adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 2.0}, metrics={"cls": ["accuracy"]}, run_eagerly=True)  # fmt: skip
    history = model.fit(x, [yr, y], epochs=1, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "cls_accuracy",
                                    "val_loss", "val_reg_loss", "val_cls_loss", "val_cls_accuracy"}  # fmt: skip
    logs = model.evaluate(x, {"reg": yr, "cls": y}, verbose=0, return_dict=True, batch_size=32)
    assert logs["loss"] == pytest.approx(0.5 * logs["reg_loss"] + 2.0 * logs["cls_loss"], rel=1e-5)
    reg_pred, cls_pred = model.predict(x, verbose=0)
    assert logs["reg_loss"] == pytest.approx(float(np.mean((reg_pred - yr) ** 2)), rel=1e-4)


def test_multi_output_list_losses_and_bad_lengths():
    model = _two_head_model()
    with pytest.raises(ValueError, match=r"one entry per output \(2"):
        model.compile("adam", loss=["mse"] * 3)
    with pytest.raises(ValueError, match="not output names"):
        model.compile("adam", loss={"nope": "mse"})
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"], metrics=[[], ["accuracy"]])
    x, y = _data()
    with pytest.raises(ValueError, match="one target array per output"):
        model.fit(x, y, verbose=0)
    history = model.fit(x, [x[:, :1], y], epochs=1, verbose=0)
    assert "cls_accuracy" in history.history and "reg_loss" in history.history


def test_train_step_receives_keras_packed_batches():
    seen = []

    class Spy(TwoLayer):
        def train_step(self, data):
            seen.append(tuple(len(d) for d in data) if isinstance(data, tuple) else ("x", len(data)))
            return super().train_step(data)

    x, y = _data(10)
    model = Spy()
    model.compile("sgd", "mse")
    model.fit(x, y.astype("float32"), batch_size=4, epochs=1, verbose=0)
    assert seen == [(4, 4), (4, 4), (2, 2)]  # (x, y)
    seen.clear()
    model.fit(x, y.astype("float32"), sample_weight=np.ones(10), batch_size=8, epochs=1, verbose=0)
    assert seen == [(8, 8, 8), (2, 2, 2)]  # (x, y, sample_weight)


def test_pack_and_unpack_follow_keras():
    from ember.utils import pack_x_y_sample_weight, unpack_x_y_sample_weight

    x, y, w = np.ones(2), np.zeros(2), np.ones(2)
    assert pack_x_y_sample_weight(x) is x
    assert pack_x_y_sample_weight([x, x]) == ([x, x],)
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight(x, y)) == (x, y, None)
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight(x, y, w)) == (x, y, w)
    assert unpack_x_y_sample_weight(([x, x],))[0] == [x, x]
    with pytest.raises(ValueError, match="expected to be in format"):
        unpack_x_y_sample_weight((x, y, w, w))


def test_dict_outputs_train_predict_and_save(tmp_path):
    x_in = ember.Input(shape=(3,))
    h = layers.Dense(8, activation="relu")(x_in)
    model = ember.Model(x_in, {"value": layers.Dense(1)(h), "label": layers.Dense(2, activation="softmax")(h)})
    assert model.output_names == ["value", "label"]
    model.compile("adam", loss={"value": "mse", "label": "sparse_categorical_crossentropy"},
                  metrics={"label": ["accuracy"]})  # fmt: skip
    x, y = _data()
    history = model.fit(x, {"value": x[:, :1], "label": y}, epochs=1, verbose=0)
    assert {"loss", "value_loss", "label_loss", "label_accuracy"} == set(history.history)
    pred = model.predict(x, verbose=0)
    assert set(pred) == {"value", "label"} and pred["label"].shape == (32, 2)
    model.save(str(tmp_path / "d.keras"))
    loaded = ember.models.load_model(str(tmp_path / "d.keras"))
    again = loaded.predict(x, verbose=0)
    np.testing.assert_array_equal(again["value"], pred["value"])


def test_compile_accepts_keras_extras_and_rejects_unknown_keywords():
    model = _mlp(out=1, activation=None)
    model.compile("adam", "mse", jit_compile=False, steps_per_execution=1, weighted_metrics=["mae"])
    x, y = _data(8)
    assert set(model.fit(x, y.astype("float32"), verbose=0).history) == {"loss", "mae"}
    with pytest.raises(TypeError, match="bogus"):
        model.compile("adam", "mse", bogus=1)


def test_freezing_after_fit_excludes_frozen_weights_at_next_fit():
    """train_step reads trainable_weights every step: a layer frozen between two fits must not move in the second."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)).astype("float32"), rng.standard_normal((16, 1)).astype("float32")
    model = ember.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    first, second = model.layers
    first.trainable = False
    assert [id(w) for w in model.trainable_weights] == [id(second.kernel), id(second.bias)]
    frozen = [w.numpy().copy() for w in first.weights]
    moving = [w.numpy().copy() for w in second.weights]
    with pytest.warns(UserWarning, match="compile"):  # Keras needs a re-compile for the change: ember warns
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for before, w in zip(frozen, first.weights, strict=True):
        np.testing.assert_array_equal(before, w.numpy())
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(moving, second.weights, strict=True))
