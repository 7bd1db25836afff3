"""The full training state in one checksummed file: weights, optimizer state, random generators, epoch.

Used by :class:`~ember.callbacks.BackupAndRestore` and by ``.keras`` archives
(optimizer part). Restoring it into the same architecture continues training
bit for bit (RELIABILITY.md C2): every random draw of ``fit`` (shuffling,
dropout, noise layers) comes from ember's generator or a layer's own seeded
generator, and all of them are saved.
"""

from __future__ import annotations

import json
import os
import random as _py_random

import numpy as np

from ember import backend
from ember._version import __version__
from ember.backend import random as _random
from ember.saving import tensor_file
from ember.saving.atomic import atomic_write_bytes
from ember.saving.weights_file import _WEIGHT_KEY, assign_weights, read_file, weight_tensors

FORMAT = "ember.training_state.v1"


def optimizer_tensors(model) -> dict:
    """``{'optimizer/<key>': array}`` from ``model.optimizer.get_state(model.trainable_weights)`` ({} if none)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "get_state"):
        return {}
    state = optimizer.get_state(model.trainable_weights)
    return {f"optimizer/{k}": np.asarray(backend.to_numpy(v)) for k, v in state.items()}


def restore_optimizer(model, tensors: dict, filepath: str) -> None:
    """Give ``model.optimizer`` the ``'optimizer/...'`` entries of ``tensors`` (no-op if there are none).

    Raises:
        ValueError: if the state does not match the model's trainable variables.
    """
    state = {k[len("optimizer/") :]: v for k, v in tensors.items() if k.startswith("optimizer/")}
    if not state or getattr(model, "optimizer", None) is None:
        return
    try:
        model.optimizer.set_state(model.trainable_weights, {k: backend.asarray(v) for k, v in state.items()})
    except ValueError as exc:
        raise ValueError(f"{filepath}: optimizer state does not fit model '{model.name}': {exc}") from exc


def _layer_generators(model) -> dict:
    """Every ``numpy.random.Generator`` a layer owns (seeded layers), keyed by layer name and attribute."""
    found = {}
    for layer in model._flatten_layers():
        for attr, value in vars(layer).items():
            if isinstance(value, np.random.Generator):
                found[f"{layer.name}.{attr}"] = value
    return found


def rng_state(model) -> dict:
    """JSON-able states of ember's generator, layer generators, NumPy's and Python's global generators."""
    return {
        "ember": _random.get_state(),
        "layers": {k: g.bit_generator.state for k, g in _layer_generators(model).items()},
        "python": [list(x) if isinstance(x, tuple) else x for x in _py_random.getstate()],
        "numpy": _numpy_global_state(),
    }


def _numpy_global_state():
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def set_rng_state(model, state: dict) -> None:
    """Restore :func:`rng_state`'s output."""
    _random.set_state(state["ember"])
    generators = _layer_generators(model)
    for key, value in state.get("layers", {}).items():
        if key in generators:
            generators[key].bit_generator.state = value
    version, internal, gauss = state["python"]
    _py_random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))


def save_training_state(model, filepath: str, next_epoch: int) -> None:
    """Write weights, optimizer state, random states and ``next_epoch`` to ``filepath``, atomically."""
    tensors = {**weight_tensors(model), **optimizer_tensors(model)}
    meta = {"format": FORMAT, "ember_version": __version__, "epoch": int(next_epoch),
            "rng": json.dumps(rng_state(model))}  # fmt: skip
    atomic_write_bytes(os.fspath(filepath), tensor_file.encode(tensors, meta))


def load_training_state(model, filepath: str) -> int:
    """Restore :func:`save_training_state`'s file into ``model``; returns the epoch to resume at.

    Everything is checked (format, checksum, weight shapes, optimizer state
    keys) before anything changes, so a bad file leaves the model as it was.

    Raises:
        ValueError: for a corrupted, truncated or foreign file, or one that does not fit the model.
    """
    filepath = os.fspath(filepath)
    what = "load_training_state"
    tensors, meta = tensor_file.decode(read_file(filepath, what), filepath, what)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{what}: {filepath} is not an ember training state (format={meta.get('format')!r})")
    try:
        epoch, rng = int(meta["epoch"]), json.loads(meta["rng"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{what}: {filepath} has a damaged header: {exc}") from exc
    expected = [tuple(w.shape) for w in model.weights]
    received = [tuple(tensors[k].shape) for k in sorted(k for k in tensors if _WEIGHT_KEY.match(k))]
    if expected != received:
        raise ValueError(f"{what}: {filepath} holds weights {received}; model '{model.name}' expects {expected}")
    restore_optimizer(model, tensors, filepath)
    assign_weights(model, tensors, filepath)
    set_rng_state(model, rng)
    return epoch
