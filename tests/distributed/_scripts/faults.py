"""Fault scenarios run under ``mpirun -n 2`` by tests/distributed/test_mpi.py.

Usage: python faults.py MODE DIR
  exception  rank 1 raises mid-training; the whole job must end (non-zero) within seconds
  sigkill    rank 1 SIGKILLs itself mid-training; mpirun must end the other rank
  deadlock   only rank 0 calls allreduce; it must raise CollectiveTimeoutError (timeout 2 s)
  train      train 4 epochs with BackupAndRestore(DIR/backup); with DIR/kill_at present, rank 1
             SIGKILLs itself in the epoch named there; with DIR/kill_in_save, rank 0 SIGKILLs itself
             half-way through writing the backup of the epoch named there. Writes DIR/result.npz
             (rank 0) at the end.
"""

import json
import os
import signal
import sys
import time

import numpy as np

import ember
import ember.distributed as dist
from ember import layers


def model_and_data():
    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([layers.Input((10,)), layers.Dense(16, activation="relu"), layers.Dense(3)])
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    rng = np.random.default_rng(0)
    return model, rng.standard_normal((512, 10)).astype("float32"), rng.integers(0, 3, 512)


class Fault(ember.callbacks.Callback):
    def __init__(self, epoch, action):
        super().__init__()
        self.epoch, self.action, self.current = epoch, action, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if dist.rank() == 1 and self.current == self.epoch and batch == 3:
            print(f"rank 1: fault '{self.action}' in epoch {self.epoch}", flush=True)
            if self.action == "exception":
                raise RuntimeError("injected failure on rank 1")
            os.kill(os.getpid(), signal.SIGKILL)


class _HalfWriter:
    """A file that writes half of what it is given, then the process dies (SIGKILL mid-save)."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        print(f"rank 0: killed half-way through a {len(data)}-byte backup", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name):
        return getattr(self.f, name)


def kill_during_save(epoch: int) -> None:
    """Make rank 0's (epoch+1)-th atomic write die after writing half of the temporary file."""
    import ember.saving.atomic as atomic

    calls = {"n": 0}

    class OsProxy:
        def __getattr__(self, name):
            return getattr(os, name)

        def fdopen(self, fd, mode):
            calls["n"] += 1
            f = os.fdopen(fd, mode)
            return _HalfWriter(f) if calls["n"] == epoch + 1 else f

    atomic.os = OsProxy()


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    dist.init(timeout=2 if mode == "deadlock" else 60)
    if mode == "deadlock":
        if dist.rank() == 0:
            dist.allreduce(np.ones(3))
        else:
            time.sleep(30)
        return
    model, x, y = model_and_data()
    callbacks = [ember.callbacks.BackupAndRestore(os.path.join(folder, "backup"), delete_checkpoint=False)]
    if mode in ("exception", "sigkill"):
        callbacks.append(Fault(1, mode))
    elif os.path.exists(os.path.join(folder, "kill_at")):
        with open(os.path.join(folder, "kill_at")) as f:
            callbacks.append(Fault(int(f.read()), "sigkill"))
    elif os.path.exists(os.path.join(folder, "kill_in_save")) and dist.rank() == 0:
        with open(os.path.join(folder, "kill_in_save")) as f:
            kill_during_save(int(f.read()))
    strategy = dist.MPIStrategy(seed=7)
    h = model.fit(x, y, batch_size=16, epochs=4, verbose=0, callbacks=callbacks, distribute=strategy)
    if dist.rank() == 0:
        np.savez(os.path.join(folder, "result.npz"), *model.get_weights())
        with open(os.path.join(folder, "epochs.json"), "w") as f:
            json.dump({"epochs_run": len(h.history["loss"]), "loss": h.history["loss"]}, f)


if __name__ == "__main__":
    main()
