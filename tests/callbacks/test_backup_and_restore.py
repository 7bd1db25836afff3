"""BackupAndRestore: a run killed with SIGKILL resumes and ends bit-identical to an uninterrupted run (C2/D7)."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember import layers

SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    import numpy as np
    import ember
    from ember import callbacks, layers

    backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ember.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((48, 4)).astype("float32")
    y = (x.sum(axis=1) > 2).astype("int64")
    model = ember.Sequential([layers.Dense(8, activation="relu", input_dim=4), layers.Dropout(0.3),
                              layers.Dense(2, activation="softmax")])
    model.compile(ember.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    epochs_run = []

    class Killer(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs_run.append(epoch)
            with open(out + ".epochs", "w") as f:
                json.dump(epochs_run, f)

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch_now == kill_at and batch == 2:
                os.kill(os.getpid(), signal.SIGKILL)  # mid-epoch, after some updates

        def on_epoch_end(self, epoch, logs=None):
            pass

    killer = Killer()
    track = callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: setattr(killer, "epoch_now", e))
    model.fit(x, y, batch_size=8, epochs=6, verbose=0,
              callbacks=[track, killer, callbacks.BackupAndRestore(backup, double_checkpoint=True)])
    model.save_weights(out)
    """
)


def _run(tmp_path, name, kill_at):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    out = str(tmp_path / f"{name}.weights.safetensors")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / f"{name}_backup"), out, str(kill_at)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return proc, out


def _weights(path):
    from safetensors.numpy import load_file

    tensors = load_file(path)
    return [tensors[k] for k in sorted(tensors)]


def test_sigkill_mid_training_then_resume_is_bit_identical(tmp_path):
    straight, straight_out = _run(tmp_path, "straight", kill_at=-1)
    assert straight.returncode == 0, straight.stderr
    killed, resumed_out = _run(tmp_path, "resumed", kill_at=3)
    assert killed.returncode == -signal.SIGKILL
    assert not os.path.exists(resumed_out)
    assert os.path.exists(tmp_path / "resumed_backup" / "latest.state.safetensors")
    resumed, _ = _run(tmp_path, "resumed", kill_at=-1)
    assert resumed.returncode == 0, resumed.stderr
    with open(resumed_out + ".epochs") as f:
        assert json.load(f) == [3, 4, 5]  # epochs 0-2 were backed up; the killed epoch 3 is redone
    for a, b in zip(_weights(straight_out), _weights(resumed_out), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(tmp_path / "resumed_backup")  # deleted once training finished


def _model():
    model = ember.Sequential([layers.Dense(3, input_dim=2)])
    model.compile("adam", "mse")
    return model


def test_corrupted_latest_falls_back_to_previous(tmp_path):
    x, y = np.ones((8, 2), "float32"), np.zeros((8, 3), "float32")
    backup = tmp_path / "b"
    keep = ember.callbacks.BackupAndRestore(str(backup), double_checkpoint=True, delete_checkpoint=False)
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[keep])
    latest = backup / "latest.state.safetensors"
    data = bytearray(latest.read_bytes())
    data[-1] ^= 0xFF
    latest.write_bytes(bytes(data))
    epochs = []
    spy = ember.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs.append(e))
    restore = ember.callbacks.BackupAndRestore(str(backup), double_checkpoint=True)
    _model().fit(x, y, epochs=3, verbose=0, callbacks=[restore, spy])
    assert epochs == [1, 2]  # the previous backup (after epoch 0) was used
    single = tmp_path / "single"
    _model().fit(x, y, epochs=1, verbose=0,
                 callbacks=[ember.callbacks.BackupAndRestore(str(single), delete_checkpoint=False)])  # fmt: skip
    path = single / "latest.state.safetensors"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match="no usable backup"):
        _model().fit(x, y, epochs=2, verbose=0, callbacks=[ember.callbacks.BackupAndRestore(str(single))])
