"""ConvLSTM1D/2D/3D: outputs and states against real Keras 3 (torch backend) with identical weights, float64
gradients, the generic layer test and bad input."""

import numpy as np
import pytest

import ember
from ember import layers as L
from ember.testing import gradcheck, run_layer_test
from tests.keras_ref.keras_runner import run_keras

CASES = {  # name: (class, kwargs, input shape)
    "1d_valid": ("ConvLSTM1D", {"filters": 3, "kernel_size": 3}, (2, 4, 7, 2)),
    "1d_same_seq_state": (
        "ConvLSTM1D",
        {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True, "return_state": True},
        (2, 3, 5, 3),
    ),
    "2d_valid": ("ConvLSTM2D", {"filters": 2, "kernel_size": 3}, (2, 3, 5, 6, 2)),
    "2d_strides_backwards": (
        "ConvLSTM2D",
        {
            "filters": 3,
            "kernel_size": (2, 3),
            "strides": 2,
            "padding": "same",
            "go_backwards": True,
            "return_sequences": True,
        },
        (1, 3, 5, 6, 2),
    ),
    "2d_dilation": (
        "ConvLSTM2D",
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "return_state": True},
        (2, 2, 6, 5, 1),
    ),
    "3d": ("ConvLSTM3D", {"filters": 2, "kernel_size": 2, "return_sequences": True}, (1, 2, 3, 4, 3, 2)),
}

_SCRIPT = """
def run(ns, cases, num):
    out = {}
    for key, (cls, kwargs, shape) in cases.items():
        rng = np.random.default_rng(len(key))
        x = rng.normal(size=shape).astype("float32")
        layer = getattr(ns.layers, cls)(**kwargs)
        layer.build(shape)
        weights = [rng.normal(scale=0.4, size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        y = layer(x)
        ys = y if isinstance(y, (list, tuple)) else [y]
        out[key] = {"shapes": [list(w.shape) for w in layer.get_weights()], "names": [w.name for w in layer.weights],
                    "outputs": [num(v) for v in ys]}
    return out
"""


def _num(v):
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v).tolist()


def test_outputs_states_and_weight_layout_match_keras_3():
    cases = {k: (c, kw, list(s)) for k, (c, kw, s) in CASES.items()}
    code = _SCRIPT + f"result = run(keras, {cases!r}, lambda v: np.asarray(keras.ops.convert_to_numpy(v)).tolist())\n"
    expected = run_keras(code)
    ns = {"np": np}
    exec(_SCRIPT, ns)
    mine = ns["run"](ember, {k: (c, kw, tuple(s)) for k, (c, kw, s) in cases.items()}, _num)
    for key, want in expected.items():
        got = mine[key]
        assert got["shapes"] == want["shapes"], key
        assert got["names"] == want["names"], key
        assert len(got["outputs"]) == len(want["outputs"]), key
        for a, b in zip(got["outputs"], want["outputs"], strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5, err_msg=key)


def test_float64_gradients_of_inputs_and_weights():
    layer = L.ConvLSTM2D(2, 2, padding="same", return_sequences=True, dtype="float64")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 2, 3, 3, 2))
    layer.build(x.shape)
    w = [rng.normal(scale=0.5, size=v.shape) for v in layer.get_weights()]

    def _forward(x, k, rk, b):
        h = ember.ops.zeros((1, 3, 3, 2), dtype="float64")
        c, outs = h, []
        for t in range(2):
            z = ember.ops.conv(x[:, t], k, 1, "same") + ember.ops.conv(h, rk, 1, "same") + b
            zi, zf, zc, zo = ember.ops.split(z, 4, axis=-1)
            c = ember.ops.sigmoid(zf) * c + ember.ops.sigmoid(zi) * ember.ops.tanh(zc)
            h = ember.ops.sigmoid(zo) * ember.ops.tanh(c)
            outs.append(h)
        return ember.ops.stack(outs, axis=1)

    # the layer against the formula written out, then the layer's own gradient by central differences
    layer.set_weights(w)
    np.testing.assert_allclose(layer(x).numpy(), _forward(ember.tensor(x), *[ember.tensor(v) for v in w]).numpy(),
                               rtol=1e-12, atol=1e-12)  # fmt: skip

    def through_layer(x, k, rk, b):
        cell = layer.cell
        saved = cell.kernel, cell.recurrent_kernel, cell.bias
        cell.kernel, cell.recurrent_kernel, cell.bias = k, rk, b
        try:
            return layer(x)
        finally:
            cell.kernel, cell.recurrent_kernel, cell.bias = saved

    assert gradcheck(through_layer, [x, *w])


def test_stateful_carries_states_and_reset_clears_them():
    x = np.random.default_rng(1).normal(size=(2, 2, 5, 1)).astype("float32")
    layer = L.ConvLSTM1D(2, 3, stateful=True, batch_size=2)
    first, second = layer(x).numpy(), layer(x).numpy()
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(layer(x).numpy(), first, rtol=1e-6)


def test_dropout_is_training_only_and_seeded_masks_fix_per_sequence():
    x = np.ones((2, 3, 5, 2), dtype="float32")
    layer = L.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5)
    clean = layer(x, training=False).numpy()
    np.testing.assert_allclose(layer(x).numpy(), clean)
    assert not np.allclose(layer(x, training=True).numpy(), clean)


@pytest.mark.parametrize("cls,shape,out", [(L.ConvLSTM1D, (2, 3, 6, 2), (2, 4, 2)),
                                           (L.ConvLSTM2D, (2, 3, 5, 5, 2), (2, 3, 3, 2))])  # fmt: skip
def test_generic_layer_test(cls, shape, out):
    run_layer_test(cls, {"filters": 2, "kernel_size": 3}, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=3, expected_num_non_trainable_weights=0)  # fmt: skip


def test_bad_input_names_the_layer():
    with pytest.raises(ValueError, match="ConvLSTM2D.*5-D"):
        L.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 2), dtype="float32"))
    with pytest.raises(ValueError, match="ConvLSTM1D.*strides"):
        L.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="ConvLSTM2D.*padding"):
        L.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(NotImplementedError, match="ConvLSTM2D.*channels_first"):
        L.ConvLSTM2D(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="ConvLSTMCell.*units"):
        L.ConvLSTM2D(0, 3)


def test_keras_file_loads_in_keras_3_with_the_same_outputs(tmp_path):
    model = ember.models.Sequential(
        [ember.layers.Input((3, 5, 5, 2)), L.ConvLSTM2D(3, 3, padding="same", return_sequences=True), L.Flatten()]
    )
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 5, 2)).astype("float32")
    path = tmp_path / "convlstm.keras"
    model.save(path)
    code = f"m = keras.models.load_model({str(path)!r})\nx = np.array({x.tolist()!r}, dtype='float32')\n"
    code += "result = m.predict(x, verbose=0).tolist()\n"
    np.testing.assert_allclose(np.asarray(run_keras(code)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
