"""Output modes of CategoryEncoding, Discretization (with num_bins + adapt), StringLookup, IntegerLookup and
TextVectorization.

CategoryEncoding and Discretization run in real Keras 3 (torch backend; Discretization's quantile summary is
called through ``update_state``/``finalize_state``, since its ``adapt`` imports TensorFlow). The lookup layers
need TensorFlow in Keras, which is not installed: they are checked against the values Keras documents in
their docstrings and records in its own test suite (keras/src/layers/preprocessing/*_test.py)."""

import math

import numpy as np
import pytest

import ember
from ember import layers as L
from ember.testing import run_layer_test
from tests.keras_ref.keras_runner import run_keras

DATA = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")

_SCRIPT = """
def run(ns, data, num, adapt):
    out = {}
    for m in ("one_hot", "multi_hot", "count"):
        out["ce_1d_" + m] = num(ns.layers.CategoryEncoding(5, output_mode=m)(np.array([0, 3, 3, 1])))
        out["ce_2d_" + m] = num(ns.layers.CategoryEncoding(5, output_mode=m)(np.array([[0, 3, 3], [4, 1, 1]])))
    out["ce_weights"] = num(ns.layers.CategoryEncoding(4, output_mode="count")(
        np.array([[0, 1, 1], [3, 3, 2]]), count_weights=np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 0.5]])))
    for bins, eps in ((4, 0.01), (7, 0.05), (3, 0.3)):
        layer = ns.layers.Discretization(num_bins=bins, epsilon=eps)
        adapt(layer, data)
        out[f"boundaries_{bins}"] = [float(b) for b in layer.bin_boundaries]
        out[f"digitize_{bins}"] = num(layer(data[:7]))
    for m in ("one_hot", "multi_hot", "count"):
        layer = ns.layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.7], output_mode=m)
        out["disc_" + m] = num(layer(data[:4, :1] if m == "one_hot" else data[:4]))
    return out
"""


def _num(v):
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v).tolist()


def test_category_encoding_and_discretization_match_keras_3():
    code = _SCRIPT + f"data = np.array({DATA.tolist()!r}, dtype='float32')\n"
    code += (
        "def adapt(layer, data):\n    layer.reset_state(); layer.update_state(data); layer.finalize_state()\n"
        "result = run(keras, data, lambda v: np.asarray(keras.ops.convert_to_numpy(v)).tolist(), adapt)\n"
    )
    expected = run_keras(code)
    ns = {"np": np}
    exec(_SCRIPT, ns)
    mine = ns["run"](ember, DATA, _num, lambda layer, data: layer.adapt(data))
    assert set(mine) == set(expected)
    for key, want in expected.items():
        np.testing.assert_allclose(np.asarray(mine[key]), np.asarray(want), rtol=1e-6, atol=1e-6, err_msg=key)


VOCAB = ["a", "b", "c", "d"]
TEXTS = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


@pytest.mark.parametrize("kwargs,data,want", [  # keras.layers.StringLookup docstring
    ({"output_mode": "one_hot"}, ["a", "b", "c", "d", "z"], np.eye(5)[[1, 2, 3, 4, 0]]),
    ({"output_mode": "multi_hot"}, TEXTS, [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ({"output_mode": "count"}, TEXTS, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
    ({"output_mode": "tf_idf", "idf_weights": [0.25, 0.75, 0.6, 0.4]}, TEXTS,
     [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]]),
])  # fmt: skip
def test_string_lookup_modes_match_keras_docs(kwargs, data, want):
    np.testing.assert_allclose(L.StringLookup(vocabulary=VOCAB, **kwargs)(data).numpy(), want, rtol=1e-6)


def test_set_vocabulary_with_special_tokens_keeps_their_idf():
    layer = L.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(["[UNK]", *VOCAB], idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(TEXTS).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)


def test_integer_lookup_modes_match_keras_docs_and_tests():
    vocab, data = [12, 36, 1138, 42], np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    np.testing.assert_array_equal(L.IntegerLookup(vocabulary=vocab, output_mode="count")(data).numpy(),
                                  [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])  # fmt: skip
    tfidf = L.IntegerLookup(vocabulary=vocab, output_mode="tf_idf", idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    one_hot = L.IntegerLookup(vocabulary=[1, 2, 3], output_mode="one_hot")(np.array([[1, 2], [3, 0]]))
    np.testing.assert_array_equal(one_hot.numpy(), [[[0, 1, 0, 0], [0, 0, 1, 0]], [[0, 0, 0, 1], [1, 0, 0, 0]]])
    masked = L.IntegerLookup(vocabulary=[1, 2, 3], mask_token=0, output_mode="multi_hot")
    np.testing.assert_array_equal(masked(np.array([[1, 0], [9, 0]])).numpy(), [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert masked.get_vocabulary() == [-1, 1, 2, 3]  # no mask slot outside 'int' mode (Keras)


def test_text_vectorization_modes_match_keras_tests():
    vocab = ["foo", "bar", "baz"]
    multi = L.TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    np.testing.assert_array_equal(multi([["foo bar"], ["baz foo foo"]]).numpy(), [[0, 1, 1, 0], [0, 1, 0, 1]])
    count = L.TextVectorization(output_mode="count", vocabulary=vocab)
    np.testing.assert_array_equal(count(["foo bar", "baz foo foo"]).numpy(), [[0, 1, 1, 0], [0, 2, 0, 1]])
    tfidf = L.TextVectorization(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.3, 0.5, 0.2])
    np.testing.assert_allclose(tfidf(["foo bar", "baz foo foo"]).numpy(), [[0, 0.3, 0.5, 0], [0, 0.6, 0, 0.2]],
                               rtol=1e-6)  # fmt: skip
    padded = L.TextVectorization(output_mode="multi_hot", vocabulary=["foo", "bar"], max_tokens=8,
                                 pad_to_max_tokens=True)  # fmt: skip
    assert padded(["foo bar"]).shape == (1, 8) and padded.compute_output_shape((None,)) == (None, 8)


def test_text_vectorization_ngrams_and_adapted_idf():
    two = L.TextVectorization(ngrams=2)
    two.adapt(["foo bar baz"])
    assert {"foo bar", "bar baz"} <= set(two.get_vocabulary())
    three = L.TextVectorization(ngrams=(1, 3))
    three.adapt(["foo bar baz"])
    assert "foo bar baz" in three.get_vocabulary() and "foo bar" not in three.get_vocabulary()
    vocab = two.get_vocabulary()
    want = [vocab.index(t) if t in vocab else 1 for t in ["foo", "bar", "baz", "qux", "foo bar", "bar baz", "baz qux"]]
    np.testing.assert_array_equal(two(["foo bar baz qux"]).numpy(), [want])
    layer = L.TextVectorization(output_mode="tf_idf")
    layer.adapt(["the cat sat", "the dog"])
    idf = {t: math.log(1 + 2 / (1 + df)) for t, df in {"the": 2, "sat": 1, "dog": 1, "cat": 1}.items()}
    assert layer.get_vocabulary() == ["[UNK]", "the", "sat", "dog", "cat"]
    unk = sum(idf.values()) / 4  # mean idf for the OOV entry (Keras)
    np.testing.assert_allclose(layer(["the the cat x"]).numpy(), [[unk, 2 * idf["the"], 0, 0, idf["cat"]]],
                               rtol=1e-6)  # fmt: skip


@pytest.mark.parametrize("cls,kwargs,data,shape", [  # string inputs cannot go through predict: ints only
    (L.IntegerLookup, {"vocabulary": [5, 6, 7], "output_mode": "count", "mask_token": 0},
     np.array([[5, 0, 5], [9, 7, 6]]), (2, 4)),
    (L.IntegerLookup, {"vocabulary": [1, 2], "output_mode": "multi_hot"}, np.array([[1, 2], [3, 1]]), (2, 3)),
    (L.Discretization, {"bin_boundaries": [0.0], "output_mode": "count"}, np.array([[0.5, -1.0]]), (1, 2)),
])  # fmt: skip
def test_generic_layer_test(cls, kwargs, data, shape):
    run_layer_test(cls, kwargs, input_data=data, expected_output_shape=shape, expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, run_training_check=False)  # fmt: skip


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="StringLookup.*output_mode"):
        L.StringLookup(output_mode="binary")
    with pytest.raises(ValueError, match="StringLookup.*tf_idf.*idf_weights"):
        L.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="IntegerLookup.*idf_weights"):
        L.IntegerLookup(vocabulary=[1], idf_weights=[1.0])
    with pytest.raises(ValueError, match="TextVectorization.*pad_to_max_tokens"):
        L.TextVectorization(pad_to_max_tokens=True)
    with pytest.raises(ValueError, match="TextVectorization.*output_sequence_length"):
        L.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="TextVectorization.*ngrams"):
        L.TextVectorization(ngrams=0)
    with pytest.raises(ValueError, match="TextVectorization.*output_mode"):
        L.TextVectorization(output_mode="one_hot")
    with pytest.raises(ValueError, match="Discretization.*exactly one"):
        L.Discretization(bin_boundaries=[0.0], num_bins=3)
    with pytest.raises(ValueError, match="Discretization.*adapt"):
        L.Discretization(bin_boundaries=[0.0]).adapt(DATA)
    with pytest.raises(ValueError, match="Discretization.*adapt"):
        L.Discretization(num_bins=3)(DATA)
    with pytest.raises(ValueError, match="CategoryEncoding.*count_weights"):
        L.CategoryEncoding(3, output_mode="multi_hot")(np.array([[0, 1]]), count_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match="CategoryEncoding.*rank"):
        L.CategoryEncoding(3, output_mode="count")(np.zeros((2, 2, 2), dtype="int64"))


def test_config_round_trip_keeps_modes_and_idf():
    layer = L.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(["[UNK]", *VOCAB], idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    clone = L.StringLookup.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(TEXTS).numpy(), layer(TEXTS).numpy())
    text = L.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=9, pad_to_max_tokens=True)
    text.adapt(["a b c", "b c"])
    clone = L.TextVectorization.from_config(text.get_config())
    np.testing.assert_allclose(clone(["a b x"]).numpy(), text(["a b x"]).numpy())
    disc = L.Discretization(num_bins=3)
    disc.adapt(DATA)
    clone = L.Discretization.from_config(disc.get_config())  # both num_bins and bin_boundaries, as in Keras
    np.testing.assert_array_equal(clone(DATA[:5]).numpy(), disc(DATA[:5]).numpy())
