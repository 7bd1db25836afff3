"""ONNX's operator test cases through ember's ``onnx.backend``: the pass count must not regress (issue 13 §2).

All cases of the claimed operators run (about 10 s). FLOOR is the count measured when the table in
docs/onnx_import.md was last written (``tools/onnx_conformance.py``); raise it when more cases pass.
"""

from __future__ import annotations

import doctest
import importlib.util
import pathlib

import numpy as np
from onnx_helpers import require

from ember.interop.onnx import backend
from ember.interop.onnx.runtime import supported_ops

ROOT = pathlib.Path(__file__).resolve().parents[2]
FLOOR = 1495
CORE = ["Add", "Conv", "ConvTranspose", "MatMul", "Gemm", "Relu", "Softmax", "Reshape", "Transpose", "Concat",
        "Slice", "Gather", "BatchNormalization", "MaxPool", "AveragePool", "LSTM", "GRU", "Pad", "Resize"]  # fmt: skip


def _tool():
    spec = importlib.util.spec_from_file_location("onnx_conformance", ROOT / "tools" / "onnx_conformance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conformance_pass_count_does_not_regress():
    require("onnx")
    results = _tool().run_all()
    assert set(results) == set(supported_ops())
    passed = sum(reason is None for rows in results.values() for _, reason in rows)
    failures = [f"{op} {name}: {reason}" for op, rows in results.items() for name, reason in rows if reason]
    assert passed >= FLOOR, f"{passed} ONNX cases pass, fewer than {FLOOR}. Failures:\n" + "\n".join(failures)
    for op in CORE:  # the operators the real models rely on pass every case they have
        assert results[op] and all(reason is None for _, reason in results[op]), (op, results[op])


def test_docs_table_is_the_tools_output():
    text = (ROOT / "docs" / "onnx_import.md").read_text()
    assert f"{len(supported_ops())} operators claimed" in text


def test_backend_interface():
    onnx = require("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.1)
    x = np.array([[-2.0, 3.0]], np.float32)
    (y,) = backend.run_node(node, [x])
    np.testing.assert_allclose(y, [[-0.2, 3.0]], rtol=1e-6)
    assert backend.supports_device("CPU") and not backend.supports_device("CUDA")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])])  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    np.testing.assert_array_equal(backend.prepare(model).run([x])[0], y)
    assert issubclass(backend.backend(), onnx.backend.base.Backend)


def test_importer_docstring_example_runs():
    from ember.interop.onnx import importer

    assert doctest.testmod(importer).failed == 0


def test_readme_onnx_import_example_runs():
    text = (ROOT / "README.md").read_text()
    block = text.split("### ONNX import", 1)[1].split("```py\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["probs"].shape == (2, 2)
    np.testing.assert_allclose(namespace["probs"].sum(axis=1), 1.0, rtol=1e-5)
