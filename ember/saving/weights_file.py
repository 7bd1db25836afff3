"""Weight files: safetensors (no pickle, no code on load), written atomically.

Tensors are stored under their index and path (``'0:dense/kernel'``) so a
model loads weights by position, as Keras 3 does, with every shape checked.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ember._version import __version__
from ember.saving.atomic import atomic_write_bytes

FORMAT = "ember.weights.v1"


def _key(i: int, path: str) -> str:
    return f"{i:05d}:{path}"


def save_weights(model, filepath: str, overwrite: bool = True) -> None:
    """Save ``model.weights`` to ``filepath`` (safetensors), atomically.

    Raises:
        FileExistsError: if the file exists and ``overwrite`` is false.
    """
    from safetensors.numpy import save

    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    tensors = {_key(i, w.path): np.ascontiguousarray(w.numpy()) for i, w in enumerate(model.weights)}
    meta = {"format": FORMAT, "ember_version": __version__, "count": str(len(tensors))}
    atomic_write_bytes(filepath, save(tensors, metadata=meta))


def load_weights(model, filepath: str) -> None:
    """Load weights saved by :func:`save_weights` into ``model`` (which must be built).

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if the file is not an ember weight file, is truncated or
            corrupted, or its count or shapes differ from the model's
            (expected and received shapes listed). The model is unchanged then.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    with open(filepath, "rb") as f:
        raw = f.read()
    try:
        tensors = load(raw)
        header_len = int.from_bytes(raw[:8], "little")
        meta = json.loads(raw[8 : 8 + header_len]).get("__metadata__", {})
    except (SafetensorError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"load_weights: {filepath} is not a valid weight file (truncated or corrupted): {exc}") from exc
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_weights: {filepath} is not an ember weight file (format={meta.get('format')!r})")
    arrays = [tensors[k] for k in sorted(tensors)]
    variables = model.weights
    expected = [tuple(v.shape) for v in variables]
    received = [tuple(a.shape) for a in arrays]
    if expected != received:
        raise ValueError(
            f"load_weights: {filepath} holds {len(received)} weights with shapes {received}; model "
            f"'{model.name}' expects {len(expected)} with shapes {expected}"
        )
    for var, value in zip(variables, arrays):
        var.assign(value)
