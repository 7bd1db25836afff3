"""The malicious-file corpus of RELIABILITY.md D5: each case builds a hostile file and names the loader to
point at it. Payloads, if ever executed, create the sentinel file ``CANARY`` next to the file."""

from __future__ import annotations

import io
import json
import zipfile

from ember import models
from tests.reliability.file_formats import small_model


def _zip(path, members: dict, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def _valid_keras_members(tmp_path) -> dict:
    good = tmp_path / "valid.keras"
    small_model().save(good)
    with zipfile.ZipFile(good) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _with_config(tmp_path, name, mutate):
    members = _valid_keras_members(tmp_path)
    config = json.loads(members["config.json"])
    mutate(config)
    members["config.json"] = json.dumps(config).encode()
    return _zip(tmp_path / name, members)


def _layers(config):
    inner = config.get("config", config)
    return inner["layers"]


def os_system_class(tmp_path):
    """A layer entry naming ``os.system`` as its module/class (the Keras config-injection shape)."""
    canary = tmp_path / "CANARY"

    def mutate(config):
        _layers(config)[-1].update({"module": "os", "class_name": "system", "registered_name": "system",
                                     "config": {"command": f"touch {canary}"}})  # fmt: skip

    return _with_config(tmp_path, "os_system.keras", mutate)


def lambda_by_name(tmp_path):
    """A Lambda layer whose function is named by module path (Keras's function-by-name config)."""
    def mutate(config):
        _layers(config).append({"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                "config": {"name": "evil", "function": {"module": "os", "class_name": "function",
                                                                        "config": "system",
                                                                        "registered_name": "function"},
                                           "arguments": {"command": "touch CANARY"}}})  # fmt: skip

    return _with_config(tmp_path, "lambda.keras", mutate)


def unsafe_deserialization_gadget(tmp_path):
    """A Lambda calling ``keras.config.enable_unsafe_deserialization`` (CVE-2025-1550's gadget)."""
    def mutate(config):
        _layers(config).insert(0, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                   "config": {"name": "gadget", "function": {
                                       "module": "keras.config", "class_name": "function",
                                       "config": "enable_unsafe_deserialization", "registered_name": "function"}}})

    return _with_config(tmp_path, "gadget.keras", mutate)


def zip_traversal(tmp_path):
    """A member named ``../escape.txt`` next to the valid ones."""
    members = _valid_keras_members(tmp_path)
    members["../escape.txt"] = b"escaped"
    members["/abs_escape.txt"] = b"escaped"
    return _zip(tmp_path / "traversal.keras", members)


def zip_bomb(tmp_path):
    """A config.json that inflates from ~200 kB to 200 MB."""
    members = _valid_keras_members(tmp_path)
    members["config.json"] = b" " * (200 * 1024 * 1024)
    return _zip(tmp_path / "bomb.keras", members, zipfile.ZIP_DEFLATED)


def huge_json(tmp_path):
    """A 100 MB config.json (stored)."""
    members = _valid_keras_members(tmp_path)
    members["config.json"] = b'{"a": "' + b"x" * (100 * 1024 * 1024) + b'"}'
    return _zip(tmp_path / "huge_json.keras", members)


def polyglot_trailer(tmp_path):
    """A valid archive with a shell script appended after the zip's end."""
    path = tmp_path / "polyglot.keras"
    small_model().save(path)
    path.write_bytes(path.read_bytes() + b"\n#!/bin/sh\ntouch CANARY\n" * 10)
    return path


def safetensors_header(header: dict, size_field: int | None = None):
    """A safetensors file with ``header`` (and a lying size field when given), then 64 zero bytes."""
    def build(tmp_path):
        body = json.dumps(header).encode()
        path = tmp_path / "weights.weights.safetensors"
        size = len(body) if size_field is None else size_field
        path.write_bytes(size.to_bytes(8, "little") + body + b"\0" * 64)
        return path

    return build


def onnx_external_data(location: str):
    """An ONNX model whose initializer's external data points at ``location`` (outside the model's folder)."""
    def build(tmp_path):
        from onnx import TensorProto, helper

        weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, 2], data_location=TensorProto.EXTERNAL)
        for key, value in (("location", location), ("offset", "0"), ("length", "16")):
            entry = weight.external_data.add()
            entry.key, entry.value = key, value
        node = helper.make_node("MatMul", ["x", "w"], ["y"])
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [weight])
        path = tmp_path / "external.onnx"
        path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
        return path

    return build


def _load_onnx(path):
    from ember.interop.onnx import load_model

    load_model(path)


class _Payload:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return self.fn, (self.arg,)


def torch_reduce_payload(zipped: bool, fn_name: str):
    """A torch.save checkpoint whose pickle calls ``os.system`` / ``print`` through ``__reduce__``."""
    def build(tmp_path):
        import os

        import torch

        fn = {"system": os.system, "print": print}[fn_name]
        path = tmp_path / f"evil_{fn_name}_{'zip' if zipped else 'legacy'}.pth"
        torch.save({"weight": _Payload(fn, f"touch {tmp_path / 'CANARY'}")}, path,
                   _use_new_zipfile_serialization=zipped)  # fmt: skip
        return path

    return build


def _load_torch(path):
    from ember.interop.torch import read_state_dict

    read_state_dict(path)


def _load_weights(path):
    small_model().load_weights(str(path))


CASES = {
    "keras: os.system as a layer class": (os_system_class, models.load_model),
    "keras: Lambda with a function by name": (lambda_by_name, models.load_model),
    "keras: enable_unsafe_deserialization gadget": (unsafe_deserialization_gadget, models.load_model),
    "keras: zip member ../escape": (zip_traversal, models.load_model),
    "keras: zip bomb (200 MB config)": (zip_bomb, models.load_model),
    "keras: 100 MB JSON header": (huge_json, models.load_model),
    "keras: polyglot trailer": (polyglot_trailer, models.load_model),
    "onnx: external data ../ outside the folder": (onnx_external_data("../../etc/passwd"), _load_onnx),
    "onnx: external data absolute path": (onnx_external_data("/etc/passwd"), _load_onnx),
    "pth: __reduce__ os.system (zip)": (torch_reduce_payload(True, "system"), _load_torch),
    "pth: __reduce__ os.system (legacy)": (torch_reduce_payload(False, "system"), _load_torch),
    "pth: __reduce__ print (zip)": (torch_reduce_payload(True, "print"), _load_torch),
    "safetensors: header size 2**62": (safetensors_header({}, 2**62), _load_weights),
    "safetensors: overlapping offsets": (safetensors_header({
        "a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]},
        "b": {"dtype": "F32", "shape": [8], "data_offsets": [16, 48]}}), _load_weights),
    "safetensors: negative offsets": (safetensors_header({
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [-16, 0]}}), _load_weights),
    "safetensors: shape x dtype overflow": (safetensors_header({
        "a": {"dtype": "F64", "shape": [2**62, 2**62], "data_offsets": [0, 64]}}), _load_weights),
}
