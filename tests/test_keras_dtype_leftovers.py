"""Keras habits around dtypes and strings that must not give a silently different model (issue 16 leftovers).

Each case is compared with real Keras 3 (torch backend) through :func:`tests.keras_ref.keras_runner.run_keras`.
"""

import json

import numpy as np
import pytest

import ember
from ember import mixed_precision
from tests.keras_ref.keras_runner import run_keras


@pytest.fixture(autouse=True)
def float32_after():
    yield
    mixed_precision.set_global_policy("float32")


def _same_as_keras(code):
    expected = run_keras("ns = keras\n" + code)
    namespace = {"ns": ember, "np": np}
    exec(code, namespace)
    assert json.loads(json.dumps(namespace["result"])) == expected
    return expected


_DT = """
def dt(v):
    return np.asarray(ns.ops.convert_to_numpy(v)).dtype.name
x3 = np.linspace(-1, 1, 24, dtype="float32").reshape(2, 2, 6)
result = {}
"""

_SUBLAYER_DTYPES = _DT + """
for policy in ["float64", "float16", "mixed_float16"]:
    mha = ns.layers.MultiHeadAttention(2, 3, dtype=policy)
    out = mha(x3, x3)
    result[policy] = [[dt(w) for w in mha.weights], dt(out), mha._query_dense.dtype_policy.name,
                      mha._output_dense.dtype_policy.name]
"""


def test_multi_head_attention_passes_its_dtype_policy_to_its_sublayers():
    expected = _same_as_keras(_SUBLAYER_DTYPES)
    assert expected["float64"][0] == ["float64"] * 8


def test_transformer_encoder_sublayers_follow_its_dtype():
    enc = ember.layers.TransformerEncoder(8, 2, dtype="float64")
    out = enc(np.zeros((2, 3, 4), "float32"))
    assert {w.dtype.name for w in enc.weights} == {"float64"}
    assert out.dtype == np.float64
    mixed = ember.layers.TransformerEncoder(8, 2, dtype="mixed_float16")
    assert mixed(np.zeros((2, 3, 4), "float32")).dtype == np.float16
    assert {w.dtype.name for w in mixed.weights} == {"float32"}


_INPUT_AUTOCAST = _DT + """
x16 = x3.astype("float16")
for name, layer, x in [("dense16_on32", ns.layers.Dense(2, dtype="float16"), x3),
                       ("dense64_on16", ns.layers.Dense(2, dtype="float64"), x16),
                       ("dense32_on64", ns.layers.Dense(2, dtype="float32"), x3.astype("float64")),
                       ("relu_on16", ns.layers.Activation("relu"), x16),
                       ("dense_on16", ns.layers.Dense(2), x16),
                       ("flatten16_on32", ns.layers.Flatten(dtype="float16"), x3),
                       ("noautocast", ns.layers.Activation("relu", dtype="float64", autocast=False), x3),
                       ("lstm16_on32", ns.layers.LSTM(2, dtype="float16", recurrent_initializer="glorot_uniform"), x3),
                       ("embedding_ints", ns.layers.Embedding(5, 2, dtype="float64"), np.array([[1, 2]]))]:
    result[name] = dt(layer(x))
"""


def test_float_inputs_are_cast_to_the_layer_compute_dtype_as_in_keras():
    expected = _same_as_keras(_INPUT_AUTOCAST)
    assert expected["dense16_on32"] == "float16" and expected["relu_on16"] == "float32"


def test_float64_gradients_still_flow_through_dtype_agnostic_layers():
    layer = ember.layers.Dense(2)
    out = layer(np.ones((1, 3), "float64"))
    assert out.dtype == np.float64  # ember's default layers keep float64 for gradient checks


_GROUP_NORM_MIXED = """
ns.mixed_precision.set_global_policy("mixed_float16")
x = (np.linspace(-1, 1, 2 * 3 * 8, dtype="float32").reshape(2, 3, 8) * 300.0 + 1000.0)
layer = ns.layers.GroupNormalization(2)
out = np.asarray(ns.ops.convert_to_numpy(layer(x)))
ref = ns.layers.GroupNormalization(2, dtype="float32")
ref_out = np.asarray(ns.ops.convert_to_numpy(ref(x)))
result = [out.dtype.name, [str(np.asarray(ns.ops.convert_to_numpy(w)).dtype) for w in layer.weights],
          float(np.abs(out.astype("float32") - ref_out).max()) < 2e-3]
ns.mixed_precision.set_global_policy("float32")
"""


def test_group_normalization_computes_in_float32_under_mixed_float16():
    # Inputs around 1000 with spread 300: float16 moments lose ~1e-1; float32 moments are exact to float16 output.
    expected = _same_as_keras(_GROUP_NORM_MIXED)
    assert expected == ["float16", ["float32", "float32"], True]


def test_bytes_inputs_are_decoded_as_utf8_like_keras():
    # Keras's StringLookup/TextVectorization need TensorFlow (absent here), where strings are UTF-8 bytes:
    # bytes inputs must look up exactly as the same texts given as str (they silently mapped to OOV before).
    lookup = ember.layers.StringLookup(vocabulary=["caf\u00e9", "b"])
    as_str = lookup(np.array(["caf\u00e9", "b", "zz"])).tolist()
    assert as_str == [1, 2, 0]
    assert lookup(np.array(["caf\u00e9".encode("utf-8"), b"b", b"zz"])).tolist() == as_str
    assert lookup(np.array([b"caf\xc3\xa9", b"b", "zz"], dtype=object)).tolist() == as_str
    vec = ember.layers.TextVectorization()
    vec.adapt(np.array([b"the cat", "the dog"]))
    assert vec.get_vocabulary() == ["", "[UNK]", "the", "dog", "cat"]
    assert vec(np.array([b"the dog", b"a cat"])).tolist() == vec(np.array(["the dog", "a cat"])).tolist()


@pytest.mark.parametrize("layer", ["StringLookup", "TextVectorization"])
def test_a_non_utf8_encoding_is_refused_naming_layer_and_value(layer):
    getattr(ember.layers, layer)(encoding="UTF-8")  # accepted spellings of the implemented encoding
    with pytest.raises(NotImplementedError, match=f"{layer}: encoding='latin-1'"):
        getattr(ember.layers, layer)(encoding="latin-1")


_TEXTS = ["the cat sat", "a dog ran", "the cat ran", "a dog sat", "cat sat down", "dog ran off"]
_LABELS = np.array([1, 0, 1, 0, 1, 0], dtype="float32")


def _text_model(functional):
    ember.utils.set_random_seed(0)
    vec = ember.layers.TextVectorization(output_sequence_length=4)
    vec.adapt(np.array(_TEXTS))
    head = [ember.layers.Embedding(vec.vocabulary_size(), 8), ember.layers.GlobalAveragePooling1D(),
            ember.layers.Dense(1, activation="sigmoid")]
    if functional:
        inputs = ember.Input(shape=(), dtype="string")
        x = vec(inputs)
        for layer in head:
            x = layer(x)
        model = ember.Model(inputs, x)
    else:
        model = ember.Sequential([ember.Input(shape=(), dtype="string"), vec, *head])
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model, vec


@pytest.mark.parametrize("functional", [False, True])
def test_an_end_to_end_string_model_trains_and_predicts_on_raw_strings(functional):
    model, vec = _text_model(functional)
    history = model.fit(np.array(_TEXTS), _LABELS, epochs=30, batch_size=3, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    probs = model.predict(np.array(["the cat", "a dog"]), verbose=0)
    assert probs.shape == (2, 1) and probs[0, 0] > 0.5 > probs[1, 0]
    # A list of str and an object array batch like the unicode array; the model equals its layers run by hand.
    np.testing.assert_array_equal(model.predict(_TEXTS, verbose=0), model.predict(np.array(_TEXTS), verbose=0))
    np.testing.assert_array_equal(model.predict(np.array(_TEXTS, dtype=object), verbose=0),
                                  model.predict(np.array(_TEXTS), verbose=0))
    by_hand = model.layers[-1](model.layers[-2](model.layers[-3](vec(np.array(_TEXTS)))))
    np.testing.assert_allclose(model.predict(_TEXTS, verbose=0), by_hand.numpy(), rtol=1e-6)
    loss, accuracy = model.evaluate(_TEXTS, _LABELS, verbose=0)
    assert accuracy == 1.0 and loss == pytest.approx(history.history["loss"][-1], rel=0.5)


def test_string_targets_are_still_refused():
    model, _ = _text_model(False)
    with pytest.raises(TypeError, match="`y` must be numeric"):
        model.fit(np.array(_TEXTS), np.array(["yes"] * 6), verbose=0)
