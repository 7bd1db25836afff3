"""Hashing: FarmHash Fingerprint64 and SipHash-2-4 against references, and the layer against the values that
Keras 3's own test suite (keras/src/layers/preprocessing/hashing_test.py) records from TensorFlow.

Real Keras cannot run here for this layer: its Hashing calls TensorFlow, which is not installed."""

import random

import numpy as np
import pytest

from ember import layers as L
from ember.ops.hashing import fingerprint64, siphash24
from ember.testing import run_layer_test

WORDS = np.asarray([["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]])
LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def test_fingerprint64_matches_google_farmhash_for_every_length_branch():
    try:
        import farmhash
    except ImportError:
        pytest.fail("pyfarmhash is missing: install ember's `test` extra (pip install -e .[test])")
    rng = random.Random(0)
    for n in list(range(0, 140)) + [200, 255, 256, 257, 1000]:  # 0-16, 17-32, 33-64 and the 64-byte loop
        data = bytes(rng.randrange(256) for _ in range(n))
        assert fingerprint64(data) == farmhash.fingerprint64(data), n


def test_siphash24_matches_the_paper_vector():
    key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)  # bytes 00..0f, little-endian
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5  # Aumasson & Bernstein (2012), appendix A
    assert siphash24(key, b"") == 0x726FDB47DD0E0E31  # reference vectors.h, message length 0


@pytest.mark.parametrize("kwargs,data,want", [
    ({"num_bins": 3}, LETTERS, [[1], [0], [1], [1], [2]]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [[1], [1], [0], [2], [2]]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [[1], [2], [1], [0], [2]]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [[0], [0], [2], [1], [0]]),
    ({"num_bins": 1}, LETTERS, [[0]] * 5),
    ({"num_bins": 2}, WORDS, [[0], [0], [1], [0], [0]]),
    ({"num_bins": 2}, ["omar", "stringer", "marlo", "wire", "skywalker"], [0, 0, 1, 0, 0]),
    ({"num_bins": 3, "mask_value": ""}, WORDS, [[1], [1], [2], [1], [1]]),
    ({"num_bins": 3, "mask_value": "omar"}, WORDS, [[0], [1], [2], [1], [1]]),
    ({"num_bins": 3}, np.asarray([[0], [1], [2], [3], [4]]), [[1], [0], [1], [0], [2]]),
    ({"num_bins": 2, "salt": [133, 137]}, WORDS, [[0], [1], [0], [1], [0]]),
    ({"num_bins": 2, "salt": [211, 137]}, WORDS, [[1], [0], [1], [0], [1]]),
    ({"num_bins": 3, "salt": [133, 137]}, np.asarray([[0], [1], [2], [3], [4]]), [[1], [1], [2], [0], [1]]),
    ({"num_bins": 3, "output_mode": "one_hot"}, np.array([0, 1, 2, 3, 4]),
     [[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]),
    ({"num_bins": 3, "output_mode": "multi_hot"}, np.array([[0, 1, 2, 3, 4]]), [[1, 1, 1]]),
    ({"num_bins": 3, "output_mode": "count"}, np.array([0, 1, 2, 3, 4]), [2, 2, 1]),
    ({"num_bins": 3, "output_mode": "count"}, np.array([[0, 1, 2, 3, 4]]), [[2, 2, 1]]),
])  # fmt: skip
def test_layer_matches_keras_recorded_values(kwargs, data, want):
    np.testing.assert_array_equal(L.Hashing(**kwargs)(data).numpy(), want)


def test_floats_hash_as_their_int64_value_and_shapes():
    layer = L.Hashing(5)
    np.testing.assert_array_equal(layer(np.array([0.4, 1.9, 3.0])).numpy(), layer(np.array([0, 1, 3])).numpy())
    assert L.Hashing(4, output_mode="multi_hot").compute_output_shape((None, 3)) == (None, 4)
    assert L.Hashing(4, output_mode="one_hot").compute_output_shape((None, 1)) == (None, 4)
    run_layer_test(L.Hashing, {"num_bins": 4}, input_data=np.array([[1, 2], [3, 4]]), expected_output_shape=(2, 2),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   run_training_check=False)  # fmt: skip


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="Hashing.*num_bins"):
        L.Hashing(0)
    with pytest.raises(ValueError, match="Hashing.*output_mode"):
        L.Hashing(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="Hashing.*salt"):
        L.Hashing(3, salt="x")
    with pytest.raises(ValueError, match="Hashing.*sparse"):
        L.Hashing(3, sparse=True)
    with pytest.raises(NotImplementedError, match="Hashing.*sparse"):
        L.Hashing(3, output_mode="count", sparse=True)
