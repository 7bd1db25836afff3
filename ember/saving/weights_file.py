"""Weight files, written atomically: Keras 3's ``.weights.h5`` and ember's checksummed safetensors.

``save_weights("x.weights.h5")`` writes Keras 3's weights-only layout (the ``vars`` groups of
``model.weights.h5``, see :mod:`ember.saving.keras_weights`) after a 512-byte HDF5 user block holding the
SHA-256 of the rest of the file (:mod:`ember.saving.h5_guard`: verified before libhdf5 parses anything; Keras
and h5py skip the block); any other name gets ember's safetensors file. Files from older embers (SHA-256 of
the arrays in the root attribute ``ember_sha256``) still load, checked after parsing. Loading
also reads the weights inside a ``.keras`` archive and Keras 2 HDF5 weights (``layer_names``
attribute, via :mod:`ember.interop.keras_h5`). Every count and shape is checked before anything
is assigned, so a bad file leaves the model unchanged.

In safetensors, tensors are stored under their index and path (``'00000:dense/kernel'``) so a
model loads weights by position, as Keras 3 does, with every shape checked.
Files that also carry training state (``.keras`` archives, backups) add
``'optimizer/...'`` entries, which :func:`load_weights` ignores.
"""

from __future__ import annotations

import os
import re

from ember import backend
from ember._version import __version__
from ember.saving import h5_guard, keras_weights, tensor_file
from ember.saving.atomic import atomic_write_bytes

FORMAT = "ember.weights.v1"
_WEIGHT_KEY = re.compile(r"^\d{5}:")


def _key(i: int, path: str) -> str:
    return f"{i:05d}:{path}"


def weight_tensors(model) -> dict:
    """``{'00000:dense/kernel': array, ...}`` for every weight of ``model``, as NumPy arrays."""
    return {_key(i, w.path): backend.to_numpy(w.data) for i, w in enumerate(model.weights)}


def assign_weights(model, tensors: dict, filepath: str) -> None:
    """Set ``model``'s weights from the weight entries of ``tensors``, all shapes checked first.

    Raises:
        ValueError: if the count or any shape differs, listing expected and received shapes.
    """
    arrays = [tensors[k] for k in sorted(k for k in tensors if _WEIGHT_KEY.match(k))]
    variables = model.weights
    expected = [tuple(v.shape) for v in variables]
    received = [tuple(a.shape) for a in arrays]
    if expected != received:
        raise ValueError(
            f"load_weights: {filepath} holds {len(received)} weights with shapes {received}; model "
            f"'{model.name}' expects {len(expected)} with shapes {expected}"
        )
    for var, value in zip(variables, arrays, strict=True):
        var.assign(value)


def save_weights(model, filepath: str, overwrite: bool = True) -> None:
    """Save ``model.weights`` to ``filepath`` (safetensors with a SHA-256), atomically.

    Raises:
        FileExistsError: if the file exists and ``overwrite`` is false.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    if filepath.endswith(".h5"):
        groups = keras_weights.model_groups(model)
        raw = keras_weights.h5_bytes(groups, userblock=h5_guard.USERBLOCK)
        atomic_write_bytes(filepath, h5_guard.seal(raw))
        return
    tensors = weight_tensors(model)
    meta = {"format": FORMAT, "ember_version": __version__, "count": len(tensors)}
    atomic_write_bytes(filepath, tensor_file.encode(tensors, meta))


def read_file(filepath: str, what: str) -> bytes:
    """The bytes of ``filepath``.

    Raises:
        FileNotFoundError: if it does not exist.
    """
    with open(os.fspath(filepath), "rb") as f:
        return f.read()


def load_weights(model, filepath: str) -> None:
    """Load weights saved by :func:`save_weights` (or held in a ``.keras`` file) into ``model`` (built).

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if the file is not an ember weight file, is truncated or
            corrupted (checksum), or its count or shapes differ from the model's
            (expected and received shapes listed). The model is unchanged then.
    """
    filepath = os.fspath(filepath)
    raw = read_file(filepath, "load_weights")
    if raw.startswith(b"PK"):  # the weights inside a whole-model archive, as Keras 3 allows
        _load_archive_weights(model, raw, filepath)
        return
    kind = h5_guard.check(raw, filepath, "load_weights")  # ember's sealed HDF5: digest verified here
    if kind != "other":
        _load_h5_weights(model, raw, filepath, trusted=kind == "ember")
        return
    tensors, meta = tensor_file.decode(raw, filepath, "load_weights")
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_weights: {filepath} is not an ember weight file (format={meta.get('format')!r})")
    assign_weights(model, tensors, filepath)


def _groups_checksum(groups) -> str:
    return tensor_file.checksum({f"{path}/vars/{i}": a for path, _, arrays in groups for i, a in enumerate(arrays)})


def read_h5_weights(raw: bytes, filepath: str, what: str) -> list:
    """``[{path: arrays}, root attributes, Keras 2 {layer: arrays} or None]`` of an HDF5 weight file's bytes."""
    found, attrs = keras_weights.read_groups(raw, filepath, what)
    if "layer_names" not in attrs:
        return [found, attrs, None]
    from ember.interop import keras_h5

    return [found, attrs, keras_h5.read_weights_file(raw, filepath, what)]


def _load_h5_weights(model, raw: bytes, filepath: str, trusted: bool) -> None:
    """Keras 3 ``.weights.h5`` or Keras 2 HDF5 weights; foreign (not ``trusted``) files are parsed in a child
    process (:func:`ember.saving.h5_guard.read`)."""
    what = "load_weights"
    read = read_h5_weights if trusted else lambda *args: h5_guard.read("h5_weights", *args)
    found, attrs, legacy = read(raw, filepath, what)
    if legacy is not None:
        from ember.interop import keras_h5

        keras_h5.assign_legacy(model, legacy, filepath, what)
        return
    expected = attrs.get("ember_sha256")
    if expected is not None:
        actual = _groups_checksum([(p, None, arrays) for p, arrays in found.items()])
        if actual != expected:
            raise ValueError(f"load_weights: {filepath} is corrupted: checksum mismatch (expected sha256 "
                             f"{expected}, computed {actual})")  # fmt: skip
    keras_weights.assign_pairs(keras_weights.match_groups(model, found, filepath, "load_weights"))


def _load_archive_weights(model, raw: bytes, filepath: str) -> None:
    import io
    import zipfile

    from ember.saving.damaged import ZIP_ERRORS

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            old = "model.weights.safetensors" in zf.namelist()
    except ZIP_ERRORS as exc:
        raise ValueError(
            f"load_weights: {filepath} is not a valid .keras file (truncated or corrupted): {exc}"
        ) from exc
    if old:
        from ember.saving.ember_v1 import read_archive

        data = read_archive(filepath)["model.weights.safetensors"]
        assign_weights(model, tensor_file.decode(data, filepath, "load_weights")[0], filepath)
        return
    from ember.saving.model_file import model_weight_groups, read_members

    members = read_members(raw, filepath, "load_weights")  # zip CRC-32s and ember's SHA-256 checked here
    found, _ = model_weight_groups(members, filepath, "load_weights")
    keras_weights.assign_pairs(keras_weights.match_groups(model, found, filepath, "load_weights"))
