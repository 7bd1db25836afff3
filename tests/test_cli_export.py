"""Issue 13 §3: `ember export` and `ember predict`, and their one-line errors for bad files."""

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import layers
from ember.cli import main


@pytest.fixture
def saved(tmp_path):
    model = ember.Sequential([ember.Input((6, 6, 1)), layers.Conv2D(3, 3, activation="relu"), layers.Flatten(),
                              layers.Dense(4, activation="softmax")])  # fmt: skip
    path = tmp_path / "model.keras"
    model.save(str(path))
    x = np.random.default_rng(0).normal(size=(5, 6, 6, 1)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    return model, path, x


def test_export_then_predict_with_both_runtimes(saved, tmp_path, capsys):
    model, path, x = saved
    onnx_path = tmp_path / "model.onnx"
    assert main(["export", str(path), str(onnx_path), "--opset", "18"]) == 0
    assert "opset 18" in capsys.readouterr().out
    expected = model.predict(x, verbose=0)
    for source in (path, onnx_path):
        out = tmp_path / f"y_{source.suffix[1:]}.npy"
        assert main(["predict", str(source), str(tmp_path / "x.npy"), "--output", str(out)]) == 0
        np.testing.assert_allclose(np.load(out), expected, rtol=1e-4, atol=1e-5)
    assert main(["predict", str(onnx_path), str(tmp_path / "x.npy")]) == 0
    assert capsys.readouterr().out.count("[") >= 5  # the printed array


def _error(argv, capsys):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("ember: error: ") and err.count("\n") == 1, err
    return err


def test_missing_file_wrong_extension_corrupt_file(saved, tmp_path, capsys):
    _, path, _ = saved
    x = str(tmp_path / "x.npy")
    assert "no such file" in _error(["export", str(tmp_path / "nope.keras"), str(tmp_path / "m.onnx")], capsys)
    assert "expected a .keras file" in _error(["export", str(tmp_path / "x.npy"), str(tmp_path / "m.onnx")], capsys)
    assert "must be a .onnx file" in _error(["export", str(path), str(tmp_path / "m.pb")], capsys)
    assert "expected a .keras or .onnx file" in _error(["predict", x, x], capsys)
    bad_onnx = tmp_path / "bad.onnx"
    bad_onnx.write_bytes(b"\x08\x07garbage-not-a-protobuf" * 3)
    assert "is not a valid ONNX model" in _error(["predict", str(bad_onnx), x], capsys)
    bad_keras = tmp_path / "bad.keras"
    bad_keras.write_bytes(path.read_bytes()[:200])
    assert "bad.keras" in _error(["export", str(bad_keras), str(tmp_path / "m.onnx")], capsys)
    assert not (tmp_path / "m.onnx").exists()
    bad_npy = tmp_path / "bad.npy"
    bad_npy.write_bytes(b"\x93NUMPY garbage")
    assert "is not a readable .npy array" in _error(["predict", str(path), str(bad_npy)], capsys)
    assert "no such file" in _error(["predict", str(path), str(tmp_path / "none.npy")], capsys)


def test_console_entry_point_exit_status(saved, tmp_path):
    """The real `python -m ember` process: non-zero exit and a single stderr line."""
    done = subprocess.run([sys.executable, "-m", "ember", "predict", str(tmp_path / "gone.onnx"),
                           str(tmp_path / "x.npy")], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "no such file" in done.stderr
