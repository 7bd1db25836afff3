"""load_state_dict: every converted torch layer type gives torch's outputs within 1e-5 (float32).

Each test makes a torch module with random weights (BatchNorm statistics too), loads its ``state_dict()``
into the matching ember layer or model with ``ember.interop.torch.load_state_dict`` and compares outputs.
"""

import numpy as np
import pytest
import torch
from torch import nn

import ember
import ember.interop.torch as et
from ember import layers as L

TOL = {"rtol": 1e-5, "atol": 1e-5}


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _randomized(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * (0.5 if "weight" in name else 0.2))
        for name, b in module.named_buffers():
            if "running_mean" in name:
                b.copy_(torch.randn_like(b) * 0.3)
            elif "running_var" in name:
                b.copy_(torch.rand_like(b) + 0.5)
    return module.eval()


def _compare(module, layer, x, to_torch=lambda t: t, from_torch=lambda t: t, **call):
    module = _randomized(module)
    layer(ember.tensor(x), **call)  # build
    pairs = et.load_state_dict(layer, module.state_dict())
    with torch.no_grad():
        expected = from_torch(module(to_torch(torch.tensor(x))))
    expected = expected[0] if isinstance(expected, tuple) else expected
    np.testing.assert_allclose(layer(ember.tensor(x), **call).numpy(), expected.numpy(), **TOL)
    return pairs


NCHW, NHWC = (lambda t: t.permute(0, 3, 1, 2)), (lambda t: t.permute(0, 2, 3, 1))
NCL, NLC = (lambda t: t.permute(0, 2, 1)), (lambda t: t.permute(0, 2, 1))


def test_linear_to_dense():
    pairs = _compare(nn.Linear(5, 3), L.Dense(3), _x(4, 5))
    assert [k for _, k in pairs] == ["weight", "bias"]


def test_conv1d_to_conv1d():
    _compare(nn.Conv1d(4, 6, 3, stride=2), L.Conv1D(6, 3, strides=2), _x(2, 11, 4), NCL, NLC)


def test_conv2d_to_conv2d():
    _compare(nn.Conv2d(3, 5, 3, stride=2, bias=True), L.Conv2D(5, 3, strides=2), _x(2, 9, 9, 3), NCHW, NHWC)


def test_grouped_conv2d():
    _compare(nn.Conv2d(4, 6, 3, groups=2), L.Conv2D(6, 3, groups=2), _x(2, 7, 7, 4), NCHW, NHWC)


def test_depthwise_conv2d_with_multiplier():
    layer = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    _compare(nn.Conv2d(4, 8, 3, padding=1, groups=4), layer, _x(2, 7, 7, 4), NCHW, NHWC)


def test_conv_transpose_2d():
    layer = L.Conv2DTranspose(5, 3, strides=2)
    _compare(nn.ConvTranspose2d(4, 5, 3, stride=2), layer, _x(2, 5, 5, 4), NCHW, NHWC)


def test_conv_transpose_1d():
    _compare(nn.ConvTranspose1d(4, 5, 3, stride=2), L.Conv1DTranspose(5, 3, strides=2), _x(2, 6, 4), NCL, NLC)


def test_batchnorm_running_statistics():
    layer = L.BatchNormalization(epsilon=1e-5)
    pairs = _compare(nn.BatchNorm2d(6), layer, _x(2, 4, 4, 6), NCHW, NHWC, training=False)
    assert [k for _, k in pairs] == ["weight", "bias", "running_mean", "running_var"]  # num_batches_tracked skipped


def test_layernorm():
    _compare(nn.LayerNorm(6), L.LayerNormalization(epsilon=1e-5), _x(3, 4, 6))


def test_embedding():
    ids = np.array([[0, 3, 9], [2, 2, 1]])
    _compare(nn.Embedding(10, 4), L.Embedding(10, 4), ids)


def test_lstm_gates_and_two_biases():
    pairs = _compare(nn.LSTM(5, 7, batch_first=True), L.LSTM(7, return_sequences=True), _x(2, 6, 5))
    assert [k for _, k in pairs] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0"]


def test_gru_reset_after_gate_order():
    _compare(nn.GRU(5, 7, batch_first=True), L.GRU(7, return_sequences=True), _x(2, 6, 5))


def test_gru_reset_before_is_refused():
    layer = L.GRU(7, reset_after=False)
    layer(ember.tensor(_x(1, 2, 5)))
    with pytest.raises(ValueError, match="reset_after"):
        et.load_state_dict(layer, nn.GRU(5, 7, batch_first=True).state_dict())


def test_simple_rnn():
    _compare(nn.RNN(5, 7, batch_first=True), L.SimpleRNN(7, return_sequences=True), _x(2, 6, 5))


def test_stacked_lstm_into_two_layers():
    module = _randomized(nn.LSTM(5, 7, num_layers=2, batch_first=True))
    model = ember.models.Sequential([L.Input((6, 5)), L.LSTM(7, return_sequences=True),
                                     L.LSTM(7, return_sequences=True)])  # fmt: skip
    et.load_state_dict(model, module.state_dict())
    x = _x(2, 6, 5)
    with torch.no_grad():
        expected = module(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(model(ember.tensor(x)).numpy(), expected, **TOL)


def test_multihead_attention_in_proj_split():
    module = _randomized(nn.MultiheadAttention(8, 2, batch_first=True))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = _x(2, 5, 8), _x(2, 3, 8, seed=1)
    layer(ember.tensor(q), ember.tensor(v))
    et.load_state_dict(layer, module.state_dict())
    with torch.no_grad():
        expected = module(torch.tensor(q), torch.tensor(v), torch.tensor(v), need_weights=False)[0].numpy()
    np.testing.assert_allclose(layer(ember.tensor(q), ember.tensor(v)).numpy(), expected, **TOL)


class _TorchCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Linear(4 * 3 * 3, 5), nn.ReLU(), nn.Linear(5, 3))

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


def _ember_cnn():
    return ember.models.Sequential([
        L.Input((6, 6, 1)), L.Conv2D(4, 3, padding="same", name="c"), L.BatchNormalization(epsilon=1e-5, name="bn"),
        L.ReLU(), L.MaxPooling2D(2), L.Flatten(), L.Dense(5, activation="relu", name="d1"), L.Dense(3, name="d2"),
    ])  # fmt: skip


def test_sequential_cnn_with_flatten_row_permutation():
    module, model, x = _randomized(_TorchCNN()), _ember_cnn(), _x(3, 6, 6, 1)
    et.load_state_dict(model, module.state_dict())
    with torch.no_grad():
        expected = module(NCHW(torch.tensor(x))).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **TOL)


def test_explicit_mapping_by_layer_and_by_weight():
    module, model, x = _randomized(_TorchCNN()), _ember_cnn(), _x(3, 6, 6, 1)
    mapping = {"c": "conv.0", "bn": "conv.1", "d1/kernel": "fc.0.weight", "d1/bias": "fc.0.bias", "d2": "fc.2"}
    pairs = et.load_state_dict(model, module.state_dict(), mapping=mapping)
    assert ("d1/kernel", "fc.0.weight") in pairs
    with torch.no_grad():
        expected = module(NCHW(torch.tensor(x))).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **TOL)


def test_load_from_a_file_path(tmp_path):
    module, model, x = _randomized(_TorchCNN()), _ember_cnn(), _x(3, 6, 6, 1)
    torch.save({"epoch": 3, "state_dict": module.state_dict()}, tmp_path / "ckpt.pth")
    et.load_state_dict(model, tmp_path / "ckpt.pth")
    with torch.no_grad():
        expected = module(NCHW(torch.tensor(x))).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **TOL)


def _assert_unchanged(model, before):
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_shape_mismatch_names_weight_key_and_shapes_and_changes_nothing():
    module, model = _randomized(_TorchCNN()), _ember_cnn()
    sd = module.state_dict()
    sd["fc.2.weight"] = torch.zeros(4, 5)  # the last layer is wrong: everything before must stay untouched
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"'d2/kernel'.*\(5, 3\).*'fc\.2\.weight' of shape \(4, 5\)"):
        et.load_state_dict(model, sd)
    _assert_unchanged(model, before)


def test_strict_counts_missing_and_extra_keys():
    model = _ember_cnn()
    before = model.get_weights()
    sd = _randomized(_TorchCNN()).state_dict()
    with pytest.raises(ValueError, match="4 layers with weights.*3 modules"):
        et.load_state_dict(model, {k: v for k, v in sd.items() if not k.startswith("fc.2")})
    with pytest.raises(ValueError, match="lacks"):
        et.load_state_dict(model, {k: v for k, v in sd.items() if k != "conv.1.running_var"})
    with pytest.raises(ValueError, match="neither a layer nor a weight path"):
        et.load_state_dict(model, sd, mapping={"nope": "conv.0"})
    with pytest.raises(ValueError, match="leaves these ember weights unset"):
        et.load_state_dict(model, sd, mapping={"c": "conv.0"})
    full = {"c": "conv.0", "bn": "conv.1", "d1": "fc.0", "d2": "fc.2"}
    with pytest.raises(ValueError, match=r"uses none of these torch keys: \['extra.weight'\]"):
        et.load_state_dict(model, {**sd, "extra.weight": torch.zeros(2)}, mapping=full)
    _assert_unchanged(model, before)
    et.load_state_dict(model, sd, mapping={"c": "conv.0"}, strict=False)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), sd["conv.0.weight"].numpy().transpose(2, 3, 1, 0))


@pytest.mark.parametrize("torch_cell, ember_cell", [
    (nn.LSTMCell(5, 7), L.LSTMCell(7)), (nn.GRUCell(5, 7), L.GRUCell(7)), (nn.RNNCell(5, 7), L.SimpleRNNCell(7)),
], ids=["lstm", "gru", "simple"])  # fmt: skip
def test_rnn_cells_one_step_with_state(torch_cell, ember_cell):
    torch_cell = _randomized(torch_cell)
    x, h = _x(3, 5), _x(3, 7, seed=1)
    states = [ember.tensor(h), ember.tensor(h * 0.5)] if isinstance(ember_cell, L.LSTMCell) else [ember.tensor(h)]
    ember_cell(ember.tensor(x), states)
    et.load_state_dict(ember_cell, torch_cell.state_dict())
    with torch.no_grad():
        t_state = (torch.tensor(h), torch.tensor(h * 0.5)) if isinstance(torch_cell, nn.LSTMCell) else torch.tensor(h)
        out = torch_cell(torch.tensor(x), t_state)
        expected = out[0] if isinstance(out, tuple) else out
    got, _ = ember_cell(ember.tensor(x), states)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), **TOL)


def test_bidirectional_lstm():
    module = _randomized(nn.LSTM(5, 7, batch_first=True, bidirectional=True))
    layer = L.Bidirectional(L.LSTM(7, return_sequences=True))
    x = _x(2, 6, 5)
    layer(ember.tensor(x))
    pairs = et.load_state_dict(layer, module.state_dict())
    assert [k for _, k in pairs] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "weight_ih_l0_reverse",
                                     "weight_hh_l0_reverse", "bias_ih_l0_reverse"]  # fmt: skip
    with torch.no_grad():
        expected = module(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(layer(ember.tensor(x)).numpy(), expected, **TOL)
