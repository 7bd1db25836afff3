"""Issue 13 §1: every exportable layer type, random weights, batches 1 and 7: onnxruntime == model.predict."""

import pytest
from onnx_export_cases import CASES
from onnx_export_check import export_and_compare, randomize


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_exports_and_matches_predict(name, tmp_path):
    model, specs = CASES[name]()
    randomize(model)
    export_and_compare(model, specs, tmp_path / "model.onnx")


def test_every_registered_converter_has_a_case():
    """The parity cases cover each layer class that has a converter (so 'every exportable layer' is checked)."""
    from ember.interop.onnx.export import _load_converters
    from ember.interop.onnx.export_registry import registered_classes

    _load_converters()
    used = set()
    for make in CASES.values():
        model, _ = make()
        stack = list(model.layers)
        while stack:
            layer = stack.pop()
            used.add(type(layer))
            stack.extend(getattr(layer, "layers", []) or [])
            stack.extend(x for x in (getattr(layer, "layer", None), getattr(layer, "forward_layer", None)) if x)
    missing = sorted(c.__name__ for c in registered_classes() if not any(issubclass(u, c) for u in used))
    assert missing == []
