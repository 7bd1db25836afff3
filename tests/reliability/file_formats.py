"""Every file format ember reads, as (write a small valid file, read it) pairs, for the D3/D4/D5 sweeps.

Each entry: ``name -> FileFormat(write(path), read(path), own)``. ``own`` formats carry ember's checksum, so
every bit flip must be detected; foreign formats (written by other frameworks' layouts) are measured and the
figure is reported, with what the format cannot detect stated in RELIABILITY.md.
"""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ember import layers, models


@dataclass
class FileFormat:
    """A readable format: how to write a small valid file and how ember reads it."""

    suffix: str
    write: Callable[[str], None]
    read: Callable[[str], object]
    own: bool


def small_model():
    """A compiled 2-layer MLP with one Adam step taken (so optimizer state exists), deterministic."""
    model = models.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"), layers.Dense(3)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.normal(size=(4, 6)).astype("float32"), rng.normal(size=(4, 3)).astype("float32"))
    return model


def _keras_write(path):
    small_model().save(path)


def _keras_read(path):
    return models.load_model(path)


def _weights_write(path):
    small_model().save_weights(path)


def _weights_read(path):
    model = small_model()
    model.load_weights(path)
    return model


_RECURRENT: list = []


def _keras_weights_read(path):
    """Keras 3's own ``save_weights`` file of tests/fixtures (LSTM + Bidirectional GRU), into its model."""
    if not _RECURRENT:  # built once: every load in the sweeps runs in a forked child or leaves it unchanged
        _RECURRENT.append(models.load_model(FIXTURES / "keras3_recurrent.keras"))
    _RECURRENT[0].load_weights(path)
    return _RECURRENT[0]


def _copy_fixture(name: str):
    def write(path):
        shutil.copyfile(FIXTURES / name, path)

    return write


def _safetensors_write(path):
    small_model().save_weights(path)


def _onnx_write(path):
    from ember.interop.onnx import export

    export(small_model(), path)


def _onnx_read(path):
    from ember.interop.onnx import load_model

    return load_model(path)


def _torch_write(zipped: bool):
    def write(path):
        import torch

        torch.manual_seed(0)
        state = {"fc.weight": torch.randn(5, 6), "fc.bias": torch.randn(5), "bn.running_var": torch.rand(5)}
        torch.save(state, path, _use_new_zipfile_serialization=zipped)

    return write


def _torch_read(path):
    from ember.interop.torch import read_state_dict

    state = read_state_dict(path)
    return [state[k] for k in sorted(state)]


FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras"

FORMATS: dict[str, FileFormat] = {
    "ember .keras": FileFormat(".keras", _keras_write, _keras_read, own=True),
    "ember .weights.h5": FileFormat(".weights.h5", _weights_write, _weights_read, own=True),
    "ember .weights.safetensors": FileFormat(".weights.safetensors", _safetensors_write, _weights_read, own=True),
    # written by real Keras (tests/fixtures/make_keras_fixtures.py): no ember checksum inside
    "Keras 3 .keras": FileFormat(".keras", _copy_fixture("keras3_sequential.keras"), _keras_read, own=False),
    "Keras 2 legacy .h5": FileFormat(".h5", _copy_fixture("legacy_sequential.h5"), _keras_read, own=False),
    "Keras 3 .weights.h5": FileFormat(".weights.h5", _copy_fixture("keras3_recurrent.weights.h5"), _keras_weights_read,
                                      own=False),
    # ONNX protobuf: no checksum in the format (a flipped weight bit is undetectable by design)
    "ONNX .onnx": FileFormat(".onnx", _onnx_write, _onnx_read, own=False),
    # PyTorch checkpoints read without torch (zip: CRC-32 per member; legacy pickle stream: no check at all)
    "PyTorch .pth (zip)": FileFormat(".pth", _torch_write(True), _torch_read, own=False),
    "PyTorch .pth (legacy)": FileFormat(".pth", _torch_write(False), _torch_read, own=False),
}
