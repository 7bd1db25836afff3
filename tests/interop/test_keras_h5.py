"""Keras 2 / tf.keras HDF5 files in the format tf.keras 2.x writes (``inbound_nodes`` as nested lists,
``batch_input_shape``, weight names ending in ``:0``, ``Custom>Adam``): models and weights-only files.

No TensorFlow is installed, so these files are built with h5py exactly as ``tf.keras`` 2.13's
``save_model_to_hdf5`` lays them out; files written by real Keras 3's legacy writer are covered in
tests/saving/test_keras_fixtures.py.
"""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.interop import keras_h5

_INIT = {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
         "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
         "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
         "bias_constraint": None}  # fmt: skip


def _dense(name, units, activation, inbound):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
              "use_bias": True, **_INIT}  # fmt: skip
    return {"class_name": "Dense", "config": config, "name": name, "inbound_nodes": inbound}


FUNCTIONAL = {"class_name": "Functional", "config": {"name": "model", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                                            "ragged": False, "name": "input_1"},
     "name": "input_1", "inbound_nodes": []},
    _dense("dense", 3, "relu", [[["input_1", 0, 0, {}]]]),
    _dense("dense_1", 2, "linear", [[["input_1", 0, 0, {}]]]),
    {"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1},
     "name": "concatenate", "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]]}],
    "input_layers": [["input_1", 0, 0]], "output_layers": [["concatenate", 0, 0]]},
    "keras_version": "2.13.1", "backend": "tensorflow"}  # fmt: skip
TRAINING = {"loss": "mse", "metrics": None, "weighted_metrics": None, "loss_weights": None, "optimizer_config": {
    "class_name": "Custom>Adam", "config": {"name": "Adam", "weight_decay": None, "clipnorm": None,
    "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "jit_compile": True, "is_legacy_optimizer": False, "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": False}}}  # fmt: skip


def _weights():
    rng = np.random.default_rng(0)
    return {"dense": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
            "dense_1": [rng.normal(size=(4, 2)), rng.normal(size=(2,))]}  # fmt: skip


def _write_layers(root, weights, names):
    root.attrs["layer_names"] = np.array([n.encode() for n in names])
    for name in names:
        group = root.create_group(name)
        arrays = weights.get(name, [])
        suffixes = ["kernel:0", "bias:0"][: len(arrays)]
        group.attrs["weight_names"] = np.array([f"{name}/{s}".encode() for s in suffixes])
        for s, a in zip(suffixes, arrays, strict=True):
            group.create_dataset(f"{name}/{s}", data=a.astype("float32"))


def _reference(x, w):
    h = np.maximum(x @ w["dense"][0] + w["dense"][1], 0)
    return np.concatenate([h, x @ w["dense_1"][0] + w["dense_1"][1]], axis=-1)


def test_tf_keras_2_model_file_loads_and_predicts(tmp_path):
    import h5py

    weights, path = _weights(), tmp_path / "model.h5"
    with h5py.File(path, "w") as f:
        f.attrs.update({"keras_version": "2.13.1", "backend": "tensorflow", "model_config": json.dumps(FUNCTIONAL),
                        "training_config": json.dumps(TRAINING)})  # fmt: skip
        _write_layers(f.create_group("model_weights"), weights, ["input_1", "dense", "dense_1", "concatenate"])
    model = ember.models.load_model(path)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), _reference(x, weights), rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam" and model.loss == "mse"


def test_tf_keras_2_weights_file_loads_by_layer_name(tmp_path):
    import h5py

    weights, path = _weights(), tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        _write_layers(f, weights, ["dense", "dense_1"])
    x_in = ember.Input((4,))
    model = ember.Model(x_in, layers.Concatenate()([layers.Dense(3, activation="relu", name="dense")(x_in),
                                                    layers.Dense(2, name="dense_1")(x_in)]))  # fmt: skip
    model.load_weights(str(path))
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), _reference(x, weights), rtol=1e-5, atol=1e-6)
    renamed = ember.Sequential([ember.Input((4,)), layers.Dense(3, name="first"), layers.Dense(2, name="second")])
    before = renamed.get_weights()
    with pytest.raises(ValueError, match=r"holds weights for layers \['dense', 'dense_1'\]"):
        keras_h5.load_weights(renamed, path)
    for a, b in zip(renamed.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_keras_2_nodes_upgrade_to_keras_3_form():
    node = [["q", 0, 0, {"value": ["v", 1, 0], "training": False}]]
    assert keras_h5.upgrade_nodes({"inbound_nodes": [node]}) == {"inbound_nodes": [{
        "args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["q", 0, 0]}}],
        "kwargs": {"value": {"class_name": "__keras_tensor__", "config": {"keras_history": ["v", 1, 0]}},
                   "training": False}}]}  # fmt: skip
