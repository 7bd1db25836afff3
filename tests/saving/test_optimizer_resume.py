"""Every optimizer's state survives ``model.save``/``load_model``: training resumes bit for bit (D8, C2)."""

import numpy as np
import pytest

import ember
from ember import layers

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion"]


def _setup():
    rng = np.random.default_rng(0)
    x = rng.random((24, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_saved_optimizer_state_resumes_bit_identically(tmp_path, name):
    x, y = _setup()
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    model = ember.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])
    model.compile(getattr(ember.optimizers, name)(learning_rate=0.01, **kwargs), "mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = ember.models.load_model(path)
    assert type(loaded.optimizer).__name__ == name and loaded.optimizer.iterations == 3
    for model_ in (model, loaded):
        model_.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
