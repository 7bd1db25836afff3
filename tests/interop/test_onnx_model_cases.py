"""The model test cases shipped in the ``onnx`` wheel (``onnx/backend/test/data``) run in ember.

``simple``, ``pytorch-converted`` and ``pytorch-operator`` cases come with inputs and expected outputs;
the ``light`` architectures (weights replaced by constants) with an expected output for the ONNX test
runner's deterministic input ``arange(n) / n``. Cases using sequences, strings or the training domain
must fail with NotImplementedError naming the operator.
"""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest
from onnx_helpers import require

from ember.interop.onnx import load_model

onnx = require("onnx")
from onnx import numpy_helper  # noqa: E402

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
UNSUPPORTED = ("Sequence", "SplitToSequence", "StringNormalizer", "Gradient")


def _case_dirs():
    dirs = [
        d
        for kind in ("simple", "pytorch-converted", "pytorch-operator")
        for d in glob.glob(os.path.join(DATA, kind, "*"))
    ]
    return sorted(d for d in dirs if os.path.isfile(os.path.join(d, "model.onnx")))


def _load(pb):
    return numpy_helper.to_array(onnx.load_tensor(pb))


@pytest.mark.parametrize("case", _case_dirs(), ids=os.path.basename)
def test_model_case(case):
    path = os.path.join(case, "model.onnx")
    ops = {n.op_type for n in onnx.load(path).graph.node}
    if any(op.startswith(UNSUPPORTED) for op in ops):
        with pytest.raises(NotImplementedError, match="unsupported operator"):
            load_model(path)
        return
    model = load_model(path)
    for data_set in sorted(glob.glob(os.path.join(case, "test_data_set_*"))):
        inputs = [_load(p) for p in sorted(glob.glob(os.path.join(data_set, "input_*.pb")))]
        expected = [_load(p) for p in sorted(glob.glob(os.path.join(data_set, "output_*.pb")))]
        got = model.run(inputs)
        assert len(got) == len(expected)
        for g, w in zip(got, expected, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("name", ["light_squeezenet", "light_shufflenet", "light_densenet121"])
def test_light_architecture(name):
    path = os.path.join(DATA, "light", f"{name}.onnx")
    shape = (1, 3, 224, 224)
    x = (np.arange(np.prod(shape)).reshape(shape) / np.prod(shape)).astype(np.float32)
    got = load_model(path).run([x])[0]
    np.testing.assert_allclose(got, _load(path.replace(".onnx", "_output_0.pb")), rtol=1e-3, atol=1e-5)
