"""Issue 13 §1: every exportable layer type, random weights, batches 1 and 7: onnxruntime == model.predict."""

import pytest
from onnx_export_cases import CASES
from onnx_export_check import export_and_compare, randomize


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_exports_and_matches_predict(name, tmp_path):
    model, specs = CASES[name]()
    randomize(model)
    export_and_compare(model, specs, tmp_path / "model.onnx")
