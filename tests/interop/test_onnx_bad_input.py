"""Bad ONNX files fail with clear errors before anything is allocated or read outside the model's folder."""

from __future__ import annotations

import os

import numpy as np
import pytest
from onnx_helpers import package_file, require

from ember.interop import UnsafeFileError
from ember.interop.onnx import load_model

onnx = require("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _add_bias_model(bias: TensorProto):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    return _model([helper.make_node("Add", ["x", "b"], ["y"])], [x], [y], [bias])


def _external(name: str, location: str, length: int = 16) -> TensorProto:
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[4])
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(length))):
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.onnx"):
        load_model(tmp_path / "nope.onnx")


@pytest.mark.parametrize("fraction", [0.5, 0.999])
def test_truncated_file_names_the_file(tmp_path, fraction):
    with open(package_file("rapidocr_onnxruntime", "models", "ch_ppocr_mobile_v2.0_cls_infer.onnx"), "rb") as f:
        data = f.read()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ValueError, match=r"cut\.onnx.*(corrupt or truncated)"):
        load_model(path)


@pytest.mark.parametrize("content", [b"", b"\x00" * 64, np.random.default_rng(0).bytes(2048)])
def test_corrupt_file_names_the_file(tmp_path, content):
    path = tmp_path / "junk.onnx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"junk\.onnx.*(corrupt|truncated)"):
        load_model(path)


def test_unsupported_operator_names_op_node_and_opset():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    model = _model([helper.make_node("Relu", ["x"], ["h"]), helper.make_node("Acos", ["h"], ["y"], name="odd_one")],
                   [x], [y], opset=15)  # fmt: skip
    with pytest.raises(NotImplementedError, match=r"'Acos'.*node 'odd_one'.*opset 15"):
        load_model(model)


def test_unsupported_domain_is_named():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    node = helper.make_node("Custom", ["x"], ["y"], name="c1", domain="com.example")
    graph = helper.make_graph([node], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    with pytest.raises(NotImplementedError, match=r"'Custom' in domain 'com.example' \(node 'c1'"):
        load_model(model, check=False)


def test_absurd_initializer_size_is_refused_before_allocating():
    huge = TensorProto(name="b", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20, 1 << 10], raw_data=b"\0" * 16)
    with pytest.raises(ValueError, match=r"tensor 'b'.*dims \[1048576, 1048576, 1024\].*more than"):
        load_model(_add_bias_model(huge))


def test_initializer_larger_than_its_data_is_refused(tmp_path):
    bias = helper.make_tensor("b", TensorProto.FLOAT, [4], vals=np.ones(4, np.float32).tobytes(), raw=True)
    bias.dims[:] = [4000]
    path = tmp_path / "short.onnx"
    path.write_bytes(_add_bias_model(bias).SerializeToString())
    with pytest.raises(ValueError, match=r"tensor 'b'.*short\.onnx.*16000 bytes.*holds 16 bytes"):
        load_model(path)


@pytest.mark.parametrize("location", ["../secret.bin", "sub/../../secret.bin", "/etc/passwd"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    (tmp_path / "secret.bin").write_bytes(np.ones(4, np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    path = folder / "m.onnx"
    path.write_bytes(_add_bias_model(_external("b", location)).SerializeToString())
    with pytest.raises(UnsafeFileError, match="outside the model's folder"):
        load_model(path)


def test_external_data_link_leaving_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(np.ones(4, np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    os.symlink(tmp_path / "secret.bin", folder / "weights.bin")
    path = folder / "m.onnx"
    path.write_bytes(_add_bias_model(_external("b", "weights.bin")).SerializeToString())
    with pytest.raises(UnsafeFileError, match="resolves outside"):
        load_model(path)


def test_external_data_inside_the_folder_loads(tmp_path):
    bias = numpy_helper.from_array(np.arange(4, dtype=np.float32), "b")
    model = _add_bias_model(bias)
    path = tmp_path / "m.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, location="w.bin", size_threshold=0)
    assert (tmp_path / "w.bin").stat().st_size == 16
    out = load_model(path).predict(np.zeros((2, 4), np.float32), verbose=0)
    np.testing.assert_array_equal(out, np.tile(np.arange(4, dtype=np.float32), (2, 1)))


def test_external_data_of_an_in_memory_model_is_refused():
    with pytest.raises(UnsafeFileError, match="given in memory"):
        load_model(_add_bias_model(_external("b", "w.bin")))


def test_external_data_shorter_than_declared_is_refused(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\x00" * 8)
    path = tmp_path / "m.onnx"
    path.write_bytes(_add_bias_model(_external("b", "w.bin")).SerializeToString())
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load_model(path)


def test_wrong_number_of_inputs_is_named():
    model = _add_bias_model(numpy_helper.from_array(np.zeros(4, np.float32), "b"))
    with pytest.raises(ValueError, match=r"expects 1 inputs \['x'\]"):
        load_model(model).run([np.zeros((1, 4), np.float32), np.zeros(1)])


@pytest.mark.parametrize("op", ["ConstantOfShape", "Expand"])
def test_absurd_shapes_computed_at_run_time_are_refused(op):
    shape = helper.make_tensor_value_info("s", TensorProto.INT64, [3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    if op == "ConstantOfShape":
        node, inputs = helper.make_node(op, ["s"], ["y"], name="huge"), [shape]
    else:
        node = helper.make_node(op, ["x", "s"], ["y"], name="huge")
        inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]), shape]
    model = load_model(_model([node], inputs, [y]), check=False)
    feeds = {"s": np.array([1 << 30, 1 << 30, 1 << 10], np.int64), "x": np.ones(1, np.float32)}
    with pytest.raises(ValueError, match=rf"'{op}' \(node 'huge'.*would create a tensor of shape"):
        model.run({k: v for k, v in feeds.items() if k in model.input_names})
