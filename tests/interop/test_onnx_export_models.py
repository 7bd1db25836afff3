"""Issue 13 §1: the example models of examples/ exported to ONNX equal model.predict in onnxruntime, and the
export-side bad input (unbuilt model, subclassed model, layers without an ONNX form) fails clearly."""

import importlib.util
import pathlib

import numpy as np
import pytest
from onnx_export_check import export_and_compare, make_inputs, randomize, session

import ember
from ember import layers
from ember.interop.onnx import ExportError, export

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
F = "float32"


def example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vae_decoder():
    vae = example("vae_mnist").VAE(latent=16, hidden=32)
    vae(np.zeros((2, 784), F))
    return ember.Sequential([ember.Input((16,)), vae.decoder_hidden, vae.decoder_logits]), [((16,), F, None)]


def _inverted_residuals():
    """Two MobileNetV2 inverted-residual blocks as keras.applications builds them (stride 2 with ZeroPadding2D +
    'valid' depthwise, then stride 1 with the residual Add), ReLU(6.), BatchNormalization, global pooling."""
    x = ember.Input((16, 16, 3))
    h = layers.ReLU(6.0)(layers.BatchNormalization()(layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(x)))
    for stride in (2, 1):
        y = layers.ReLU(6.0)(layers.BatchNormalization()(layers.Conv2D(48, 1, use_bias=False)(h)))
        if stride == 2:
            y = layers.ZeroPadding2D(((0, 1), (0, 1)))(y)
        y = layers.DepthwiseConv2D(3, strides=stride, padding="valid" if stride == 2 else "same", use_bias=False)(y)
        y = layers.ReLU(6.0)(layers.BatchNormalization()(y))
        y = layers.BatchNormalization()(layers.Conv2D(8, 1, use_bias=False)(y))
        h = layers.Add()([h, y]) if stride == 1 else y
    out = layers.Dense(10, activation="softmax")(layers.Dropout(0.2)(layers.GlobalAveragePooling2D()(h)))
    return ember.Model(x, out), [((16, 16, 3), F, None)]


MODELS = {
    "mobilenet_v2_blocks": _inverted_residuals,
    "mlp_mnist": lambda: (example("mlp_mnist").build_model(hidden=64), [((784,), F, None)]),
    "cnn_mnist": lambda: (example("cnn_mnist").build_model(), [((28, 28, 1), F, None)]),
    "autoencoder_mnist": lambda: (example("autoencoders_mnist").build()[0], [((784,), F, None)]),
    "vae_mnist_decoder": _vae_decoder,
    "mnist1d_cnn": lambda: (example("mnist1d_models").build("cnn"), [((40,), F, None)]),
    "mnist1d_bilstm": lambda: (example("mnist1d_models").build("lstm"), [((40,), F, None)]),
    "mnist1d_bigru": lambda: (example("mnist1d_models").build("gru"), [((40,), F, None)]),
    "mnist1d_transformer": lambda: (example("mnist1d_models").transformer_classifier(), [((40,), F, None)]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_example_model_matches_predict(name, tmp_path):
    model, specs = MODELS[name]()
    randomize(model)
    export_and_compare(model, specs, tmp_path / f"{name}.onnx")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_tweets_rnn_with_mask_zero_exports_from_input_signature(cell, tmp_path):
    """rnn_tweets_sentiment: an unbuilt Sequential (Embedding(mask_zero=True) -> LSTM/GRU), right-padded tokens."""
    model = example("rnn_tweets_sentiment").build_model(cell, vocab_size=50, units=8, embed=8)
    path = tmp_path / "tweets.onnx"
    with pytest.raises(ExportError, match="not built.*input_signature"):
        export(model, path)
    export(model, path, input_signature=(None, 12))
    randomize(model)
    proto = export(model, path, input_signature=(None, 12))
    assert proto.graph.input[0].type.tensor_type.elem_type == 7  # int64 token ids
    x = make_inputs([((12,), "int64", 50, "padded")], 7)[0]
    sess = session(path)
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


def test_multi_input_multi_output_functional_names(tmp_path):
    a, b = ember.Input((4,), name="left"), ember.Input((3,), name="right")
    h = layers.Concatenate()([layers.Dense(5, name="proj")(a), b])
    model = ember.Model([a, b], [layers.Dense(2, name="head_a")(h), layers.Dense(1, name="head_b")(h)])
    randomize(model)
    export_and_compare(model, [((4,), F, None), ((3,), F, None)], tmp_path / "m.onnx")
    sess = session(tmp_path / "m.onnx")
    assert [i.name for i in sess.get_inputs()] == ["left", "right"]
    assert [o.name for o in sess.get_outputs()] == ["head_a", "head_b"]


@pytest.mark.parametrize("opset", [13, 18, 20])
def test_other_opsets(opset, tmp_path):
    """Reductions take axes as inputs from opset 18; LayerNormalization is composed below 17."""
    x = ember.Input((5, 6))
    y = layers.LayerNormalization()(layers.Dense(6)(x))
    y = layers.GlobalAveragePooling1D()(layers.UnitNormalization()(y))
    model = ember.Model(x, layers.Dense(3, activation="softmax")(y))
    randomize(model)
    export_and_compare(model, [((5, 6), F, None)], tmp_path / "m.onnx", opset=opset)


def test_static_batch(tmp_path):
    model = ember.Sequential([ember.Input((3,)), layers.Dense(2)])
    proto = model.export(str(tmp_path / "m.onnx"), dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 1


# ------------------------------------------------------------------------------------------------ bad input
def test_unbuilt_model_says_call_it_or_pass_input_signature(tmp_path):
    model = ember.Sequential([layers.Dense(2)])
    with pytest.raises(ExportError, match="Call the model on a batch first.*input_signature"):
        model.export(str(tmp_path / "m.onnx"))
    model.export(str(tmp_path / "m.onnx"), input_signature=(None, 3))
    assert (tmp_path / "m.onnx").exists()


def test_subclassed_model_is_refused_by_name(tmp_path):
    vae = example("vae_mnist").VAE(latent=4, hidden=8)
    vae(np.zeros((1, 784), F))
    with pytest.raises(ExportError, match="subclassed VAE"):
        export(vae, tmp_path / "vae.onnx")
    assert not (tmp_path / "vae.onnx").exists()


@pytest.mark.parametrize("make, match", [
    (lambda: layers.Lambda(lambda t: t * 2.0), r"'lambda.*\(Lambda\) cannot be exported"),
    (lambda: layers.Dense(2, activation=lambda t: t * 2.0), "activation.*custom Python code"),
    (lambda: layers.LSTM(2, stateful=True), "stateful=True"),
])  # fmt: skip
def test_layer_without_onnx_form_is_named(make, match, tmp_path):
    shape = (4, 3)
    model = ember.Sequential([ember.Input(shape, batch_size=2), make()])
    with pytest.raises(ExportError, match=match):
        export(model, tmp_path / "m.onnx")


def test_sampling_layer_is_refused(tmp_path):
    a, b = ember.Input((3,)), ember.Input((3,))
    model = ember.Model([a, b], layers.Sampling(name="z")([a, b]))
    with pytest.raises(ExportError, match=r"layer 'z' \(Sampling\) cannot be exported"):
        export(model, tmp_path / "m.onnx")


def test_unknown_dimension_format_and_opset(tmp_path):
    x = ember.Input((None, 3))
    model = ember.Model(x, layers.LSTM(2)(x))
    with pytest.raises(ExportError, match="every axis but the batch must be known"):
        export(model, tmp_path / "m.onnx")
    fixed = ember.Sequential([ember.Input((3,)), layers.Dense(2)])
    with pytest.raises(NotImplementedError, match="format='onnx' only. Received: format='tf_saved_model'"):
        fixed.export(str(tmp_path / "m"), format="tf_saved_model")
    with pytest.raises(ValueError, match="opset must be an int from 13"):
        export(fixed, tmp_path / "m.onnx", opset=7)
    with pytest.raises(ValueError, match="must end in '.onnx'"):
        export(fixed, tmp_path / "m.keras")


def test_masked_merge_is_refused(tmp_path):
    x = ember.Input((5,), dtype="int32")
    e = layers.Embedding(10, 4, mask_zero=True)(x)
    model = ember.Model(x, layers.GlobalMaxPooling1D()(layers.Add(name="merge")([e, e])))
    with pytest.raises(ExportError, match="'merge' .*masks"):
        export(model, tmp_path / "m.onnx")


def test_shared_layer_weights_are_stored_once(tmp_path):
    import onnx

    dense = layers.Dense(3)
    a, b = ember.Input((3,)), ember.Input((3,))
    model = ember.Model([a, b], layers.Add()([dense(a), dense(b)]))
    randomize(model)
    export_and_compare(model, [((3,), F, None), ((3,), F, None)], tmp_path / "m.onnx")
    assert len(onnx.load(str(tmp_path / "m.onnx")).graph.initializer) == 2


def test_rnn_states_and_nested_sequentials(tmp_path):
    x = ember.Input((5, 3))
    out, h, c = layers.LSTM(4, return_state=True, return_sequences=True)(x)
    bi = layers.Bidirectional(layers.GRU(4, return_state=True), merge_mode=None)(x)
    inner = ember.Sequential([layers.Dense(2), ember.Sequential([layers.ReLU()])])
    model = ember.Model(x, [out, h, c, *bi, inner(h)])
    randomize(model)
    export_and_compare(model, [((5, 3), F, None)], tmp_path / "m.onnx")


def test_stacked_cells_are_refused_by_name(tmp_path):
    x = ember.Input((5, 3))
    cells = layers.StackedRNNCells([layers.LSTMCell(4), layers.LSTMCell(2)])
    model = ember.Model(x, layers.RNN(cells, name="stack")(x))
    with pytest.raises(ExportError, match="'stack' .*StackedRNNCells is not a SimpleRNNCell, LSTMCell or GRUCell"):
        export(model, tmp_path / "m.onnx")


def test_a_graph_failing_the_checker_is_not_written(tmp_path, monkeypatch):
    """If a converter ever wrote an invalid node, export raises ExportError and leaves no file."""
    from ember.interop.onnx import export_registry
    from ember.interop.onnx.export import _load_converters

    _load_converters()

    def broken(b, layer, call):
        return [b.op("Relu", [call.inputs[0]], no_such_attribute=1)]

    monkeypatch.setitem(export_registry._CONVERTERS, layers.Dense, (broken, False))
    model = ember.Sequential([ember.Input((3,)), layers.Dense(2)])
    with pytest.raises(ExportError, match="failed onnx.checker"):
        export(model, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
