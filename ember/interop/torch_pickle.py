"""A restricted unpickler for PyTorch checkpoints: rebuilds tensors as NumPy arrays, executes nothing.

``torch.save`` pickles the object graph and stores each tensor's storage apart (a zip member, or raw bytes
after the pickle in the legacy format); a tensor is pickled as a call to ``torch._utils._rebuild_tensor_v2``
with a *persistent id* naming its storage. This module maps the handful of globals that rebuilding needs
to ember's own stand-ins (never to torch, never to anything importable) and refuses every other global with
:class:`ember.interop.UnsafeFileError`, as ``torch/_weights_only_unpickler.py`` does with its allowlist.

Source: torch/serialization.py (``_save``, ``_legacy_save``, ``_load``) and torch/_weights_only_unpickler.py.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
from collections import OrderedDict

import numpy as np

from ember.interop import UnsafeFileError

# torch storage class name -> NumPy dtype of its elements ('bfloat16' is read as uint16, widened later).
STORAGE_DTYPES = {
    "DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2", "BFloat16Storage": "bfloat16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1", "ByteStorage": "u1",
    "BoolStorage": "?", "ComplexFloatStorage": "c8", "ComplexDoubleStorage": "c16", "UntypedStorage": "u1",
}  # fmt: skip
# torch dtype globals (``torch.float32`` pickles as the global ``torch float32``) -> storage class name.
TORCH_DTYPES = {
    "float64": "DoubleStorage", "double": "DoubleStorage", "float32": "FloatStorage", "float": "FloatStorage",
    "float16": "HalfStorage", "half": "HalfStorage", "bfloat16": "BFloat16Storage", "int64": "LongStorage",
    "long": "LongStorage", "int32": "IntStorage", "int": "IntStorage", "int16": "ShortStorage",
    "short": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}  # fmt: skip


class StorageType:
    """Stand-in for a ``torch.<Name>Storage`` class or a torch dtype: only its element dtype matters."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]

    def __repr__(self) -> str:
        return f"StorageType({self.name})"


class Storage:
    """A storage read from the file: ``numel`` elements of ``dtype`` in ``raw`` bytes (``byteorder``)."""

    def __init__(self, raw: bytes, dtype: str, byteorder: str, where: str):
        self.raw, self.dtype, self.where = raw, dtype, where
        self.pending = False
        self.byteorder = "<" if byteorder == "little" else ">"

    def array(self) -> np.ndarray:
        """The storage as a 1-D NumPy array in native byte order (bf16 still as uint16)."""
        code = "u2" if self.dtype == "bfloat16" else self.dtype
        dt = np.dtype(code).newbyteorder(self.byteorder) if np.dtype(code).itemsize > 1 else np.dtype(code)
        if len(self.raw) % dt.itemsize:
            raise ValueError(f"read_state_dict: storage {self.where} holds {len(self.raw)} bytes, not a whole "
                             f"number of {self.dtype} elements ({dt.itemsize} bytes each): corrupt file")  # fmt: skip
        native = np.dtype(code)
        flat = np.frombuffer(self.raw, dtype=dt)
        return flat.view(native) if dt == native else flat.astype(native)  # byte-swapped on a big-endian file


class PendingTensor:
    """A tensor of the legacy stream whose storage bytes are read after the object pickle."""

    def __init__(self, args: tuple):
        self.args = args


def _bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    # bfloat16 is the top half of a float32: shift the 16 bits up and reinterpret.
    return (bits.astype(np.uint32) << 16).view(np.float32)


def rebuild_tensor(storage, storage_offset, size, stride, *_ignored) -> np.ndarray:
    """``torch._utils._rebuild_tensor(_v2)``: the view ``(offset, size, stride)`` of ``storage``, copied.

    Raises:
        ValueError: when the view reaches outside the storage (a forged file must not read other memory).
    """
    if not isinstance(storage, Storage):
        raise UnsafeFileError(f"read_state_dict: a tensor was rebuilt from {type(storage).__name__}, not a storage")
    if storage.pending:  # legacy stream: the bytes come after the object pickle
        return PendingTensor((storage, storage_offset, size, stride))
    flat = storage.array()
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise ValueError(f"read_state_dict: tensor in {storage.where} has an invalid view: offset={offset}, "
                         f"size={size}, stride={stride}")  # fmt: skip
    last = offset + sum((n - 1) * st for n, st in zip(size, stride, strict=True)) if all(size) else offset - 1
    if last >= flat.size:
        raise ValueError(f"read_state_dict: tensor of shape {size} in {storage.where} reaches element {last}, "
                         f"beyond its storage of {flat.size} elements: the file is truncated or corrupt")  # fmt: skip
    item = flat.itemsize
    view = np.lib.stride_tricks.as_strided(flat[offset:] if all(size) else flat[:0], size,
                                           tuple(st * item for st in stride))  # fmt: skip
    out = np.array(view, copy=True)
    return _bf16_to_f32(out) if storage.dtype == "bfloat16" else out


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, *_rest):
    """``torch._utils._rebuild_tensor_v3``: as v2, the element dtype given explicitly."""
    if isinstance(dtype, StorageType) and isinstance(storage, Storage) and not storage.pending:
        storage = Storage(storage.raw, dtype.dtype, "little" if storage.byteorder == "<" else "big", storage.where)
    return rebuild_tensor(storage, storage_offset, size, stride)


def rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_state):
    """``torch._utils._rebuild_parameter(_with_state)``: an ``nn.Parameter`` is its array here."""
    return data


def _size(*args):
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _encode(text, encoding="latin1"):
    # ``_codecs.encode(str, 'latin1')`` is how protocol-2 pickles store bytes.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeFileError(f"read_state_dict: refused _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


def _device(*args):
    return str(args[0]) if args else "cpu"


def allowed_globals() -> dict:
    """``'module.name'`` -> the ember stand-in for every global a tensor checkpoint may name."""
    rc = {
        "collections.OrderedDict": OrderedDict,
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter,
        "torch.nn.parameter.Parameter": rebuild_parameter,
        "torch.Size": _size,
        "torch.device": _device,
        "_codecs.encode": _encode,
    }
    for name in STORAGE_DTYPES:
        rc[f"torch.{name}"] = StorageType(name)
    rc["torch.storage.UntypedStorage"] = StorageType("UntypedStorage")
    for name, storage in TORCH_DTYPES.items():
        rc[f"torch.{name}"] = StorageType(storage)
    return rc


_ALLOWED = allowed_globals()


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only :func:`allowed_globals` and builds storages from ``storages``.

    Args:
        data: the pickle bytes.
        load_storage: ``(key, StorageType, numel, location) -> Storage``, called for each persistent id.
        where: the file, for messages.

    Raises:
        UnsafeFileError: naming ``module.name`` of any global outside the allowlist.
    """

    def __init__(self, data: bytes, load_storage, where: str):
        super().__init__(io.BytesIO(data))
        self._load_storage, self._where, self._cache = load_storage, where, {}

    def find_class(self, module: str, name: str):
        # Protocol-2 pickles spell Python 2 names (__builtin__.eval): map them as pickle's own find_class does,
        # so the refusal names the real global.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        qualified = f"{module}.{name}"
        if qualified not in _ALLOWED:
            raise UnsafeFileError(f"read_state_dict: {self._where} asks for the global '{qualified}', which "
                                  f"tensors do not need; refused (nothing from the file was run)")  # fmt: skip
        return _ALLOWED[qualified]

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel[, view_metadata]) in torch.save's zip and legacy formats.
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)):
            raise UnsafeFileError(f"read_state_dict: {self._where} has an unknown persistent id {pid!r:.80}")
        if len(pid) > 5 and pid[5] is not None:
            raise ValueError(f"read_state_dict: {self._where} uses legacy storage views, which ember does not read")
        key = str(pid[2])
        if key not in self._cache:
            self._cache[key] = self._load_storage(key, pid[1], int(pid[4]), pid[3])
        return self._cache[key]


def unpickle(data: bytes, load_storage, where: str):
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; a damaged pickle becomes a clear ``ValueError``."""
    try:
        return RestrictedUnpickler(data, load_storage, where).load()
    except (UnsafeFileError, ValueError):
        raise
    except (pickle.UnpicklingError, EOFError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
        raise ValueError(f"read_state_dict: {where} is truncated or not a PyTorch checkpoint: {e}") from None
