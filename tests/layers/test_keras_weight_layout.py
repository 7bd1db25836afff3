"""Every layer's weights against real Keras 3 (issue 16): same count, names, order, shapes and trainability.

Each layer is built in ember and in Keras 3 (torch backend, one subprocess for all) with the same
arguments and input, and ``layer.weights`` is compared entry by entry.
"""

import json

import numpy as np
import pytest

from ember import layers as L
from tests.keras_ref.keras_runner import run_keras
from tests.layers.test_run_layer_test import CASES

_PAIRED = {"AveragePooling2D": {"pool_size": 2}}  # Keras 3 has no default pool_size here; ember's is 2
SPECS = [(c[0].__name__, {**_PAIRED.get(c[0].__name__, {}), **c[1]}, c[2]) for c in CASES if c[0] is not L.Lambda]
SPECS += [
    ("Embedding", {"input_dim": 6, "output_dim": 3}, (2, 4)),
    ("SimpleRNN", {"units": 3}, (2, 5, 4)),
    ("LSTM", {"units": 3}, (2, 5, 4)),
    ("GRU", {"units": 3}, (2, 5, 4)),
    ("Bidirectional", {"layer": "LSTM"}, (2, 5, 4)),
    ("TimeDistributed", {"layer": "Dense"}, (2, 5, 4)),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, (2, 5, 4)),
    ("Attention", {"use_scale": True}, (2, 5, 4)),
    ("AdditiveAttention", {}, (2, 5, 4)),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (2, 3, 4, 4, 3)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2}, (2, 3, 3, 3, 3)),
    ("MaxPooling3D", {"pool_size": 2}, (2, 4, 4, 4, 3)),
]

_BUILD = """
def make(ns, name, kw):
    kw = dict(kw)
    if "layer" in kw:
        kw["layer"] = ns.LSTM(3) if kw["layer"] == "LSTM" else ns.Dense(3)
    return getattr(ns, name)(**kw)

def weights_of(ns, name, kw, shape):
    layer = make(ns, name, kw)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    if name == "Embedding":
        x = np.ones(shape, "int32")
    if name == "MultiHeadAttention":
        layer(x, x)
    elif name in ("Attention", "AdditiveAttention"):
        layer([x, x])
    else:
        layer(x)
    return [[w.name, list(w.shape), bool(w.trainable)] for w in layer.weights]
"""


@pytest.fixture(scope="module")
def keras_weights():
    code = _BUILD + f"specs = json.loads({json.dumps(json.dumps(SPECS))})\n"
    code += "result = [weights_of(keras.layers, *s) for s in specs]\n"
    return run_keras(code)


def test_weights_match_keras_3_in_count_name_order_shape_and_trainability(keras_weights):
    namespace = {"np": np}
    exec(_BUILD, namespace)
    mismatches = []
    for spec, expected in zip(SPECS, keras_weights, strict=True):
        got = namespace["weights_of"](L, *spec)
        if got != expected:
            mismatches.append(f"{spec[0]} {spec[1]}: ember {got} != keras {expected}")
    assert not mismatches, "\n".join(mismatches)
    assert sum(len(w) for w in keras_weights) > 60  # the comparison covers real weights, not empty lists
