"""Recurrent layers: fused kernels' gradients, agreement with PyTorch, masking, states, wrappers, errors."""

import os

import numpy as np
import pytest
import torch

import ember
import ember.testing
from ember import layers
from ember.ops import recurrent as rec
from ember.testing import gradcheck

B, T, F, U = 3, 6, 5, 4


def _x(seed=0, shape=(B, T, F)):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# ---------------------------------------------------------------------- fused kernels (float64 BPTT checks)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("rec_dropout", [False, True])
def test_fused_kernels_gradcheck(masked, rec_dropout):
    rng = np.random.default_rng(1)
    mask = (rng.random((B, T)) > 0.3).astype("float64") if masked else None
    rmask = rng.random((B, U)) * 2 if rec_dropout else None
    n = rng.standard_normal
    gradcheck(lambda xw, h0, u: rec.simple_rnn_sequence(xw, h0, u, mask, rmask),
              [n((B, T, U)), n((B, U)), n((U, U)) * 0.5])  # fmt: skip
    gradcheck(lambda xw, h0, c0, u: rec.lstm_sequence(xw, h0, c0, u, mask, rmask),
              [n((B, T, 4 * U)), n((B, U)), n((B, U)), n((U, 4 * U)) * 0.5])  # fmt: skip
    gradcheck(lambda xw, h0, u, b: rec.gru_sequence(xw, h0, u, b, mask, rmask),
              [n((B, T, 3 * U)), n((B, U)), n((U, 3 * U)) * 0.5, n((3 * U,))])  # fmt: skip


def test_lstm_layer_gradcheck_through_projection():
    ember.config.set_floatx("float64")
    layer = layers.LSTM(U, return_sequences=True)
    layer.build((None, T, F))
    k, rk, b = (w.numpy() for w in layer.weights)

    def f(x, kern, rkern, bias):
        xw = ember.ops.matmul(x, kern) + bias
        h0 = ember.ops.zeros((B, U), dtype="float64")
        return rec.lstm_sequence(xw, h0, h0, rkern)

    gradcheck(f, [_x().astype("float64"), k, rk, b])


# ---------------------------------------------------------------------- PyTorch references
def _torch_rnn(kind, k, rk, b):
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind](F, U, batch_first=True)
    if kind == "gru":  # Keras z, r, h  →  torch r, z, n; Keras bias[0] is the input bias, bias[1] recurrent
        perm = np.r_[U : 2 * U, 0:U, 2 * U : 3 * U]
        k, rk, b_ih, b_hh = k[:, perm], rk[:, perm], b[0][perm], b[1][perm]
    else:  # LSTM i, f, c(g), o is torch's i, f, g, o already
        b_ih, b_hh = b, np.zeros_like(b)
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.tensor(k.T))
        mod.weight_hh_l0.copy_(torch.tensor(rk.T))
        mod.bias_ih_l0.copy_(torch.tensor(b_ih))
        mod.bias_hh_l0.copy_(torch.tensor(b_hh))
    return mod


@pytest.mark.parametrize("kind,cls", [("lstm", layers.LSTM), ("gru", layers.GRU), ("rnn", layers.SimpleRNN)])
def test_matches_torch_forward_and_backward(kind, cls):
    x = _x()
    layer = cls(U, return_sequences=True)
    xt = ember.tensor(x, requires_grad=True)
    out = layer(xt)
    mod = _torch_rnn(kind, *layer.get_weights())
    xtt = torch.tensor(x, requires_grad=True)
    ref = mod(xtt)[0]
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=1e-6, rtol=1e-3)
    cot = np.random.default_rng(2).standard_normal(out.shape).astype("float32")
    (out * ember.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xtt.grad.numpy(), atol=1e-5, rtol=1e-3)
    np.testing.assert_allclose(layer.cell.recurrent_kernel.grad.numpy(), mod.weight_hh_l0.grad.numpy().T[
        :, np.r_[U : 2 * U, 0:U, 2 * U : 3 * U]] if kind == "gru" else mod.weight_hh_l0.grad.numpy().T,
        atol=1e-5, rtol=1e-3)  # fmt: skip


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_fused_path_equals_generic_cell_loop_with_mask_and_states(cls):
    x = _x()
    mask = np.ones((B, T), bool)
    mask[0, 3:] = False
    mask[1, :2] = False
    layer = cls(U, return_sequences=True, return_state=True)
    fused = layer(x, mask=mask)
    loop = layers.RNN(layer.cell, return_sequences=True, return_state=True)(x, mask=mask)
    for a, b in zip(fused, loop, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    seq = fused[0].numpy()
    np.testing.assert_array_equal(seq[0, 3:], np.repeat(seq[0, 2:3], T - 3, axis=0))  # masked: carried over
    np.testing.assert_array_equal(seq[1, :2], 0.0)
    np.testing.assert_array_equal(fused[1].numpy(), seq[:, -1])


def test_gru_reset_before_and_custom_activation_use_cell_loop():
    x = _x()
    layer = layers.GRU(U, reset_after=False, return_sequences=True)
    out = layer(x)
    assert layer.cell.bias.shape == (3 * U,)
    k, rk, b = layer.get_weights()
    h, outs = np.zeros((B, U)), []
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for t in range(T):
        xz, xr, xh = np.split(x[:, t] @ k + b, 3, axis=-1)
        z, r = sig(xz + h @ rk[:, :U]), sig(xr + h @ rk[:, U : 2 * U])
        h = z * h + (1 - z) * np.tanh(xh + (r * h) @ rk[:, 2 * U :])
        outs.append(h)
    np.testing.assert_allclose(out.numpy(), np.stack(outs, 1), atol=1e-5)
    relu = layers.SimpleRNN(U, activation="relu")
    assert relu(x).numpy().min() >= 0


def test_weight_layouts_and_unit_forget_bias():
    lstm = layers.LSTM(U)
    lstm(_x())
    assert [tuple(w.shape) for w in lstm.weights] == [(F, 4 * U), (U, 4 * U), (4 * U,)]
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), np.r_[np.zeros(U), np.ones(U), np.zeros(2 * U)])
    gru = layers.GRU(U)
    gru(_x())
    assert [tuple(w.shape) for w in gru.weights] == [(F, 3 * U), (U, 3 * U), (2, 3 * U)]
    rk = gru.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(rk @ rk.T, np.eye(U), atol=1e-5)  # orthogonal rows (Keras's 'orthogonal')


def test_go_backwards_and_bidirectional_match_torch():
    x = _x()
    fwd = layers.LSTM(U, return_sequences=True)
    fwd(x)
    back = layers.LSTM(U, return_sequences=True, go_backwards=True)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x).numpy(), fwd(x[:, ::-1].copy()).numpy(), atol=1e-6)
    bi = layers.Bidirectional(layers.LSTM(U, return_sequences=True))
    out = bi(x)
    assert out.shape == (B, T, 2 * U) and len(bi.weights) == 6
    k1, r1, b1, k2, r2, b2 = bi.get_weights()
    mod = torch.nn.LSTM(F, U, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for sfx, (k, r, b) in (("", (k1, r1, b1)), ("_reverse", (k2, r2, b2))):
            getattr(mod, "weight_ih_l0" + sfx).copy_(torch.tensor(k.T))
            getattr(mod, "weight_hh_l0" + sfx).copy_(torch.tensor(r.T))
            getattr(mod, "bias_ih_l0" + sfx).copy_(torch.tensor(b))
            getattr(mod, "bias_hh_l0" + sfx).zero_()
    np.testing.assert_allclose(out.numpy(), mod(torch.tensor(x))[0].detach().numpy(), atol=1e-6)


def test_initial_state_stateful_and_stacked_cells():
    x = _x()
    layer = layers.LSTM(U, return_state=True)
    out, h, c = layer(x[:, :3])
    out2, _, _ = layer(x[:, 3:], initial_state=[h, c])
    full, _, _ = layer(x)
    np.testing.assert_allclose(out2.numpy(), full.numpy(), atol=1e-6)
    stateful = layers.GRU(U, stateful=True, batch_size=B)
    stateful.build((None, T, F))
    reference = layers.GRU(U)
    reference(x)
    reference.set_weights(stateful.get_weights())
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), reference(x).numpy(), atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x).numpy(), reference(x).numpy(), atol=1e-6)
    stacked = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_state=True)
    outs = stacked(x)
    assert [tuple(o.shape) for o in outs] == [(B, 2), (B, 3), (B, 3), (B, 2)]


def test_dropout_masks_are_fixed_over_time_and_off_at_inference():
    x = np.ones((2, 4, 3), "float32")
    layer = layers.SimpleRNN(5, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    a, b = layer(x).numpy(), layer(x).numpy()
    np.testing.assert_array_equal(a, b)  # inference: deterministic
    train = layer(x, training=True).numpy()
    assert not np.allclose(train, a)
    drop = layer.cell._dropout_mask.numpy()
    assert set(np.unique(drop)) <= {0.0, 2.0} and drop.shape == (2, 3)


def test_sequential_training_with_embedding_mask(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(64, 7))
    lengths = rng.integers(2, 8, size=64)
    for i, n in enumerate(lengths):
        x[i, n:] = 0  # padding
    y = (x[np.arange(64), lengths - 1] > 5).astype("float32")  # label depends on the last real token
    model = ember.Sequential([
        layers.Embedding(10, 8, mask_zero=True),
        layers.Bidirectional(layers.GRU(8)),
        layers.Dense(1, activation="sigmoid"),
    ])  # fmt: skip
    model.compile(optimizer=ember.optimizers.Adam(0.03), loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    padded = np.concatenate([x, np.zeros((64, 3), x.dtype)], axis=1)
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    path = os.path.join(tmp_path, "w.weights.h5")
    model.save_weights(path)
    before = model.predict(x, verbose=0)
    model.layers[1].forward_layer.cell.kernel.assign(np.zeros((8, 24), "float32"))
    model.load_weights(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)


def test_time_distributed_and_config_round_trip():
    x = _x()
    td = layers.TimeDistributed(layers.Dense(2))
    out = td(x)
    k, b = td.get_weights()
    np.testing.assert_allclose(out.numpy(), x @ k + b, atol=1e-5)
    for layer in (
        layers.LSTM(U, dropout=0.1, go_backwards=True),
        layers.Bidirectional(layers.GRU(U), merge_mode="sum"),
        layers.RNN(layers.LSTMCell(U)),
        td,
    ):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


# ---------------------------------------------------------------------- errors
def test_sequential_input_batch_size_reaches_a_stateful_layer_and_survives_save(tmp_path):
    """Keras's ``Sequential([Input((T, F), batch_size=B), LSTM(..., stateful=True)])`` builds and keeps its state."""
    x = _x()
    model = ember.Sequential([ember.Input((T, F), batch_size=B), layers.LSTM(U, stateful=True)])
    reference = ember.Sequential([ember.Input((T, F)), layers.LSTM(U)])
    reference.set_weights(model.get_weights())
    model(x[:, :2])
    np.testing.assert_allclose(model(x[:, 2:]).numpy(), reference(x).numpy(), atol=1e-6)  # state carried over
    model.save(tmp_path / "stateful.keras")
    loaded = ember.saving.load_model(tmp_path / "stateful.keras")
    assert loaded.layers[0].stateful and loaded._batch_size == B
    np.testing.assert_allclose(loaded(x).numpy(), reference(x).numpy(), atol=1e-6)


def test_bad_input_errors_name_layer_expected_received():
    layer = layers.LSTM(U, name="enc")
    with pytest.raises(ValueError, match=r"LSTM 'enc' expects 3-D input.*Received: shape=\(3, 5\)"):
        layer(np.ones((3, 5), "float32"))
    layer(_x())
    with pytest.raises(ValueError, match=r"LSTM 'enc' expects initial_state as 2 tensor.*\(3, 4\).*Received: 1"):
        layer(_x(), initial_state=[np.zeros((B, U), "float32")])
    with pytest.raises(ValueError, match=r"\[\(3, 4\), \(3, 4\)\]. Received: 2 tensor\(s\) of shapes \[\(3, 5\)"):
        layer(_x(), initial_state=[np.zeros((B, 5), "float32"), np.zeros((B, U), "float32")])
    with pytest.raises(ValueError, match=r"GRU 'st' with stateful=True needs a fixed batch size.*Received"):
        layers.GRU(U, stateful=True, name="st")(ember.Input((T, F)))
    with pytest.raises(ValueError, match=r"LSTM: `units` must be a positive int. Received: units=0"):
        layers.LSTM(0)


@pytest.mark.parametrize(
    "cls,kwargs,out_shape,n_weights",
    [
        (layers.SimpleRNN, {"units": U}, (B, U), 3),
        (layers.LSTM, {"units": U, "return_sequences": True}, (B, T, U), 3),
        (layers.GRU, {"units": U, "go_backwards": True}, (B, U), 3),
        (layers.GRU, {"units": U, "reset_after": False, "return_state": True}, [(B, U), (B, U)], 3),
        (layers.Bidirectional, {"layer": layers.LSTM(U)}, (B, 2 * U), 6),
        (layers.TimeDistributed, {"layer": layers.Dense(2)}, (B, T, 2), 2),
    ],
)
def test_generic_layer_checks(cls, kwargs, out_shape, n_weights):
    ember.testing.run_layer_test(
        cls, init_kwargs=kwargs, input_shape=(B, T, F), expected_output_shape=out_shape,
        expected_num_trainable_weights=n_weights, expected_num_non_trainable_weights=0,
    )  # fmt: skip


def test_functional_encoder_decoder_with_initial_state():
    enc_in, dec_in = ember.Input((5, 3)), ember.Input((4, 3))
    _, h, c = layers.LSTM(8, return_state=True)(enc_in)
    out = layers.TimeDistributed(layers.Dense(2))(layers.LSTM(8, return_sequences=True)(dec_in, initial_state=[h, c]))
    model = ember.Model([enc_in, dec_in], out)
    rng = np.random.default_rng(0)
    xe, xd = rng.random((16, 5, 3)).astype("float32"), rng.random((16, 4, 3)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit([xe, xd], rng.random((16, 4, 2)).astype("float32"), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    enc_out = model.predict([xe, xd], verbose=0)
    xe2 = xe.copy()
    xe2[:, 0] += 1.0  # the encoder's input reaches the decoder through its states
    assert not np.allclose(model.predict([xe2, xd], verbose=0), enc_out)


def test_rnn_with_stacked_cells_generic_checks():
    ember.testing.run_layer_test(
        layers.RNN, init_kwargs={"cell": layers.StackedRNNCells([layers.GRUCell(3), layers.SimpleRNNCell(2)])},
        input_shape=(B, T, F), expected_output_shape=(B, 2), expected_num_trainable_weights=6,
    )  # fmt: skip
