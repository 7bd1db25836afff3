"""Keras habits from the masking, functional-API and transfer-learning guides (issue 16, section 3).

Regressions: ``tensor._keras_mask`` was missing (the masking guide prints it); a functional config whose
custom layer's ``get_config`` leaves out ``name`` could not be rebuilt ("node 0 calls unknown layer");
``ember.applications`` was not reachable as an attribute of ``ember``.
"""

import numpy as np
import pytest

import ember
from ember import layers
from tests.keras_ref.keras_runner import run_keras


def test_keras_mask_attribute_matches_keras():
    raw = [[711, 632, 71, 0, 0], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 0]]
    embedded = layers.Embedding(input_dim=5000, output_dim=4, mask_zero=True)(np.array(raw))
    masked = layers.Masking()(np.array(raw, dtype="float32")[..., None])
    keras = run_keras(f"""
raw = np.array({raw})
e = keras.layers.Embedding(input_dim=5000, output_dim=4, mask_zero=True)(raw)
m = keras.layers.Masking()(raw.astype("float32")[..., None])
result = [keras.ops.convert_to_numpy(e._keras_mask).tolist(), keras.ops.convert_to_numpy(m._keras_mask).tolist()]
""")
    assert np.asarray(embedded._keras_mask.data).tolist() == keras[0]
    assert np.asarray(masked._keras_mask.data).tolist() == keras[1]
    plain = ember.ops.ones((2, 3))
    assert plain._keras_mask is None
    plain._keras_mask = ember.ops.convert_to_tensor(np.array([[True, False, True]] * 2))
    assert np.asarray(plain._keras_mask.data).tolist() == [[True, False, True]] * 2


class _NoNameDense(layers.Layer):
    def __init__(self, units=3):
        super().__init__()
        self.units = units
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {"units": self.units}


def test_functional_config_with_a_custom_layer_config_without_name_rebuilds():
    inputs = ember.Input((4,))
    model = ember.Model(inputs, layers.Dense(2)(_NoNameDense()(inputs)))
    rebuilt = ember.Model.from_config(model.get_config(), custom_objects={"_NoNameDense": _NoNameDense})
    assert [type(lay).__name__ for lay in rebuilt.layers] == ["InputLayer", "_NoNameDense", "Dense"]
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((2, 4)).astype("float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_applications_is_an_attribute_of_ember_and_names_missing_models():
    assert ember.applications.MobileNetV2 is ember.applications.mobilenet_v2.MobileNetV2
    with pytest.raises(AttributeError, match="Xception.*not in ember yet.*downloads no weights.*MobileNetV2"):
        ember.applications.Xception(weights="imagenet", include_top=False)
