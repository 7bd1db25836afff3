"""Reading ember's first model-file layout (ember 0.x, before ``.keras`` files became Keras 3's archive).

Kept so that files saved by earlier ember versions still load (:func:`ember.saving.load_model` sends
them here when the archive holds ``model.weights.safetensors``). Layout::

    metadata.json               ember version, format version, date, SHA-256 of the two files below
    config.json                 {"class_name", "config", "compile_config", "build_config"}
    model.weights.safetensors   weights + optimizer state, with their own SHA-256 in the header

Members are stored uncompressed (no zip bombs to fear) and read by name; a
file with any other member, a compressed member, a bad CRC or checksum, or
an unknown class is rejected with ``ValueError`` before anything is built.
Nothing is unpickled or imported by name: classes resolve against ember's own
modules, registered custom objects and ``custom_objects`` only.
Source: keras/src/saving/saving_lib.py (the archive layout).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

from ember.saving import tensor_file
from ember.saving.compile_config import deserialize_compile
from ember.saving.damaged import ZIP_ERRORS
from ember.saving.model_file import _build
from ember.saving.training_state import restore_optimizer
from ember.saving.weights_file import assign_weights, read_file

FORMAT_VERSION = 1
_MEMBERS = ("metadata.json", "config.json", "model.weights.safetensors")
_MAX_JSON_BYTES = 64 * 1024 * 1024


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_archive(filepath: str) -> dict:
    """The three members of a ``.keras`` file as bytes, every check passed.

    Raises:
        ValueError: naming the file and the problem (not a zip, truncated,
            unexpected or compressed member, CRC or checksum mismatch).
    """
    raw = read_file(filepath, "load_model")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
            names = sorted(i.filename for i in infos)
            if names != sorted(_MEMBERS):
                raise ValueError(f"unexpected members {names}; expected exactly {sorted(_MEMBERS)}")
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED:
                    raise ValueError(f"member {info.filename} is compressed ({info.compress_type}); expected stored")
                if info.filename.endswith(".json") and info.file_size > _MAX_JSON_BYTES:
                    raise ValueError(f"member {info.filename} is {info.file_size} bytes, over {_MAX_JSON_BYTES}")
            members = {name: zf.read(name) for name in _MEMBERS}
    except (*ZIP_ERRORS, ValueError) as exc:
        raise ValueError(f"load_model: {filepath} is not a valid .keras file (truncated or corrupted): {exc}") from exc
    try:
        metadata = json.loads(members["metadata.json"])
        sums = metadata["sha256"]
        version = metadata["format_version"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"load_model: {filepath} has a damaged metadata.json: {exc}") from exc
    if version != FORMAT_VERSION:
        raise ValueError(f"load_model: {filepath} has format version {version!r}; this ember reads {FORMAT_VERSION}")
    for name in ("config.json", "model.weights.safetensors"):
        if not isinstance(sums, dict) or sums.get(name) != _sha256(members[name]):
            raise ValueError(f"load_model: {filepath} is corrupted: checksum of {name} does not match metadata.json")
    return members


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):  # noqa: A002 - Keras name
    """Load a model saved by :func:`save_model`: same predictions, bit for bit, and the optimizer state.

    Args:
        filepath: path of the ``.keras`` file.
        custom_objects: ``{name: class or function}`` for custom layers, losses, metrics.
        compile: compile the model with the saved compile config. Defaults to ``True``.
        safe_mode: refuse ``Lambda`` layers (their function would be imported). Defaults to ``True``.

    Returns:
        The model, built, with its weights (and, compiled, its optimizer state).

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: for truncated, corrupted or foreign files, unknown classes,
            or a ``Lambda`` layer in safe mode; nothing is executed then.
    """
    from ember.models.functional_config import deserialize_layer

    filepath = os.fspath(filepath)
    members = read_archive(filepath)
    tensors, _ = tensor_file.decode(members["model.weights.safetensors"], filepath, "load_model")
    try:
        config = json.loads(members["config.json"])
    except ValueError as exc:
        raise ValueError(f"load_model: {filepath} has a damaged config.json: {exc}") from exc
    model = deserialize_layer(config, custom_objects, safe_mode)
    _build(model, config.get("build_config"))
    assign_weights(model, tensors, filepath)
    compile_config = config.get("compile_config")
    if compile and compile_config:
        model.compile(**deserialize_compile(compile_config, custom_objects))
        restore_optimizer(model, tensors, filepath)
    return model
