"""ember.utils: pad_sequences, split_dataset, to_categorical, normalize, plot_model."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.utils import normalize, pad_sequences, plot_model, split_dataset, to_categorical


def test_pad_sequences_padding_and_truncating():
    seqs = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(pad_sequences(seqs), [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, padding="post", value=-1), [[1, 2, 3], [4, -1, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2), [[2, 3], [0, 4], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2, truncating="post"), [[1, 2], [0, 4], [0, 0]])
    out = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], dtype="float32")
    assert out.shape == (2, 2, 3) and out.dtype == np.float32 and out[1, 0].sum() == 0
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])


def test_split_dataset_sizes_structure_and_shuffle():
    x, y = np.arange(10), np.arange(10) * 10
    left, right = split_dataset((x, y), left_size=0.7)
    assert isinstance(left, tuple) and len(left[0]) == 7 and len(right[1]) == 3
    np.testing.assert_array_equal(right[1], [70, 80, 90])
    a, b = split_dataset(x, right_size=4)
    np.testing.assert_array_equal(a, np.arange(6))
    (sx, sy), _ = split_dataset((x, y), left_size=5, shuffle=True, seed=1)
    np.testing.assert_array_equal(sy, sx * 10)  # rows stay aligned
    assert not np.array_equal(sx, np.arange(5))
    with pytest.raises(ValueError, match="at least one"):
        split_dataset(x)
    with pytest.raises(ValueError, match="exceeds"):
        split_dataset(x, left_size=8, right_size=5)
    with pytest.raises(ValueError, match="left_size"):
        split_dataset(x, left_size=1.5)


def test_to_categorical_and_normalize():
    np.testing.assert_array_equal(to_categorical([0, 2, 1], 3), np.eye(3)[[0, 2, 1]])
    v = normalize(np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(v, [[0.6, 0.8]])


def test_plot_model_dot_text_and_file(tmp_path):
    x = ember.Input(shape=(3,))
    a, b = layers.Dense(4, name="left")(x), layers.Dense(4, name="right")(x)
    model = ember.Model(x, layers.Add(name="join")([a, b]))
    dot = plot_model(model, to_file=str(tmp_path / "m.dot"), show_shapes=True)
    assert (tmp_path / "m.dot").read_text() == dot
    assert dot.startswith('digraph "') and '"left" -> "join";' in dot and '"right" -> "join";' in dot
    assert "left (Dense) | output: (None, 4)" in dot
    seq = ember.Sequential([layers.Dense(2, input_dim=3, name="d1"), layers.Dense(1, name="d2")])
    assert '"d1" -> "d2";' in plot_model(seq, to_file=None)


def test_plot_model_sequential_shows_shapes():
    seq = ember.Sequential([layers.Dense(2, input_dim=3, name="s1"), layers.Dense(1, name="s2")])
    dot = plot_model(seq, to_file=None, show_shapes=True)
    assert "s1 (Dense) | output: (None, 2)" in dot and "s2 (Dense) | output: (None, 1)" in dot
