"""Model files in ember's first layout (``model.weights.safetensors`` in the zip) still load, bit for bit."""

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

import ember
from ember import layers
from ember.saving import tensor_file
from ember.saving.compile_config import serialize_compile
from ember.saving.training_state import optimizer_tensors
from ember.saving.weights_file import weight_tensors
from ember.utils.serialization import serialize_object


def _v1_bytes(model) -> bytes:
    """The archive ember 0.1 wrote before .keras files became Keras 3's layout (its save_model, verbatim)."""
    config = serialize_object(model)
    config["compile_config"] = serialize_compile(model)
    config_bytes = json.dumps(config).encode()
    weights = tensor_file.encode({**weight_tensors(model), **optimizer_tensors(model)},
                                 {"format": "ember.model_weights.v1"})  # fmt: skip
    sums = {"config.json": hashlib.sha256(config_bytes).hexdigest(),
            "model.weights.safetensors": hashlib.sha256(weights).hexdigest()}  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"ember_version": "0.1.0", "format_version": 1, "sha256": sums}))
        zf.writestr("config.json", config_bytes)
        zf.writestr("model.weights.safetensors", weights)
    return buffer.getvalue()


def test_first_layout_loads_with_weights_and_optimizer_state(tmp_path):
    ember.utils.set_random_seed(0)
    model = ember.Sequential([layers.Dense(4, activation="relu", input_dim=3), layers.Dense(2)])
    model.compile(ember.optimizers.Adam(0.01), "mse")
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    model.fit(x, x[:, :2], epochs=2, batch_size=8, verbose=0)
    raw = _v1_bytes(model)
    path = tmp_path / "old.keras"
    path.write_bytes(raw)
    loaded = ember.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.optimizer.iterations == 4
    fresh = ember.Sequential([layers.Dense(4, activation="relu", input_dim=3), layers.Dense(2)])
    fresh.load_weights(str(path))
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        ember.models.load_model(path)
