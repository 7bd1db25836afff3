"""Keras 3 utilities added for issue 16: PyDataset in fit/evaluate/predict, the dataset builders,
(de)serialization with custom objects, and get_file without a network.

Keras's own dataset builders return tf.data pipelines (TensorFlow is not installed), so their results are
checked against the documented window/label formulas instead of against Keras.
"""

from pathlib import Path

import numpy as np
import pytest

import ember
from ember import layers as L
from ember import utils


class _Batches(utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size, self.epochs_seen = x, y, batch_size, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_seen += 1


def _model():
    model = ember.Sequential([ember.Input((3,)), L.Dense(1)])
    model.compile(optimizer=ember.optimizers.SGD(0.05), loss="mse")
    return model


def test_pydataset_trains_like_the_same_arrays_and_runs_on_epoch_end():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 1)).astype("float32")
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    data = _Batches(x, y, 4)
    history = a.fit(data, epochs=3, verbose=0, validation_data=_Batches(x, y, 5))
    reference = b.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_data=(x, y))
    np.testing.assert_allclose(history.history["loss"], reference.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"], reference.history["val_loss"], rtol=1e-5)
    assert data.epochs_seen == 3
    assert a.evaluate(data, verbose=0) == pytest.approx(b.evaluate(x, y, batch_size=4, verbose=0), rel=1e-5)
    np.testing.assert_allclose(a.predict(data, verbose=0), b.predict(x, verbose=0), rtol=1e-5)
    with pytest.raises(ValueError, match="PyDataset"):
        a.fit(data, y, verbose=0)
    assert utils.Sequence is utils.PyDataset
    with pytest.raises(NotImplementedError, match="workers=4"):
        utils.PyDataset(workers=4)


def test_timeseries_windows_and_targets_follow_keras_convention():
    data = np.arange(20)
    ds = utils.timeseries_dataset_from_array(data, data * 10, sequence_length=4, sequence_stride=3, sampling_rate=2,
                                             batch_size=2)  # fmt: skip
    windows, targets = zip(*list(ds), strict=True)
    windows, targets = np.concatenate(windows), np.concatenate(targets)
    starts = np.arange(0, 20 - 6, 3)  # last window start + (4 - 1) * 2 must stay < 20
    np.testing.assert_array_equal(windows, starts[:, None] + np.arange(4) * 2)
    np.testing.assert_array_equal(targets, starts * 10)
    assert len(ds) == -(-len(starts) // 2)
    with pytest.raises(ValueError, match="no full window"):
        utils.timeseries_dataset_from_array(data[:3], None, sequence_length=5)


def test_image_and_text_datasets_from_directory(tmp_path):
    from PIL import Image

    for label, value in (("cats", 10), ("dogs", 200)):
        (tmp_path / "img" / label).mkdir(parents=True)
        (tmp_path / "txt" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((8, 6, 3), value, "uint8")).save(tmp_path / "img" / label / f"{i}.png")
            (tmp_path / "txt" / label / f"{i}.txt").write_text(f"{label} {i}", encoding="utf-8")
    images = utils.image_dataset_from_directory(str(tmp_path / "img"), image_size=(4, 4), batch_size=4, shuffle=False)
    assert images.class_names == ["cats", "dogs"]
    x, y = images[0]
    assert x.shape == (4, 4, 4, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 0, 0, 1])
    np.testing.assert_array_equal(x[:, 0, 0, 0], [10, 10, 10, 200])
    train = utils.image_dataset_from_directory(str(tmp_path / "img"), image_size=(4, 4), validation_split=0.5,
                                               subset="training", seed=1, label_mode="categorical")  # fmt: skip
    assert train[0][1].shape == (3, 2)
    texts = utils.text_dataset_from_directory(str(tmp_path / "txt"), batch_size=8, shuffle=False)
    words, labels = texts[0]
    assert list(words) == ["cats 0", "cats 1", "cats 2", "dogs 0", "dogs 1", "dogs 2"]
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])


def test_serialize_and_deserialize_keras_objects_with_custom_object_scope():
    dense = L.Dense(3, activation="relu", name="d")
    config = utils.serialize_keras_object(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    clone = utils.deserialize_keras_object(config)
    assert isinstance(clone, L.Dense) and clone.get_config() == dense.get_config()

    class ScopedTwice(L.Layer):
        def call(self, x):
            return x * 2

    config = utils.serialize_keras_object(ScopedTwice(name="t"))
    with pytest.raises(ValueError, match="unknown class 'ScopedTwice'"):
        utils.deserialize_keras_object(config)
    with utils.custom_object_scope({"ScopedTwice": ScopedTwice}):
        assert isinstance(utils.deserialize_keras_object(config), ScopedTwice)
    with pytest.raises(ValueError, match="safe_mode"):
        utils.deserialize_keras_object({"class_name": "Lambda", "config": {}})
    assert utils.deserialize_keras_object("relu") is ember.activations.relu


def test_get_file_uses_local_files_and_cache_and_never_downloads(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("1,2\n")
    cache = tmp_path / "cache"
    path = utils.get_file("data.csv", origin=str(source), cache_dir=str(cache))
    assert Path(path).read_text() == "1,2\n" and path.startswith(str(cache))
    assert utils.get_file("data.csv", origin="https://example.com/data.csv", cache_dir=str(cache)) == path
    import hashlib

    digest = hashlib.sha256(b"1,2\n").hexdigest()
    assert utils.get_file("data.csv", file_hash=digest, cache_dir=str(cache)) == path
    with pytest.raises(ValueError, match="expected"):
        utils.get_file("data.csv", file_hash="0" * 64, cache_dir=str(cache))
    with pytest.raises(RuntimeError, match="does not download"):
        utils.get_file("other.zip", origin="https://example.com/other.zip", cache_dir=str(cache))
