"""Hostile PyTorch files: each is refused with a clear error, nothing runs, the model is unchanged.

"Nothing runs" is proven twice: the payload would create a sentinel file, and an audit hook
(``sys.addaudithook``) records every process/exec event while the file is read.
"""

import io
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import pytest
import torch

import ember
import ember.interop.torch as et
from ember.interop import UnsafeFileError

WATCHED = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "exec", "compile")
EVENTS: list = []
_RECORDING = [False]


def _hook(event, args):
    if _RECORDING[0] and event.startswith(WATCHED):
        EVENTS.append((event, repr(args)[:200]))


sys.addaudithook(_hook)  # NOTE: audit hooks cannot be removed; it records only while _RECORDING is set


def _model():
    model = ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(2)])
    return model, model.get_weights()


def _load_refused(path, error=ValueError, match=None):
    """Load ``path`` into a model under the audit hook; assert the error, no events, the model unchanged."""
    model, before = _model()
    et.read_state_dict  # noqa: B018 - every lazy import happens before recording starts
    EVENTS.clear()
    _RECORDING[0] = True
    try:
        with pytest.raises(error, match=match) as info:
            et.load_state_dict(model, path)
    finally:
        _RECORDING[0] = False
    assert EVENTS == [], f"events during load: {EVENTS}"
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    return info.value


@pytest.fixture(autouse=True)
def _warm(tmp_path_factory):
    # Import everything the readers import lazily (zipfile and its cp437 name codec, pickletools, safetensors)
    # outside the recording: a module import is an 'exec' event too.
    import encodings.cp437  # noqa: F401

    path = tmp_path_factory.mktemp("warm") / "ok.pth"
    torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, path)
    et.read_state_dict(path)
    torch.save({"weight": torch.zeros(2, 3)}, path, _use_new_zipfile_serialization=False)
    et.read_state_dict(path)
    from safetensors.torch import save_file

    save_file({"weight": torch.zeros(2, 3)}, path.with_suffix(".safetensors"))
    et.read_state_dict(path.with_suffix(".safetensors"))


def _zip_checkpoint(path, data_pkl: bytes, extra=()):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", "little")
        for name, data in extra:
            z.writestr(name, data)


class _Payload:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return self.fn, (self.arg,)


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_reduce_payload_os_system(tmp_path, zipped):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"weight": _Payload(os.system, f"touch {sentinel}")}, path, _use_new_zipfile_serialization=zipped)
    err = _load_refused(path, UnsafeFileError, match=r"global '(posix|os)\.system'")
    assert isinstance(err, ValueError) and not sentinel.exists()


def test_builtins_eval_payload(tmp_path):
    sentinel = tmp_path / "pwned"
    code = f"open({str(sentinel)!r}, 'w').write('x')"
    _zip_checkpoint(tmp_path / "evil.pth", pickle.dumps(_Payload(eval, code), protocol=2))
    _load_refused(tmp_path / "evil.pth", UnsafeFileError, match=r"'builtins\.eval'")
    assert not sentinel.exists()


def test_hand_written_posix_system_in_a_bare_pickle(tmp_path):
    sentinel = tmp_path / "pwned"
    (tmp_path / "evil.pth").write_bytes(b"\x80\x02cposix\nsystem\n(S'touch " + str(sentinel).encode() + b"'\ntR.")
    _load_refused(tmp_path / "evil.pth", UnsafeFileError, match=r"'posix\.system'")
    assert not sentinel.exists()


@pytest.mark.parametrize("module, name", [
    ("torch.nn.modules.linear", "Linear"), ("numpy.core.multiarray", "_reconstruct"), ("subprocess", "Popen"),
    ("builtins", "getattr"), ("collections", "Counter"), ("torch", "load"),
])  # fmt: skip
def test_unknown_globals_are_named(tmp_path, module, name):
    data = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R."
    _zip_checkpoint(tmp_path / "x.pth", data)
    _load_refused(tmp_path / "x.pth", UnsafeFileError, match=rf"'{module}\.{name}'")


@pytest.mark.parametrize("member", ["archive/../../escape", "/abs/data.pkl", "archive/data/../../x"])
def test_zip_member_traversal(tmp_path, member):
    ok = io.BytesIO()
    torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, ok)
    with zipfile.ZipFile(io.BytesIO(ok.getvalue())) as src, zipfile.ZipFile(tmp_path / "t.pth", "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(member, b"x")
    _load_refused(tmp_path / "t.pth", UnsafeFileError, match="absolute or '..' path")
    assert not (tmp_path.parent / "escape").exists()


def test_storage_smaller_than_declared(tmp_path):
    ok = io.BytesIO()
    torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, ok)
    with zipfile.ZipFile(io.BytesIO(ok.getvalue())) as src, zipfile.ZipFile(tmp_path / "s.pth", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[:8] if info.filename.endswith("/data/0") else data)
    _load_refused(tmp_path / "s.pth", match="truncated")


def test_view_beyond_its_storage(tmp_path):
    # A forged stride must not make as_strided read memory outside the storage.
    ok = io.BytesIO()
    torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, ok)
    with zipfile.ZipFile(io.BytesIO(ok.getvalue())) as src, zipfile.ZipFile(tmp_path / "v.pth", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"K\x03K\x01\x86", b"M\x00\x10K\x01\x86", 1)  # stride (3, 1) -> (4096, 1)
            dst.writestr(info, data)
    _load_refused(tmp_path / "v.pth", match="beyond its storage")


def test_safetensors_header_size_beyond_file(tmp_path):
    (tmp_path / "h.safetensors").write_bytes(struct.pack("<Q", 10**12) + b'{"w": {}}')
    _load_refused(tmp_path / "h.safetensors", match="header")


def _files(tmp_path):
    from safetensors.torch import save_file

    sd = {"weight": torch.randn(2, 3), "bias": torch.randn(2)}
    torch.save(sd, tmp_path / "z.pth")
    torch.save(sd, tmp_path / "l.pth", _use_new_zipfile_serialization=False)
    save_file(sd, tmp_path / "s.safetensors")
    return [tmp_path / "z.pth", tmp_path / "l.pth", tmp_path / "s.safetensors"]


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.6, 0.9, 0.99])
def test_truncation_anywhere(tmp_path, fraction):
    for path in _files(tmp_path):
        raw = path.read_bytes()
        cut = tmp_path / f"cut{path.suffix}"
        cut.write_bytes(raw[: max(1, int(len(raw) * fraction))])
        _load_refused(cut, ValueError)


def test_zip_bomb_member_is_refused(tmp_path):
    # 50 MB of zeros deflate to ~50 kB: refused from the member's declared sizes, before inflating it.
    with zipfile.ZipFile(tmp_path / "bomb.pth", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\x80\x02N" + b"\x00" * 50_000_000)
    _load_refused(tmp_path / "bomb.pth", UnsafeFileError, match="zip bomb")
