"""Weight files: safetensors (no pickle, no code on load) with a checksum, written atomically.

Tensors are stored under their index and path (``'00000:dense/kernel'``) so a
model loads weights by position, as Keras 3 does, with every shape checked.
Files that also carry training state (``.keras`` archives, backups) add
``'optimizer/...'`` entries, which :func:`load_weights` ignores.
"""

from __future__ import annotations

import os
import re

from ember import backend
from ember._version import __version__
from ember.saving import tensor_file
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
    if filepath.endswith(".keras"):  # the weights inside a whole-model archive, as Keras 3 allows
        from ember.saving.model_file import read_archive

        raw = read_archive(filepath)["model.weights.safetensors"]
        assign_weights(model, tensor_file.decode(raw, filepath, "load_weights")[0], filepath)
        return
    tensors, meta = tensor_file.decode(read_file(filepath, "load_weights"), filepath, "load_weights")
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_weights: {filepath} is not an ember weight file (format={meta.get('format')!r})")
    assign_weights(model, tensors, filepath)
