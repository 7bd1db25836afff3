"""compile(jit_compile=True): every family trains to the same weights as eager mode (docs/graph_mode.md)."""

import numpy as np
import pytest

import ember
from ember import layers, models
from ember.graph import GraphFallbackWarning

STEPS, BATCH = 100, 8


def _data(shape, kind, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((STEPS * BATCH, *shape)).astype("float32")
    if kind == "tokens":  # token ids with zero padding at the end (masked)
        x = rng.integers(1, 7, (STEPS * BATCH, *shape)) * (np.arange(shape[0]) < rng.integers(2, 6, (STEPS * BATCH, 1)))
        return x.astype("int32"), rng.integers(0, 3, STEPS * BATCH)
    if kind == "classes":
        y = rng.integers(0, 3, STEPS * BATCH)
    elif kind == "binary":
        y = rng.integers(0, 2, (STEPS * BATCH, 1)).astype("float32")
    else:
        y = rng.standard_normal((STEPS * BATCH, 1)).astype("float32")
    return x, y


def _mlp():
    return models.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)]), (6,), "classes"


def _cnn():
    return models.Sequential([layers.Input((6, 6, 2)), layers.Conv2D(3, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(3)]), (6, 6, 2), "classes"  # fmt: skip


def _lstm():
    return models.Sequential([layers.Input((4, 3)), layers.LSTM(5), layers.Dense(1)]), (4, 3), "regression"


def _gru():
    return models.Sequential([layers.Input((4, 3)), layers.GRU(5, return_sequences=True),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)]), (4, 3), "regression"  # fmt: skip


def _transformer():
    inp = layers.Input((4, 8))
    h = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp)
    h = layers.LayerNormalization()(layers.Add()([inp, h]))
    h = layers.GlobalAveragePooling1D()(layers.Dense(8, activation="relu")(h))
    return models.Model(inp, layers.Dense(3)(h)), (4, 8), "classes"


def _embedding_masked_lstm():
    return models.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(7, 4, mask_zero=True),
                              layers.LSTM(5, recurrent_dropout=0.2), layers.Dense(3)]), (5,), "tokens"  # fmt: skip


def _bn_dropout():
    stack = [layers.Input((6,)), layers.Dense(8), layers.BatchNormalization(), layers.Activation("relu"),
             layers.Dropout(0.3), layers.GaussianNoise(0.1), layers.Dense(1, activation="sigmoid")]  # fmt: skip
    return models.Sequential(stack), (6,), "binary"


LOSSES = {"classes": ember.losses.SparseCategoricalCrossentropy(from_logits=True), "regression": "mse",
          "binary": "binary_crossentropy", "tokens": ember.losses.SparseCategoricalCrossentropy(from_logits=True)}
# fmt: skip
FAMILIES = {"mlp": _mlp, "cnn": _cnn, "lstm": _lstm, "gru": _gru, "transformer": _transformer,
            "bn_dropout": _bn_dropout, "embedding_masked_lstm": _embedding_masked_lstm}  # fmt: skip


def _train(family, jit):
    ember.utils.set_random_seed(0)
    model, shape, kind = FAMILIES[family]()
    metrics = ["accuracy"] if kind != "regression" else ["mae"]
    model.compile(optimizer="adam", loss=LOSSES[kind], metrics=metrics, jit_compile=jit)
    x, y = _data(shape, kind)
    ember.utils.set_random_seed(1)  # dropout/noise draws: same stream in both modes
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    state = model.optimizer.get_state(model.trainable_weights)
    return model, history.history, state, model.evaluate(x[:64], y[:64], verbose=0), model.predict(x[:16], verbose=0)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_graph_mode_trains_to_eager_weights(family):
    eager, h_eager, s_eager, e_eager, p_eager = _train(family, False)
    jit, h_jit, s_jit, e_jit, p_jit = _train(family, True)
    assert jit._jit is not None and eager._jit is None
    assert jit._jit.train.trace_count == 1 and jit._jit.train.untraceable is None  # traced once, replayed 99 times
    assert int(s_jit["iterations"]) == STEPS == int(s_eager["iterations"])
    for a, b in zip(eager.get_weights(), jit.get_weights(), strict=True):  # BN moving statistics included
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    for key in s_eager:  # Adam slots
        np.testing.assert_allclose(s_jit[key], s_eager[key], rtol=1e-5, atol=1e-7)
    for key in h_eager:
        np.testing.assert_allclose(h_jit[key], h_eager[key], rtol=1e-5)
    np.testing.assert_allclose(e_jit, e_eager, rtol=1e-5)
    np.testing.assert_allclose(p_jit, p_eager, rtol=1e-5, atol=1e-7)


def test_batchnorm_statistics_and_dropout_masks_change_at_every_replay():
    model, shape, kind = _bn_dropout()
    model.compile(optimizer="sgd", loss="binary_crossentropy", jit_compile=True)
    x, y = _data(shape, kind)
    bn = model.layers[1]
    seen, masks = [], []
    for i in range(4):
        model.train_on_batch(x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
        seen.append(bn.moving_mean.numpy().copy())
    assert all(not np.array_equal(a, b) for a, b in zip(seen, seen[1:], strict=False))
    fn = ember.function(lambda t: model.layers[3](t, training=True))
    ones = ember.tensor(np.ones((4, 8), dtype="float32"))
    masks = [fn(ones).numpy() for _ in range(3)]
    assert not np.array_equal(masks[1], masks[2]) and set(np.unique(masks[2])) <= {0.0, np.float32(1 / 0.7)}


def test_auto_and_false_and_custom_steps():
    model, _, _ = _mlp()
    model.compile(optimizer="adam", loss="mse")
    assert model._jit is not None  # "auto", Keras's default
    model.compile(optimizer="adam", loss="mse", jit_compile=False)
    assert model._jit is None
    model.compile(optimizer="adam", loss="mse", jit_compile="auto", run_eagerly=True)
    assert model._jit is None
    with pytest.raises(ValueError, match="jit_compile"):
        model.compile(optimizer="adam", loss="mse", jit_compile="yes")

    class Custom(models.Sequential):
        def train_step(self, data):
            return super().train_step(data)

    custom = Custom([layers.Input((6,)), layers.Dense(3)])
    custom.compile(optimizer="adam", loss="mse", jit_compile="auto")
    assert custom._jit is None
    with pytest.warns(GraphFallbackWarning, match="custom"):
        custom.compile(optimizer="adam", loss="mse", jit_compile=True)
    assert custom._jit is None
    rnn = models.Sequential([layers.Input((4, 3), batch_size=2), layers.LSTM(2, stateful=True)])
    rnn.compile(optimizer="adam", loss="mse")
    assert rnn._jit is None


def test_freezing_a_layer_between_steps_retraces():
    model, shape, kind = _mlp()
    model.compile(optimizer="sgd", loss=LOSSES[kind])
    x, y = _data(shape, kind)
    model.train_on_batch(x[:BATCH], y[:BATCH])
    model.layers[0].trainable = False
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    model.train_on_batch(x[BATCH:2 * BATCH], y[BATCH:2 * BATCH])
    assert model._jit.train.trace_count == 2
    for a, b in zip(frozen, model.layers[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_steps_per_execution_groups_batch_callbacks():
    ends = []

    class Count(ember.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ends.append(batch)

    model, shape, kind = _mlp()
    model.compile(optimizer="adam", loss=LOSSES[kind], steps_per_execution=4)
    x, y = _data(shape, kind)
    model.fit(x[:80], y[:80], batch_size=BATCH, verbose=0, callbacks=[Count()])
    assert ends == [3, 7, 9] and model.optimizer.iterations == 10
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile(optimizer="adam", loss="mse", steps_per_execution=0)


class _Branchy(layers.Layer):
    """Data-dependent Python: a replayed graph would keep the first batch's branch."""

    def call(self, x):
        return x * 2.0 if float(x.mean()) > 0 else x * -1.0


def test_data_dependent_layer_falls_back_to_eager_silently_with_auto_and_loudly_with_true():
    def build():
        ember.utils.set_random_seed(0)
        return models.Sequential([layers.Input((6,)), _Branchy(), layers.Dense(1)])

    x, y = _data((6,), "regression")
    x[::2] = np.abs(x[::2]) + 1.0  # batches alternate in sign of their mean
    x[1::2] = -np.abs(x[1::2]) - 1.0
    results = {}
    for jit in (False, "auto", True):
        model = build()
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
        if jit is True:
            with pytest.warns(GraphFallbackWarning, match="_Branchy|call"):
                model.fit(x[:80], y[:80], batch_size=1, verbose=0, shuffle=False)
        else:
            model.fit(x[:80], y[:80], batch_size=1, verbose=0, shuffle=False)
        results[jit] = model.get_weights()
    for jit in ("auto", True):
        for a, b in zip(results[False], results[jit], strict=True):
            np.testing.assert_array_equal(a, b)
