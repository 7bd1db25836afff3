"""The model file ``model.keras``: Keras 3's zip archive, so files pass between ember and Keras both ways.

Layout (``keras/src/saving/saving_lib.py``)::

    metadata.json      {"keras_version", "date_saved"} (+ "ember_version")
    config.json        the model in Keras 3's serialized form (module, class_name, config,
                       registered_name, build_config, compile_config)
    model.weights.h5   one ``vars`` group per layer and ``optimizer/vars`` (see keras_weights.py)
    ember.json         ember's extras, a member Keras ignores: SHA-256 of each member above and
                       optimizer scalars Keras does not store (Nadam's ``u_product``)

Writing is atomic (temporary file, fsync, rename). Reading accepts files written by Keras 3 (no
``ember.json``), by ember, and ember's first layout (``model.weights.safetensors``, see
:mod:`ember.saving.ember_v1`); a Keras 2 HDF5 file goes to :mod:`ember.interop.keras_h5`. Before
anything is built it rejects: a file that is not a zip, a damaged zip (CRC), a member path with ``..``
or an absolute path, unexpected members, a decompression bomb, a checksum mismatch. Classes resolve
only against ember's allowlist (:mod:`ember.saving.keras_objects`); nothing is imported or unpickled.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import zipfile

from ember._version import __version__
from ember.saving import keras_optimizer, keras_weights
from ember.saving.atomic import atomic_write_bytes
from ember.saving.compile_config import deserialize_compile, serialize_compile
from ember.saving.damaged import ZIP_ERRORS, check_zip_end
from ember.saving.keras_graph import layer_from_keras, layer_to_keras
from ember.saving.keras_objects import from_keras, to_keras

KERAS_VERSION = "3.15.1"  # the Keras release whose archive layout ember writes and is tested against
EMBER_FORMAT = "ember.keras.v2"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CONFIG, _METADATA, _WEIGHTS, _EMBER = "config.json", "metadata.json", "model.weights.h5", "ember.json"
_MAX_JSON_BYTES = 64 * 1024 * 1024
_MAX_EXPANSION = 200  # a deflated member may expand at most this much (zip bombs)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keras_compile_config(model) -> dict | None:
    """``model``'s compile arguments in Keras 3's ``compile_config`` form (``None`` if not compiled)."""
    config = serialize_compile(model)
    if config is None:
        return None
    config = {k: to_keras(v, k) for k, v in config.items()}
    defaults = {"weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    return {**defaults, **config}


def archive_members(model) -> dict:
    """The members of ``model``'s ``.keras`` archive, as bytes (see the module docstring)."""
    config = layer_to_keras(model)
    config["compile_config"] = keras_compile_config(model)
    groups = keras_weights.model_groups(model)
    arrays, extras = keras_optimizer.optimizer_arrays(model)
    if arrays:
        groups.append(("optimizer", model.optimizer.name, arrays))
    members = {
        _METADATA: json.dumps({"keras_version": KERAS_VERSION, "ember_version": __version__,
                               "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}).encode(),
        _CONFIG: json.dumps(config).encode(),
        _WEIGHTS: keras_weights.h5_bytes(groups),
    }  # fmt: skip
    ember = {"format": EMBER_FORMAT, "ember_version": __version__,
             "sha256": {name: _sha256(data) for name, data in members.items()}, "optimizer_extras": extras}  # fmt: skip
    members[_EMBER] = json.dumps(ember).encode()
    return members


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Write ``model`` (architecture, compile config, weights, optimizer state) to a Keras 3 ``.keras`` file.

    Raises:
        ValueError: if ``filepath`` does not end in ``.keras``.
        FileExistsError: if it exists and ``overwrite`` is false.
        TypeError: if a layer's config is not JSON-serializable (the old file is untouched).
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"save: the filepath must end in `.keras`. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save: {filepath} exists and overwrite=False")
    members = archive_members(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in (_METADATA, _CONFIG, _WEIGHTS, _EMBER):
            zf.writestr(name, members[name])
    atomic_write_bytes(filepath, buffer.getvalue())


def describe(raw: bytes) -> str:
    """What a file's first bytes say it is, for error messages."""
    if raw.startswith(HDF5_SIGNATURE):
        return "an HDF5 file"
    if raw.startswith(b"EMBERH5\x00"):
        return "an ember HDF5 weight file (.weights.h5: load it with model.load_weights)"
    if raw.startswith(b"PK"):
        return "a zip archive"
    if raw.startswith(b"\x80"):  # pickle protocol 2+ opcode
        return "a Python pickle"
    return f"not a zip archive (first bytes {raw[:8]!r})" if raw else "empty"


def _check_names(infos, filepath: str) -> None:
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            from ember.interop import UnsafeFileError

            raise UnsafeFileError(f"load_model: {filepath}: refusing archive member {name!r}: "
                                  "absolute paths and '..' are not allowed")  # fmt: skip


def read_members(raw: bytes, filepath: str, what: str = "load_model") -> dict:
    """The members of a Keras 3 ``.keras`` archive as bytes, every structural check and checksum passed.

    Raises:
        UnsafeFileError: for member paths with ``..`` or absolute paths.
        ValueError: naming the file: damaged or truncated zip, missing ``config.json``, unexpected
            members, a decompression bomb, or a SHA-256 mismatch against ``ember.json``.
    """
    check_zip_end(raw, filepath, what)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
            _check_names(infos, filepath)
            names = [i.filename for i in infos]
            if _CONFIG not in names:
                raise ValueError(f"{what}: {filepath} is a zip archive without config.json ({names[:8]}): "
                                 "not a Keras or ember model file")  # fmt: skip
            if _WEIGHTS not in names:
                others = [n for n in names if n.startswith("model.weights")]
                raise ValueError(f"{what}: {filepath} stores its weights as {others or 'nothing'}; ember reads "
                                 f"Keras 3 archives with {_WEIGHTS} (weights_format='npz' and sharded weights "
                                 "are not supported)")  # fmt: skip
            known = (_CONFIG, _METADATA, _WEIGHTS, _EMBER)
            extra = [n for n in names if n not in known and not n.startswith("assets/")]
            if extra:
                raise ValueError(f"{what}: {filepath} has unexpected members {extra}")
            for info in infos:
                limit = _MAX_EXPANSION * max(info.compress_size, 1)
                if info.filename.endswith(".json"):
                    limit = _MAX_JSON_BYTES
                if info.file_size > limit and info.file_size > 1024 * 1024:
                    raise ValueError(
                        f"{what}: {filepath}: member {info.filename} declares {info.file_size} bytes "
                        f"from {info.compress_size} stored: refusing a possible decompression bomb"
                    )
            members = {n: zf.read(n) for n in names if not n.startswith("assets/")}
            members["__assets__"] = [n for n in names if n.startswith("assets/") and not n.endswith("/")]
    except ZIP_ERRORS as exc:
        raise ValueError(f"{what}: {filepath} is not a valid .keras file (truncated or corrupted): {exc}") from exc
    _verify(members, filepath, what)
    return members


def _verify(members: dict, filepath: str, what: str) -> None:
    if _EMBER not in members:
        return  # written by Keras: the zip CRCs are the integrity check
    try:
        sums = json.loads(members[_EMBER])["sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{what}: {filepath} has a damaged {_EMBER}: {exc}") from exc
    for name in (_METADATA, _CONFIG, _WEIGHTS):
        if name in members and (not isinstance(sums, dict) or sums.get(name) != _sha256(members[name])):
            raise ValueError(f"{what}: {filepath} is corrupted: checksum of {name} does not match {_EMBER}")


def model_weight_groups(members: dict, filepath: str, what: str) -> tuple:
    """``({path: arrays}, attrs)`` of the archive's ``model.weights.h5`` (members from :func:`read_members`).

    ember's archives (SHA-256 verified in ``ember.json``) are parsed here; Keras's (zip CRC-32 only) in a child
    process (:func:`ember.saving.h5_guard.read`), so that a crafted member cannot crash this process.
    """
    if _EMBER in members:
        return keras_weights.read_groups(members[_WEIGHTS], filepath, what)
    from ember.saving import h5_guard

    found, attrs = h5_guard.read("keras_weights", members[_WEIGHTS], filepath, what)
    return found, attrs


def _json(data: bytes, name: str, filepath: str):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"load_model: {filepath} has a damaged {name}: {exc}") from exc


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):  # noqa: A002 - Keras name
    """Load a ``.keras`` file written by ember or Keras 3 (or a Keras 2 HDF5 ``.h5`` model).

    Args:
        filepath: path of the file.
        custom_objects: ``{name: class or function}`` for custom layers, losses, metrics.
        compile: compile the model with the saved compile config. Defaults to ``True``.
        safe_mode: refuse ``Lambda`` layers (their function would be imported). Defaults to ``True``.

    Returns:
        The model, built, with its weights (and, compiled, its optimizer state).

    Raises:
        FileNotFoundError: if the file is missing.
        UnsafeFileError: (a ValueError) for a class from a module outside keras/ember or an unsafe member path.
        ValueError: for truncated, corrupted or foreign files, classes ember lacks (named), or a
            ``Lambda`` layer in safe mode; nothing from the file is executed.
    """
    if custom_objects:  # also visible to from_config code that resolves names itself (activations, nested layers)
        from ember.utils.object_registry import custom_object_scope

        with custom_object_scope(dict(custom_objects)):
            return load_model(filepath, None, compile, safe_mode)
    filepath = os.fspath(filepath)
    with open(filepath, "rb") as f:
        raw = f.read()
    if raw.startswith(HDF5_SIGNATURE):
        from ember.interop import keras_h5

        return keras_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if not raw.startswith(b"PK"):
        raise ValueError(f"load_model: {filepath} is not a valid .keras file (truncated or corrupted): it is "
                         f"{describe(raw)}; expected a zip archive")  # fmt: skip
    if _looks_v1(raw):
        from ember.saving import ember_v1

        return ember_v1.load_model(filepath, custom_objects, compile, safe_mode)
    members = read_members(raw, filepath)
    if members["__assets__"]:
        raise ValueError(f"load_model: {filepath} holds assets {members['__assets__'][:4]} (e.g. a vocabulary); "
                         "ember does not read Keras assets")  # fmt: skip
    return model_from_members(members, filepath, custom_objects, compile, safe_mode)


def _looks_v1(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "model.weights.safetensors" in zf.namelist()
    except (*ZIP_ERRORS, ValueError):
        return False


def _build(model, build_config) -> None:
    """Create a subclassed model's weights by running it once on zeros of the saved input shape."""
    from ember import ops

    if not build_config or model.weights:
        return
    shape = build_config["input_shape"]
    if isinstance(shape[0], list):
        model([ops.zeros(tuple(1 if d is None else d for d in s)) for s in shape], training=False)
    else:
        model(ops.zeros(tuple(1 if d is None else d for d in shape)), training=False)


def model_from_members(members: dict, filepath: str, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Build, fill and compile the model held in :func:`read_members`' output (checks before any change)."""
    config = _json(members[_CONFIG], _CONFIG, filepath)
    extras = _json(members[_EMBER], _EMBER, filepath).get("optimizer_extras", {}) if _EMBER in members else {}
    found, _ = model_weight_groups(members, filepath, "load_model")
    if not isinstance(config, dict):
        raise ValueError(f"load_model: {filepath}: config.json holds {type(config).__name__}; expected an object")
    model = layer_from_keras(config, custom_objects, safe_mode)
    build_config = config.get("build_config")
    if isinstance(build_config, dict) and build_config.get("input_shape") is not None:
        _build(model, build_config)
    keras_weights.assign_pairs(keras_weights.match_groups(model, found, filepath, "load_model"))
    compile_config = config.get("compile_config")
    if compile and compile_config:
        ember_config = from_keras(compile_config, custom_objects, where="compile_config")
        kwargs = deserialize_compile(ember_config, custom_objects)
        if ember_config.get("weighted_metrics"):
            kwargs["weighted_metrics"] = deserialize_compile({"metrics": ember_config["weighted_metrics"]})["metrics"]
        model.compile(**kwargs)
        keras_optimizer.restore_optimizer(model, found.get("optimizer", []), extras, filepath)
    return model
