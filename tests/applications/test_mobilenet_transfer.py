"""Transfer item (b) of issue 12: frozen ImageNet MobileNetV2 features + a Dense head on lfw_subset.

Runs ``examples/transfer_mobilenet_lfw.py`` (needs scikit-image, in the ``test`` extra). Measured:
100.00 % on the 60 held-out crops against 95.00 % for the same head on raw pixels (RESULTS_FAMILIES.md).
"""

import importlib.util
import pathlib

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "transfer_mobilenet_lfw.py"


def _example():
    if importlib.util.find_spec("skimage") is None:
        pytest.fail("scikit-image is missing: install the test extra (pip install -e '.[test]')")
    spec = importlib.util.spec_from_file_location("transfer_mobilenet_lfw", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_is_stratified_and_disjoint():
    (x_train, y_train), (x_test, y_test) = _example().load_lfw_subset()
    assert x_train.shape == (140, 25, 25) and x_test.shape == (60, 25, 25)
    assert y_test.sum() == 30 and y_train.sum() == 70
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


@pytest.mark.slow
def test_pretrained_features_beat_raw_pixels():
    result = _example().run()
    assert result["mobilenet_head"] >= 0.95, result
    assert result["mobilenet_head"] > result["pixels_head"], result
