"""What Keras 3's "Training & evaluation with the built-in methods" guide uses (issue 16, section 3).

Regressions: a ``Metric`` subclass with ``add_variable`` state failed at construction (``reset_state`` ran
before its ``__init__`` made the variable); ``metrics.MeanAbsolutePercentageError`` was missing; a layer called
on two KerasTensors (``LogisticEndpoint(targets, logits)``) was called with the first only; ``fit`` refused
``batch_size`` with a PyDataset (Keras ignores it) and did not take a torch ``DataLoader``.
Numbers are compared with real Keras 3 (torch backend) run on the same code.
"""

import numpy as np
import pytest

import ember
from tests.keras_ref.keras_runner import run_keras

_CODE = """
from keras import ops


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        # ops.equal: the guide's `==` between two tensors is identity in ember (see the report of issue 16)
        values = ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(y_pred, "int32")), "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, "float32"))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0)


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)


rng = np.random.default_rng(0)
y_true = rng.integers(0, 3, (8, 1)).astype("float32")
y_pred = rng.random((8, 3)).astype("float32")
ctp = CategoricalTruePositives()
ctp.update_state(y_true, y_pred)
ctp.update_state(y_true, y_pred, sample_weight=np.linspace(0, 1, 8).astype("float32"))
first = float(ctp.result())
ctp.reset_state()
after_reset = float(ctp.result())

mape = keras.metrics.MeanAbsolutePercentageError()
mape.update_state(rng.random((6, 4)).astype("float32") + 0.1, rng.random((6, 4)).astype("float32"))

inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
predictions = LogisticEndpoint(name="predictions")(targets, logits)
model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.layers[2].set_weights([rng.normal(size=(3, 10)).astype("float32"), np.zeros(10, "float32")])
model.compile(optimizer="adam")
data = {"inputs": rng.random((4, 3)).astype("float32"), "targets": rng.random((4, 10)).astype("float32")}
loss = model.evaluate(data, verbose=0)
result = {"ctp": first, "ctp_reset": after_reset, "mape": float(mape.result()), "shape": list(predictions.shape),
          "loss": float(loss), "n_weights": len(model.weights)}
"""


@pytest.fixture(scope="module")
def keras_result():
    return run_keras(_CODE)


@pytest.fixture(scope="module")
def ember_result():
    scope = {"keras": ember, "np": np}
    exec(_CODE.replace("from keras import", "from ember import"), scope)
    return scope


def test_add_variable_metric_and_mape_match_keras(ember_result, keras_result):
    assert ember_result["result"]["ctp"] == pytest.approx(keras_result["ctp"], rel=1e-6)
    assert ember_result["result"]["ctp_reset"] == keras_result["ctp_reset"] == 0.0
    assert ember_result["result"]["mape"] == pytest.approx(keras_result["mape"], rel=1e-5)
    assert ember_result["ctp"].variables == [ember_result["ctp"].true_positives]


def test_layer_called_on_two_keras_tensors_trains_on_its_add_loss(ember_result, keras_result):
    result = ember_result["result"]
    assert result["shape"] == keras_result["shape"] == [None, 10]
    assert result["n_weights"] == keras_result["n_weights"]
    assert result["loss"] == pytest.approx(keras_result["loss"], rel=1e-5)
    model, data = ember_result["model"], ember_result["data"]
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_metric_with_variables_logs_floats_in_fit():
    scope = {"keras": ember, "np": np}
    exec(_CODE.replace("from keras import", "from ember import").split("rng = ")[0], scope)
    x = np.random.default_rng(1).random((20, 4)).astype("float32")
    y = np.random.default_rng(2).integers(0, 3, (20, 1))
    model = ember.Sequential([ember.Input((4,)), ember.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=[scope["CategoricalTruePositives"]()])  # fmt: skip
    logs = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history
    value = logs["categorical_true_positives"][0]
    assert isinstance(value, float) and 0.0 <= value <= 20.0 and value == int(value)


def test_fit_takes_a_torch_dataloader_and_ignores_batch_size_for_datasets():
    import torch

    rng = np.random.default_rng(3)
    x, y = rng.random((40, 4)).astype("float32"), rng.integers(0, 3, 40)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=True)
    model = ember.Sequential([ember.Input((4,)), ember.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(loader, batch_size=64, validation_data=loader, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    ordered = torch.utils.data.DataLoader(dataset, batch_size=16)
    expected = model.evaluate(x, y, batch_size=40, verbose=0)
    assert model.evaluate(ordered, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert model.predict(ordered, verbose=0).shape == (40, 3)

    class Batches(ember.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 20 : (i + 1) * 20], y[i * 20 : (i + 1) * 20]

    assert len(model.fit(Batches(), batch_size=64, epochs=1, verbose=0).history["loss"]) == 1
