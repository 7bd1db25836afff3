"""Reading ``.onnx`` files safely: parse, bound tensor sizes, resolve external data inside the model's folder.

Nothing from the file is executed: a ModelProto is plain data (protobuf). The checks here run before
any tensor is allocated, so a hostile or damaged file fails with a clear error instead of exhausting
memory or reading files elsewhere on the machine.

Reference: ONNX IR spec (``docs/IR.md``, "External Tensor Data"), ``onnx.external_data_helper``.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ember.interop import UnsafeFileError

#: Largest tensor (in bytes) a model may declare; a larger one is refused before allocating (16 GiB).
MAX_TENSOR_BYTES = 1 << 34


def _onnx():
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("ember.interop.onnx needs the `onnx` package: pip install 'ember[onnx]'") from e
    return onnx


def read_model_proto(source, check: bool = True):
    """Parse ``source`` (a path or a ``ModelProto``) into a ModelProto with all tensor data resolved.

    Args:
        source: path to a ``.onnx`` file (str or ``os.PathLike``), or an ``onnx.ModelProto``.
        check: run ``onnx.checker.check_model`` and shape inference. Defaults to ``True``.

    Returns:
        ``(model, base_dir)``: the ModelProto (external data loaded) and the folder external data
        paths are relative to (``None`` for an in-memory model).

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: naming the file, for a corrupt or truncated file or a model the checker rejects.
        UnsafeFileError: for external data outside the model's folder.
    """
    onnx = _onnx()
    if isinstance(source, onnx.ModelProto):
        model, base_dir, label = onnx.ModelProto(), None, "<in-memory ModelProto>"
        model.CopyFrom(source)  # the caller's proto is never modified
    else:
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load_model: no such ONNX file. Received: path={path!r}")
        base_dir, label = os.path.dirname(os.path.abspath(path)), path
        try:
            model = onnx.load(path, load_external_data=False)
        except Exception as e:  # protobuf raises DecodeError, RuntimeWarning-wrapped errors, ...
            raise ValueError(
                f"load_model: {path!r} is not a valid ONNX file (corrupt or truncated): {type(e).__name__}: {e}"
            ) from e
        if not model.graph.node and not model.graph.output:
            raise ValueError(f"load_model: {path!r} holds no ONNX graph (empty, corrupt or truncated file)")
    check_tensor_sizes(model, base_dir, label)
    if check:
        _check(onnx, model, label)
    return model, base_dir


def _check(onnx, model, label: str) -> None:
    try:
        onnx.checker.check_model(model)
    except Exception as e:
        raise ValueError(f"load_model: the ONNX checker rejects {label}: {e}") from e


def _all_tensors(graph):
    """Every TensorProto of a graph: initializers, Constant values, attribute tensors, recursively."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _all_tensors(attr.g)
            for g in attr.graphs:
                yield from _all_tensors(g)


def _declared_bytes(t) -> int:
    from onnx import helper

    dims = list(t.dims)
    if any(d < 0 for d in dims):
        raise ValueError(f"load_model: tensor {t.name!r} has negative dims {dims}")
    count = math.prod(dims)
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        itemsize = 1
    return count * itemsize


def check_tensor_sizes(model, base_dir, label: str) -> None:
    """Refuse absurd tensor sizes and unsafe external data, before allocating anything.

    A tensor's declared size (product of ``dims`` times the item size) must not exceed
    :data:`MAX_TENSOR_BYTES`, and its stored data must hold that many bytes (raw data, or the
    external file's ``length``). External locations must be relative paths inside ``base_dir``.

    Raises:
        ValueError: naming the tensor, its dims and the file, for sizes beyond the data or the limit.
        UnsafeFileError: naming the location, for ``..``/absolute paths or links leaving the folder.
    """
    from onnx import TensorProto

    for t in _all_tensors(model.graph):
        size = _declared_bytes(t)
        if size > MAX_TENSOR_BYTES:
            raise ValueError(
                f"load_model: tensor {t.name!r} in {label} declares dims {list(t.dims)} ({size} bytes), more than "
                f"the {MAX_TENSOR_BYTES} bytes ember allows for one tensor; the file is corrupt or hostile"
            )
        if t.data_location == TensorProto.EXTERNAL:
            _load_external(t, base_dir, label, size)
        elif t.HasField("raw_data") and len(t.raw_data) != size:
            raise ValueError(
                f"load_model: tensor {t.name!r} in {label} declares dims {list(t.dims)} ({size} bytes) but its raw "
                f"data holds {len(t.raw_data)} bytes; the file is corrupt or truncated"
            )


def _safe_location(location: str, base_dir, name: str, label: str = "the model") -> str:
    if base_dir is None:
        raise UnsafeFileError(
            f"load_model: tensor {name!r} keeps its data in an external file ({location!r}) but the model was "
            "given in memory; load it from its path so the folder is known"
        )
    if os.path.isabs(location) or ".." in location.replace("\\", "/").split("/"):
        raise UnsafeFileError(
            f"load_model: tensor {name!r} of {label} points to external data outside the model's folder. "
            f"Expected a relative path inside {base_dir!r}. Received: location={location!r}"
        )
    full = os.path.realpath(os.path.join(base_dir, location))
    if os.path.commonpath([full, os.path.realpath(base_dir)]) != os.path.realpath(base_dir):
        raise UnsafeFileError(
            f"load_model: tensor {name!r} of {label}: external data resolves outside the model's folder (a link?). "
            f"Received: location={location!r} -> {full!r}"
        )
    return full


def _load_external(t, base_dir, label: str, size: int) -> None:
    from onnx import TensorProto

    info = {e.key: e.value for e in t.external_data}
    full = _safe_location(info.get("location", ""), base_dir, t.name, label)
    offset, length = int(info.get("offset", 0)), int(info.get("length", size))
    if not os.path.isfile(full):
        raise FileNotFoundError(f"load_model: external data of tensor {t.name!r} is missing: {full!r}")
    available = os.path.getsize(full) - offset
    if length != size or available < length or offset < 0:
        raise ValueError(
            f"load_model: tensor {t.name!r} in {label} declares {size} bytes but its external data "
            f"{full!r} offers {length} at offset {offset} (file has {available + offset}); corrupt or truncated"
        )
    with open(full, "rb") as f:
        f.seek(offset)
        t.raw_data = f.read(length)
    del t.external_data[:]
    t.data_location = TensorProto.DEFAULT


def to_array(t) -> np.ndarray:
    """A TensorProto as a NumPy array (a copy, writable), its size already checked."""
    from onnx import numpy_helper

    return np.array(numpy_helper.to_array(t))
