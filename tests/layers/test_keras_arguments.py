"""Every Keras 3 constructor argument is accepted or refused loudly (issue 16), and activity regularization
matches Keras 3 (divided by the batch size). Keras's signatures and losses come from real Keras 3."""

import json

import numpy as np
import pytest

import ember
from ember import layers as L
from ember.layers.keras_arguments import KERAS_ONLY
from tests.keras_ref.keras_runner import run_keras

REQUIRED = {
    "Dense": {"units": 2}, "EinsumDense": {"equation": "ab,bc->ac", "output_shape": 2},
    "Embedding": {"input_dim": 3, "output_dim": 2}, "BatchNormalization": {}, "LayerNormalization": {},
    "MultiHeadAttention": {"num_heads": 2, "key_dim": 2}, "InputLayer": {"shape": [2]},
    "Conv2D": {"filters": 2, "kernel_size": 3}, "Conv3D": {"filters": 2, "kernel_size": 3},
    "Conv2DTranspose": {"filters": 2, "kernel_size": 3}, "DepthwiseConv2D": {"kernel_size": 3},
    "SeparableConv2D": {"filters": 2, "kernel_size": 3}, "SimpleRNN": {"units": 2}, "LSTM": {"units": 2},
    "GRU": {"units": 2}, "Dropout": {"rate": 0.5}, "MaxPooling2D": {}, "GlobalAveragePooling1D": {},
    "Flatten": {}, "Reshape": {"target_shape": [2]}, "Normalization": {}, "Activation": {"activation": "relu"},
    "GroupNormalization": {}, "Attention": {}, "AlphaDropout": {"rate": 0.1}, "Concatenate": {},
}  # fmt: skip

_SIGNATURES = """
import inspect
result = {}
for name in names:
    params = inspect.signature(getattr(keras.layers, name).__init__).parameters
    out = {}
    for p, v in params.items():
        if p == "self" or v.kind in (v.VAR_KEYWORD, v.VAR_POSITIONAL) or v.default is inspect.Parameter.empty:
            continue
        try:
            out[p] = json.loads(json.dumps(v.default))
        except TypeError:
            pass
    result[name] = out
"""


@pytest.fixture(scope="module")
def keras_defaults():
    return run_keras(f"names = {sorted(REQUIRED)}\n" + _SIGNATURES)


def test_every_keras_argument_at_its_default_is_accepted(keras_defaults):
    refused = []
    for name, defaults in keras_defaults.items():
        for arg, value in defaults.items():
            if arg in REQUIRED[name]:
                continue
            value = tuple(value) if isinstance(value, list) else value
            try:
                getattr(L, name)(**REQUIRED[name], **{arg: value})
            except (TypeError, NotImplementedError) as exc:
                refused.append(f"{name}({arg}={value!r}): {exc}")
    assert not refused, "\n".join(refused)


def test_keras_only_table_holds_keras_defaults_and_other_values_raise(keras_defaults):
    for name, table in KERAS_ONLY.items():
        for arg, default in table.items():
            if name in keras_defaults:
                assert keras_defaults[name][arg] == default, (name, arg)
    with pytest.raises(NotImplementedError, match=r"Dense: the Keras 3 argument lora_rank=4"):
        L.Dense(2, lora_rank=4)
    with pytest.raises(NotImplementedError, match="renorm=True"):
        L.BatchNormalization(renorm=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        ember.Input((3,), sparse=True)
    with pytest.raises(TypeError, match="bogus"):
        L.Dense(2, bogus=1)
    assert ember.Input(batch_shape=(4, 3)).shape == (4, 3)


_ACTIVITY = """
x = np.arange(12, dtype="float32").reshape(4, 3) / 10
dense = ns.layers.Dense(2, activity_regularizer=ns.regularizers.L2(0.01), kernel_initializer="ones")
reg = ns.layers.ActivityRegularization(l1=0.01, l2=0.02)
custom = ns.layers.Activation("tanh", activity_regularizer=ns.regularizers.L1(0.1))
result = [float(sum(np.asarray(ns.ops.convert_to_numpy(v)) for v in layer.losses))
          for layer in (dense, reg, custom) if layer(x) is not None]
"""


def test_activity_regularization_matches_keras_3():
    expected = run_keras("ns = keras\n" + _ACTIVITY)
    namespace = {"ns": ember, "np": np}
    exec(_ACTIVITY, namespace)
    np.testing.assert_allclose(namespace["result"], expected, rtol=1e-6)
    assert json.dumps(L.Activation("tanh", activity_regularizer="l2").get_config()["activity_regularizer"])
