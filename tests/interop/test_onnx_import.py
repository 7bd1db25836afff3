"""ONNX import: predict/run semantics, weights, control flow and recurrent ops against onnxruntime,
fine-tuning an imported model, and float64 gradient checks of the composed operator kernels."""

from __future__ import annotations

import numpy as np
import pytest
from onnx_helpers import require

import ember
from ember.interop.onnx import OnnxModel, load_model
from ember.interop.onnx.runtime import Node, kernels
from ember.testing import gradcheck

onnx = require("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RNG = np.random.default_rng(0)


def _vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def _model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8  # what the installed onnxruntime reads
    return model


def _init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def _ort_run(model, feeds):
    ort = require("onnxruntime")
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)


def _mlp():
    w1, b1 = RNG.standard_normal((3, 8)).astype(np.float32), np.zeros(8, np.float32)
    w2, b2 = RNG.standard_normal((8, 1)).astype(np.float32) * 0.3, np.zeros(1, np.float32)
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["y"]),
    ]
    inits = [_init("w1", w1), _init("b1", b1), _init("w2", w2), _init("b2", b2)]
    return _model(nodes, [_vi("x", ["N", 3])], [_vi("y", ["N", 1])], inits)


def test_two_inputs_two_outputs_by_position_and_name():
    nodes = [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Mul", ["a", "b"], ["p"])]
    model = _model(nodes, [_vi("a", ["N", 2]), _vi("b", ["N", 2])], [_vi("s", ["N", 2]), _vi("p", ["N", 2])])
    m = load_model(model)
    assert isinstance(m, ember.models.Model) and m.input_names == ["a", "b"] and m.output_names == ["s", "p"]
    a, b = RNG.standard_normal((5, 2)).astype(np.float32), RNG.standard_normal((5, 2)).astype(np.float32)
    s, p = m.predict([a, b], batch_size=2, verbose=0)
    np.testing.assert_allclose(s, a + b, rtol=1e-6)
    np.testing.assert_allclose(p, a * b, rtol=1e-6)
    s2, p2 = m.predict({"b": b, "a": a}, verbose=0)
    np.testing.assert_array_equal(s2, s)
    np.testing.assert_array_equal(p2, p)


def test_weights_trainable_floats_frozen_ints_and_batchnorm_statistics():
    nodes = [
        helper.make_node("BatchNormalization", ["x", "g", "b", "mean", "var"], ["n"]),
        helper.make_node("Reshape", ["n", "shape"], ["y"]),
    ]
    inits = [_init("g", np.ones(2, np.float32)), _init("b", np.zeros(2, np.float32)),
             _init("mean", np.zeros(2, np.float32)), _init("var", np.ones(2, np.float32)),
             _init("shape", np.array([0, -1], np.int64))]  # fmt: skip
    m = load_model(_model(nodes, [_vi("x", ["N", 2, 3])], [_vi("y", ["N", 6])], inits))
    assert sorted(w.name for w in m.trainable_weights) == ["b", "g"]
    assert sorted(w.name for w in m.non_trainable_weights) == ["mean", "shape", "var"]
    assert m.predict(np.ones((4, 2, 3), np.float32), verbose=0).shape == (4, 6)


def test_if_branch_reads_the_outer_scope():
    then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [], [_vi("t", [2])])
    else_g = helper.make_graph([helper.make_node("Exp", ["x"], ["e"])], "else", [], [_vi("e", [2])])
    node = helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)
    model = _model([node], [_vi("c", [], TensorProto.BOOL), _vi("x", [2])], [_vi("y", [2])])
    m, x = load_model(model), np.array([0.5, -1.0], np.float32)
    for cond in (True, False):
        feeds = {"c": np.array(cond), "x": x}
        np.testing.assert_allclose(m.run(feeds)[0], _ort_run(model, feeds)[0], rtol=1e-6)


@pytest.mark.parametrize("op,gates", [("LSTM", 4), ("GRU", 3), ("RNN", 1)])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_recurrent_ops_match_onnxruntime(op, gates, direction):
    dirs, hidden, seq, batch, features = 1 + (direction == "bidirectional"), 5, 4, 3, 2
    w = RNG.standard_normal((dirs, gates * hidden, features)).astype(np.float32) * 0.5
    r = RNG.standard_normal((dirs, gates * hidden, hidden)).astype(np.float32) * 0.5
    b = RNG.standard_normal((dirs, 2 * gates * hidden)).astype(np.float32) * 0.1
    h0 = RNG.standard_normal((dirs, batch, hidden)).astype(np.float32)
    ins = ["x", "w", "r", "b", "", "h0"]
    attrs = {"linear_before_reset": 1} if op == "GRU" else {}
    outs = [_vi("y", [seq, dirs, batch, hidden]), _vi("yh", [dirs, batch, hidden])]
    node = helper.make_node(op, ins, ["y", "yh"], hidden_size=hidden, direction=direction, **attrs)
    model = _model([node], [_vi("x", [seq, batch, features])], outs,
                   [_init("w", w), _init("r", r), _init("b", b), _init("h0", h0)], opset=14)  # fmt: skip
    x = RNG.standard_normal((seq, batch, features)).astype(np.float32)
    for got, want in zip(load_model(model).run([x]), _ort_run(model, {"x": x}), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fine_tuning_an_imported_model_lowers_the_loss_and_exports_back():
    m = load_model(_mlp())
    x = RNG.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    m.compile(optimizer=ember.optimizers.SGD(0.05), loss="mse")
    before = m.evaluate(x, y, verbose=0)
    m.fit(x, y, batch_size=64, epochs=1, verbose=0)
    after = m.evaluate(x, y, verbose=0)
    assert after < before
    updated = m.to_onnx()
    onnx.checker.check_model(updated)
    np.testing.assert_allclose(_ort_run(updated, {"x": x})[0], m.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_summary_lists_the_graph_layer(capsys):
    m = load_model(_mlp())
    m.summary()
    assert isinstance(m, OnnxModel) and "OnnxGraphLayer" in capsys.readouterr().out
    assert m.count_params() == 3 * 8 + 8 + 8 + 1


# ------------------------------------------------------------------ float64 gradient checks of the kernels
def _kernel(op_type, n_inputs, opset=17, output=0, **attrs):
    proto = helper.make_node(op_type, [f"i{k}" for k in range(n_inputs)], ["o0", "o1", "o2"][: output + 1], **attrs)
    node, fn = Node(proto, opset, None), kernels()[op_type]

    def run(*tensors):
        out = fn(node, list(tensors))
        return out[output] if isinstance(out, list) else out

    run.__name__ = op_type
    return run


def _r(*shape):
    return RNG.standard_normal(shape)


@pytest.mark.parametrize(
    "op,attrs,inputs",
    [
        ("Conv", {"pads": [1, 0, 2, 1], "strides": [2, 1], "group": 2}, [_r(1, 4, 5, 4), _r(6, 2, 3, 2), _r(6)]),
        ("Conv", {"auto_pad": "SAME_LOWER", "dilations": [2]}, [_r(2, 2, 7), _r(3, 2, 2)]),
        ("ConvTranspose", {"strides": [2, 2], "pads": [1, 0, 0, 1], "output_padding": [1, 1], "group": 2},
         [_r(1, 4, 3, 3), _r(4, 1, 3, 2), _r(2)]),
        ("AveragePool", {"kernel_shape": [3, 2], "pads": [1, 1, 1, 0], "strides": [2, 1]}, [_r(1, 2, 5, 4)]),
        ("MaxPool", {"kernel_shape": [2, 2], "dilations": [2, 1], "ceil_mode": 1, "strides": [2, 2]},
         [_r(1, 2, 6, 5)]),
        ("Resize", {"mode": "linear"}, [_r(1, 2, 3, 4), None, np.array([1, 1, 2.0, 1.5], np.float32)]),
        ("Resize", {"mode": "cubic", "coordinate_transformation_mode": "align_corners"},
         [_r(1, 1, 4, 4), None, np.array([1, 1, 1.5, 2.0], np.float32)]),
        ("LayerNormalization", {"axis": -2}, [_r(2, 3, 4), _r(3, 4), _r(3, 4)]),
        ("BatchNormalization", {"epsilon": 1e-3}, [_r(2, 3, 4), _r(3), _r(3), _r(3), np.abs(_r(3)) + 0.5]),
        ("InstanceNormalization", {}, [_r(2, 3, 5), _r(3), _r(3)]),
        ("HardSwish", {}, [np.array([-4.0, -2.0, 0.3, 1.7, 3.5])]),
        ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, [np.array([-2.0, -0.5, 0.4, 1.5])]),
        ("Pad", {"mode": "reflect"}, [_r(2, 4), np.array([0, 2, 0, 1], np.int64)]),
        ("Gemm", {"transA": 1, "alpha": 0.5, "beta": 2.0}, [_r(3, 2), _r(3, 4), _r(4)]),
        ("Softmax", {"axis": 1}, [_r(2, 3, 4)]),
        ("Attention", {"is_causal": 1}, [_r(1, 2, 3, 4), _r(1, 1, 5, 4), _r(1, 1, 5, 3)]),
        ("Attention", {"q_num_heads": 2, "kv_num_heads": 2, "softcap": 2.0}, [_r(2, 3, 4), _r(2, 2, 4), _r(2, 2, 6)]),
        ("RMSNormalization", {"axis": 1}, [_r(2, 3, 4), _r(3, 4)]),
        ("LRN", {"size": 3, "alpha": 0.1}, [_r(1, 4, 3)]),
        ("SoftmaxCrossEntropyLoss", {"ignore_index": 2}, [_r(4, 3, 2), np.array([[0, 2], [1, 1], [2, 0], [1, 0]]),
                                                         np.abs(_r(3)) + 0.1]),
        ("TopK", {"axis": 1}, [_r(2, 5), np.array([2])]),
        ("CumSum", {"reverse": 1, "exclusive": 1}, [_r(2, 4), np.array(1)]),
    ],
)  # fmt: skip
def test_kernel_gradients_float64(op, attrs, inputs):
    fn = _kernel(op, len(inputs), **attrs)
    # float inputs are differentiated; None (omitted) and Resize's scales are held fixed
    fixed = {k: a for k, a in enumerate(inputs) if a is None or (op == "Resize" and k == 2)}
    free = [k for k in range(len(inputs)) if k not in fixed]

    def call(*tensors):
        full = dict(zip(free, tensors, strict=True))
        full.update({k: None if a is None else ember.tensor(a) for k, a in fixed.items()})
        return fn(*(full[k] for k in range(len(inputs))))

    assert gradcheck(call, [inputs[k] for k in free])


def _loop_model(w, elem):
    body = helper.make_graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"]), helper.make_node("MatMul", ["h", "w"], ["h2"]),
         helper.make_node("Tanh", ["h2"], ["h_out"]), helper.make_node("Identity", ["h_out"], ["scan"])],
        "body", [_vi("i", [], TensorProto.INT64), _vi("c_in", [], TensorProto.BOOL), _vi("h", [2, 3], elem)],
        [_vi("c_out", [], TensorProto.BOOL), _vi("h_out", [2, 3], elem), _vi("scan", [2, 3], elem)],
    )  # fmt: skip
    node = helper.make_node("Loop", ["m", "", "h0"], ["h_final", "hs"], body=body)
    return _model([node], [_vi("m", [], TensorProto.INT64), _vi("h0", [2, 3], elem)],
                  [_vi("h_final", [2, 3], elem), _vi("hs", [3, 2, 3], elem)], [_init("w", w)], opset=16)  # fmt: skip


def test_loop_matches_onnxruntime_and_carries_gradients():
    w, h0 = RNG.standard_normal((3, 3)), RNG.standard_normal((2, 3))
    model = _loop_model(w.astype(np.float32), TensorProto.FLOAT)
    feeds = {"m": np.array(3, np.int64), "h0": h0.astype(np.float32)}
    for got, want in zip(load_model(model).run(feeds), _ort_run(model, feeds), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    layer = load_model(_loop_model(w, TensorProto.DOUBLE)).graph_layer  # float64 weights for the gradient check
    assert gradcheck(lambda h: layer({"m": np.array(3, np.int64), "h0": h})[1], [h0])
    # the weight's gradient equals that of the same recurrence written with ember ops
    layer({"m": np.array(3, np.int64), "h0": h0})[0].sum().backward()
    w_ref, h = ember.tensor(w, requires_grad=True), ember.tensor(h0)
    for _ in range(3):
        h = ember.ops.tanh(ember.ops.matmul(h, w_ref))
    h.sum().backward()
    np.testing.assert_allclose(layer.params["w"].grad.numpy(), w_ref.grad.numpy(), rtol=1e-12)
    assert np.abs(w_ref.grad.numpy()).sum() > 0


@pytest.mark.parametrize("op,gates", [("LSTM", 4), ("GRU", 3)])
def test_recurrent_kernel_gradients_float64(op, gates):
    hidden, seq, batch, features = 2, 3, 2, 2
    inputs = [_r(seq, batch, features), _r(1, gates * hidden, features) * 0.5, _r(1, gates * hidden, hidden) * 0.5,
              _r(1, 2 * gates * hidden) * 0.1]  # fmt: skip
    fn = _kernel(op, 4, hidden_size=hidden)
    assert gradcheck(fn, inputs)


def test_export_then_import_gives_the_same_outputs(tmp_path):
    m = load_model(_mlp())
    m.graph_layer.params["b1"].assign(np.full(8, 0.25, np.float32))  # a changed weight must survive the trip
    path = tmp_path / "again.onnx"
    m.export(path)
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    again = load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), m.predict(x, verbose=0))
    np.testing.assert_array_equal(again.graph_layer.params["b1"].numpy(), np.full(8, 0.25, np.float32))
    with pytest.raises(ValueError, match="only format='onnx'"):
        m.export(tmp_path / "x.tflite", format="tflite")


def test_constant_weights_become_weights_and_the_callers_proto_is_untouched():
    w = numpy_helper.from_array(RNG.standard_normal((3, 2)).astype(np.float32), "wv")
    nodes = [
        helper.make_node("Constant", [], ["w"], value=w),
        helper.make_node("Constant", [], ["six"], value_float=6.0),
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Div", ["h", "six"], ["y"]),
    ]
    model = _model(nodes, [_vi("x", ["N", 3])], [_vi("y", ["N", 2])])
    before = model.SerializeToString()
    m = load_model(model)
    assert model.SerializeToString() == before
    assert [v.name for v in m.trainable_weights] == ["w"]  # the matrix is a weight, the scalar 6 stays a constant
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(m.predict(x, verbose=0), x @ numpy_helper.to_array(w) / 6, rtol=1e-6)
