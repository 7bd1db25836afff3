"""The three containers of PyTorch weights: ``torch.save``'s zip, its legacy pickle stream, and safetensors.

Each reader returns the unpickled object (or a ``{name: array}`` dict for safetensors); tensors are NumPy
arrays. Every size the file declares is checked against the bytes actually present before it is used.

Source: torch/serialization.py (``_save``, ``_legacy_save``, ``_legacy_load``), torch/csrc storage
``_write_file`` (an int64 element count, then the raw elements); huggingface/safetensors.
"""

from __future__ import annotations

import io
import json
import posixpath
import struct
import zipfile

import numpy as np

from ember.interop import UnsafeFileError
from ember.interop.torch_pickle import PendingTensor, Storage, rebuild_tensor, unpickle

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
LEGACY_PROTOCOL = 1001
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024


def _check_member_name(name: str, where: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise UnsafeFileError(f"read_state_dict: {where} has a member with an absolute or '..' path: {name!r}")


def read_zip(raw: bytes, where: str):
    """Unpickle ``<archive>/data.pkl`` of a ``torch.save`` zip, storages from ``<archive>/data/<key>``.

    Raises:
        UnsafeFileError: for a member path that is absolute or contains ``..``, or a refused global.
        ValueError: for a zip without ``data.pkl``, a missing storage, or one shorter than declared.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(f"read_state_dict: {where} is a damaged zip (truncated?): {e}") from None
    for name in names:
        _check_member_name(name, where)
    pickles = [n for n in names if posixpath.basename(n) == "data.pkl" and n.count("/") == 1]
    if len(pickles) != 1:
        raise ValueError(f"read_state_dict: {where} is a zip but not a torch.save checkpoint "
                         f"(expected one '<archive>/data.pkl'). Received members: {names[:8]}")  # fmt: skip
    prefix = pickles[0][: -len("data.pkl")]
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = _member(archive, prefix + "byteorder", where).decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise ValueError(f"read_state_dict: {where} declares byteorder {byteorder!r}; expected little or big")

    def load_storage(key, storage_type, numel, location):
        name = f"{prefix}data/{key}"
        _check_member_name(key, where)
        if name not in names:
            raise ValueError(f"read_state_dict: {where} lacks the storage member {name!r} (truncated or corrupt)")
        data = _member(archive, name, where)
        return _sized(Storage(data, storage_type.dtype, byteorder, f"{where}:{name}"), numel)

    return unpickle(_member(archive, pickles[0], where), load_storage, where)


MAX_INFLATION = 1000  # a member may not unpack to more than this many times its stored size (zip bombs)


def _member(archive, name: str, where: str) -> bytes:
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_INFLATION * max(info.compress_size, 1):
        raise UnsafeFileError(f"read_state_dict: {where} member {name!r} claims to unpack {info.compress_size} "
                              f"bytes to {info.file_size}: refused (zip bomb?)")  # fmt: skip
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as e:  # zlib errors are ValueErrors too
        raise ValueError(f"read_state_dict: {where} member {name!r} cannot be read (truncated?): {e}") from None


def _itemsize(dtype: str) -> int:
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _sized(storage: Storage, numel: int) -> Storage:
    need = numel * _itemsize(storage.dtype)
    if len(storage.raw) < need:
        raise ValueError(f"read_state_dict: storage {storage.where} declares {numel} elements ({need} bytes) "
                         f"but holds {len(storage.raw)} bytes: the file is truncated")  # fmt: skip
    storage.raw = storage.raw[:need]
    return storage


class _Stream:
    """A cursor over the legacy file's bytes (pickles, then raw storages)."""

    def __init__(self, raw: bytes, where: str):
        self.raw, self.pos, self.where = raw, 0, where

    def pickle(self):
        """The next pickled value (an int, dict or list of the header; the checkpoint object itself)."""
        import pickletools

        try:  # find where this pickle ends without running it: the STOP opcode
            end = self.pos + max(pos for _, _, pos in pickletools.genops(io.BytesIO(self.raw[self.pos :]))) + 1
        except (ValueError, EOFError, KeyError, IndexError) as e:
            raise ValueError(f"read_state_dict: {self.where} has a damaged or truncated pickle at byte "
                             f"{self.pos}: {e}") from None  # fmt: skip
        chunk, self.pos = self.raw[self.pos : end], end
        return chunk

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.raw):
            raise ValueError(f"read_state_dict: {self.where} is truncated: {what} needs {n} bytes at byte "
                             f"{self.pos}, the file has {len(self.raw) - self.pos} left")  # fmt: skip
        chunk, self.pos = self.raw[self.pos : self.pos + n], self.pos + n
        return chunk


def read_legacy(raw: bytes, where: str):
    """Read the pre-1.6 stream: magic, protocol, sys_info, the object, storage keys, raw storages.

    Raises:
        ValueError: for a wrong magic number or protocol, a truncated stream or storage.
        UnsafeFileError: for a refused global in any of the pickles.
    """
    stream = _Stream(raw, where)
    no_storage = _no_storage(where)
    magic = unpickle(stream.pickle(), no_storage, where)
    if magic != LEGACY_MAGIC:
        raise ValueError(f"read_state_dict: {where} is neither a zip, a legacy torch.save file (magic number "
                         f"{LEGACY_MAGIC:#x}) nor safetensors")  # fmt: skip
    protocol = unpickle(stream.pickle(), no_storage, where)
    if protocol != LEGACY_PROTOCOL:
        raise ValueError(f"read_state_dict: {where} has legacy protocol {protocol!r}; expected {LEGACY_PROTOCOL}")
    sys_info = unpickle(stream.pickle(), no_storage, where)
    byteorder = "little" if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) else "big"
    declared = {}  # key -> (StorageType, numel), filled while the object is unpickled

    def declare(key, storage_type, numel, location):
        declared[key] = Storage(b"", storage_type.dtype, byteorder, f"{where}:storage {key}")
        declared[key].pending = True
        return declared[key]

    obj = unpickle(stream.pickle(), declare, where)  # tensors hold lazy Storage objects until their bytes come
    keys = unpickle(stream.pickle(), no_storage, where)
    for key in keys if isinstance(keys, list) else ():
        storage = declared.get(str(key))
        if storage is None:
            raise ValueError(f"read_state_dict: {where} lists storage {key!r} that no tensor uses")
        (numel,) = struct.unpack("<q" if byteorder == "little" else ">q", stream.take(8, f"storage {key} size"))
        storage.raw = stream.take(numel * _itemsize(storage.dtype), f"storage {key} ({numel} elements)")
        storage.pending = False
    missing = [k for k, s in declared.items() if s.pending]
    if missing:
        raise ValueError(f"read_state_dict: {where} is truncated: storages {missing[:5]} have no data")
    return _resolve(obj)


def _no_storage(where):
    def refuse(*_args):
        raise ValueError(f"read_state_dict: {where} has a storage inside a header pickle")

    return refuse


def _resolve(obj):
    # Legacy tensors were left pending while their storages were empty; rebuild them now the bytes are there.
    if isinstance(obj, PendingTensor):
        return rebuild_tensor(*obj.args)
    if isinstance(obj, dict):
        return type(obj)((k, _resolve(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(v) for v in obj)
    return obj


def read_safetensors(raw: bytes, where: str) -> dict:
    """``{name: array}`` of a ``.safetensors`` file through ``safetensors.numpy`` (bf16 widened to float32).

    Raises:
        ValueError: for a header size beyond the file, a malformed header, or truncated data.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    if len(raw) < 8:
        raise ValueError(f"read_state_dict: {where} is too short for safetensors ({len(raw)} bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > min(len(raw) - 8, MAX_SAFETENSORS_HEADER):
        raise ValueError(f"read_state_dict: {where} declares a {n}-byte safetensors header but the file holds "
                         f"{len(raw) - 8} bytes after the size: truncated or forged")  # fmt: skip
    try:
        header = json.loads(raw[8 : 8 + n])
        bf16 = [k for k, v in header.items() if isinstance(v, dict) and v.get("dtype") == "BF16"]
        if bf16:
            return _safetensors_bf16(raw, n, header, where)
        return dict(load(raw))
    except (SafetensorError, json.JSONDecodeError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"read_state_dict: {where} is not a valid safetensors file (truncated?): {e}") from None


def _safetensors_bf16(raw: bytes, n: int, header: dict, where: str) -> dict:
    # safetensors.numpy cannot make bf16 arrays (NumPy has no bf16): read those entries' bytes by hand.
    from ember.interop.torch_pickle import _bf16_to_f32

    codes = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
             "I8": "i1", "U8": "u1", "BOOL": "?"}  # fmt: skip
    out, data = {}, raw[8 + n :]
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = (int(v) for v in info["data_offsets"])
        dt = np.dtype(codes[info["dtype"]])
        shape = tuple(int(s) for s in info["shape"])
        if not 0 <= begin <= end <= len(data) or end - begin != int(np.prod(shape)) * dt.itemsize:
            raise ValueError(f"tensor {name!r} spans bytes {begin}..{end} of {len(data)}")
        arr = np.frombuffer(data[begin:end], dtype=dt).reshape(shape).copy()
        out[name] = _bf16_to_f32(arr) if info["dtype"] == "BF16" else arr
    return out
