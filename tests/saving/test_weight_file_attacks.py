"""Hand-made malicious or damaged safetensors weight files: every one is a ValueError, nothing loads."""

import json
import pathlib
import struct

import numpy as np
import pytest

import ember
from ember import layers
from ember.saving import tensor_file


def _model():
    return ember.Sequential([layers.Dense(2, input_dim=3)])


def _file(header: dict, data: bytes, header_len=None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if header_len is None else header_len) + text + data


def _good_parts(model, folder: pathlib.Path):
    path = folder / "good.weights.safetensors"
    model.save_weights(str(path))
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _reject(payload: bytes, match: str, folder: pathlib.Path):
    path = folder / "bad.weights.safetensors"
    path.write_bytes(payload)
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.load_weights(str(path))
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_attack_corpus_is_rejected(tmp_path):
    header, data = _good_parts(_model(), tmp_path)
    kernel_key = next(k for k in header if k.endswith("kernel"))
    cases = []
    cases.append((_file(header, data, header_len=100 * 1024 * 1024), "header claims"))
    cases.append((b"\x01\x02", "at least 8"))
    cases.append((_file(header, data + b"PK\x05\x06 polyglot trailer"), "trailing bytes"))
    neg = json.loads(json.dumps(header))
    neg[kernel_key]["data_offsets"] = [-8, 16]
    cases.append((_file(neg, data), "outside"))
    over = json.loads(json.dumps(header))
    over[kernel_key]["shape"] = [2**62, 2**62]
    cases.append((_file(over, data), "not a valid safetensors file"))
    overlap = json.loads(json.dumps(header))
    other = next(k for k in header if k not in (kernel_key, "__metadata__"))
    overlap[other]["data_offsets"] = overlap[kernel_key]["data_offsets"]
    cases.append((_file(overlap, data), "not a valid safetensors file|truncated|checksum"))
    cases.append((struct.pack("<Q", 9) + b"{not json" + data, "not a valid safetensors file"))
    no_sum = json.loads(json.dumps(header))
    del no_sum["__metadata__"]["sha256"]
    cases.append((_file(no_sum, data), "has no checksum"))
    for payload, match in cases:
        _reject(payload, match, tmp_path)


def test_checksum_covers_names_shapes_and_bytes():
    a = {"w": np.zeros((2, 3), "float32")}
    base = tensor_file.checksum(a)
    assert tensor_file.checksum({"v": a["w"]}) != base
    assert tensor_file.checksum({"w": a["w"].reshape(3, 2)}) != base
    flipped = a["w"].copy()
    flipped.reshape(-1).view(np.uint8)[5] ^= 1
    assert tensor_file.checksum({"w": flipped}) != base
    assert tensor_file.checksum({"w": np.zeros((2, 3), "float32")}) == base


def test_every_single_bit_flip_in_the_data_area_is_detected(tmp_path):
    header, data = _good_parts(_model(), tmp_path)
    prefix = _file(header, b"")
    for byte in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[byte] ^= 1 << bit
            with pytest.raises(ValueError, match="checksum mismatch"):
                tensor_file.decode(prefix + bytes(flipped), "mem", "load_weights")
