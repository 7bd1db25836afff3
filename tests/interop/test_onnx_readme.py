"""The README's "ONNX export and deployment" example runs as written and writes a model onnxruntime runs."""

import os
import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_onnx_example_runs(tmp_path):
    import onnxruntime as ort

    section = (ROOT / "README.md").read_text().split("### ONNX export and deployment", 1)[1]
    code = re.search(r"```py\n(.*?)```", section, flags=re.S).group(1)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    sess = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, namespace["model"].predict(x, verbose=0), rtol=1e-4, atol=1e-5)
