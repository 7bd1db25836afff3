"""Custom objects in saved models and configs, as Keras 3's saving guide uses them (issue 16, section 3).

Regressions: a registered activation function was not found when loading (``Unknown activation``);
``load_model(custom_objects=)`` did not reach activations; a custom layer whose ``get_config`` leaves out
``name`` broke the graph replay ("read tensors no layer produces"); ``keras.Model.from_config`` of a functional
config raised; ``keras.layers.serialize`` / ``deserialize`` and ``keras.saving.custom_object_scope`` /
``get_custom_objects`` / ``(de)serialize_keras_object`` were missing; a layer held in another layer's config
was written as the object itself.
"""

import numpy as np

import ember
from ember import layers
from ember.utils import serialization
from tests.keras_ref.keras_runner import run_keras

_SNIPPET = """
class Scale(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


def squared(x):
    return x**2


class Holder(keras.layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def get_config(self):
        return {**super().get_config(), "inner": self.inner}

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.layers.deserialize(config["inner"])
        return cls(**config)

    def call(self, x):
        return self.inner(x)
"""


def _fresh(register):
    saved = dict(serialization._CUSTOM_OBJECTS)
    scope = {}
    exec(_SNIPPET.replace("keras.", "ember."), {"ember": ember}, scope)  # the same source as the Keras run
    if register:
        scope["Scale"] = ember.saving.register_keras_serializable(package="MyLayers")(scope["Scale"])
        scope["squared"] = ember.saving.register_keras_serializable(package="my_package", name="squared")(
            scope["squared"])
    return scope, saved


def _model(scope):
    inputs = ember.Input(shape=(4,))
    mid = scope["Scale"](0.5)(inputs)
    outputs = layers.Dense(1, activation=scope["squared"])(mid)
    return ember.Model(inputs, outputs)


def test_registered_custom_layer_and_activation_round_trip_through_a_keras_file(tmp_path):
    scope, saved = _fresh(register=True)
    try:
        model = _model(scope)
        x = np.random.default_rng(0).random((3, 4)).astype("float32")
        model.save(tmp_path / "m.keras")
        loaded = ember.models.load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
        assert loaded.layers[2].activation is scope["squared"]
    finally:
        serialization._CUSTOM_OBJECTS.clear()
        serialization._CUSTOM_OBJECTS.update(saved)


def test_custom_objects_argument_and_scope_reach_activations(tmp_path):
    scope, saved = _fresh(register=False)
    model = _model(scope)
    x = np.random.default_rng(1).random((3, 4)).astype("float32")
    model.save(tmp_path / "m.keras")
    custom = {"Scale": scope["Scale"], "squared": scope["squared"]}
    by_argument = ember.models.load_model(tmp_path / "m.keras", custom_objects=custom)
    with ember.saving.custom_object_scope(custom):
        by_scope = ember.models.load_model(tmp_path / "m.keras")
    for loaded in (by_argument, by_scope):
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert serialization._CUSTOM_OBJECTS == saved  # the scope and the argument leave no global entry
    try:
        ember.models.load_model(tmp_path / "m.keras")
    except ValueError as exc:
        assert "Scale" in str(exc) or "squared" in str(exc)
    else:
        raise AssertionError("load_model without the custom objects must fail naming the missing class")


def test_model_from_config_of_a_functional_config_and_nested_layer_serialization_match_keras():
    scope, _ = _fresh(register=False)
    holder = scope["Holder"](layers.Dense(3), name="holder")
    config = ember.layers.serialize(holder)
    inner = config["config"]["inner"]
    keys, inner_keys, inner_class = sorted(config), sorted(inner), inner["class_name"]
    inputs = ember.Input((5,))
    model = ember.Model(inputs, layers.Dense(2)(layers.Dense(3)(inputs)))
    rebuilt = ember.Model.from_config(model.get_config())
    copy = ember.layers.deserialize(config, custom_objects={"Holder": scope["Holder"]})
    reg = ember.saving.deserialize_keras_object(ember.saving.serialize_keras_object(ember.regularizers.L1(0.005)))
    keras = run_keras(_SNIPPET + """
holder = Holder(keras.layers.Dense(3), name="holder")
config = keras.layers.serialize(holder)
inner = config["config"]["inner"]
keys, inner_keys, inner_class = sorted(config), sorted(inner), inner["class_name"]
inputs = keras.Input((5,))
model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(3)(inputs)))
rebuilt = keras.Model.from_config(model.get_config())
copy = keras.layers.deserialize(config, custom_objects={"Holder": Holder})
reg = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(keras.regularizers.L1(0.005)))
result = {"keys": keys, "inner_keys": inner_keys, "inner_class": inner_class, "rebuilt": type(rebuilt).__name__,
          "rebuilt_layers": [type(l).__name__ for l in rebuilt.layers], "copy_inner": type(copy.inner).__name__,
          "copy_units": copy.inner.units, "reg": [type(reg).__name__, float(reg.l1)]}
""")
    assert keys == keras["keys"]
    assert inner_keys == keras["inner_keys"]
    assert inner_class == keras["inner_class"] == "Dense"
    assert type(rebuilt).__name__ == keras["rebuilt"] == "Functional"
    assert [type(lay).__name__ for lay in rebuilt.layers] == keras["rebuilt_layers"]
    assert [type(copy.inner).__name__, copy.inner.units] == [keras["copy_inner"], keras["copy_units"]]
    assert type(reg).__name__ == keras["reg"][0]
    assert np.float32(reg.l1) == np.float32(keras["reg"][1])  # Keras keeps l1 as float32
    x = np.random.default_rng(2).random((2, 5)).astype("float32")
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
