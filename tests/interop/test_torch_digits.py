"""digit-recognizer-py's ``handwriting_model.pth`` rebuilt in ember reaches its 99.06 % on real MNIST.

The torch architecture (``digit_recognizer/model.py``, read, not imported: it imports torch) is
Conv(1->32, 3, pad 1)-ReLU-MaxPool(2), Conv(32->64)-ReLU-MaxPool, Conv(64->128)-ReLU-MaxPool,
flatten (channels first: 128*3*3), Linear(1152->256)-ReLU-Linear(256->10). In ember the flatten is
channels-last; ``load_state_dict`` permutes the first Dense kernel's rows accordingly (torch_convert).
Input normalisation: ``(x/255 - 0.1307)/0.3081``.
Reproduce: ``PYTHONPATH=$PWD python -m pytest -q tests/interop/test_torch_digits.py``.
"""

import importlib.util
import os

import numpy as np
import pytest

import ember
import ember.interop.torch as et
from ember import layers as L


def digit_model():
    """The CNN of ``digit_recognizer/model.py`` with ember layers, channels last ``(batch, 28, 28, 1)``."""
    return ember.models.Sequential([
        L.Input((28, 28, 1)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(128, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(256, activation="relu"), L.Dense(10),
    ])  # fmt: skip


def _checkpoint():
    root = importlib.util.find_spec("digit_recognizer").submodule_search_locations[0]
    return os.path.join(root, "models", "handwriting_model.pth")


def test_handwriting_model_reaches_its_accuracy_on_mnist_test_set():
    (_, _), (x_test, y_test) = ember.datasets.mnist.load_data()
    model = digit_model()
    pairs = et.load_state_dict(model, _checkpoint())
    assert [k for _, k in pairs][-4:] == ["fc_layers.0.weight", "fc_layers.0.bias", "fc_layers.2.weight",
                                          "fc_layers.2.bias"]  # fmt: skip
    x = ((x_test.astype("float32") / 255.0 - 0.1307) / 0.3081)[..., None]
    logits = model.predict(x, batch_size=500, verbose=0)
    accuracy = float((logits.argmax(1) == y_test).mean())
    assert accuracy == pytest.approx(0.9906, abs=1e-4), accuracy


def test_handwriting_model_logits_equal_torch_on_a_few_digits():
    import torch
    from torch import nn

    (_, _), (x_test, _) = ember.datasets.mnist.load_data()
    x = ((x_test[:16].astype("float32") / 255.0 - 0.1307) / 0.3081)[..., None]
    sd = torch.load(_checkpoint(), map_location="cpu", weights_only=True)
    convs = [nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1), nn.Conv2d(64, 128, 3, padding=1)]
    reference = nn.ModuleDict({
        "conv_layers": nn.Sequential(*[m for c in convs for m in (c, nn.ReLU(), nn.MaxPool2d(2))]),
        "fc_layers": nn.Sequential(nn.Linear(1152, 256), nn.ReLU(), nn.Linear(256, 10)),
    })  # fmt: skip
    reference.load_state_dict(sd, strict=True)
    with torch.no_grad():
        maps = reference["conv_layers"](torch.tensor(x).permute(0, 3, 1, 2))
        expected = reference["fc_layers"](maps.flatten(1)).numpy()
    model = digit_model()
    et.load_state_dict(model, _checkpoint())
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)
