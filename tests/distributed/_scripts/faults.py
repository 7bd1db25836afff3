"""Fault scenarios run under ``mpirun -n 2`` by tests/distributed/test_mpi.py.

Usage: python faults.py MODE DIR
  exception  rank 1 raises mid-training; the whole job must end (non-zero) within seconds
  sigkill    rank 1 SIGKILLs itself mid-training; mpirun must end the other rank
  deadlock   only rank 0 calls allreduce; it must raise CollectiveTimeoutError (timeout 2 s)
  train      train 4 epochs with BackupAndRestore(DIR/backup); with DIR/kill_at present, rank 1
             SIGKILLs itself in the epoch named there. Writes DIR/result.npz (rank 0) at the end.
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
    strategy = dist.MPIStrategy(seed=7)
    h = model.fit(x, y, batch_size=16, epochs=4, verbose=0, callbacks=callbacks, distribute=strategy)
    if dist.rank() == 0:
        np.savez(os.path.join(folder, "result.npz"), *model.get_weights())
        with open(os.path.join(folder, "epochs.json"), "w") as f:
            json.dump({"epochs_run": len(h.history["loss"]), "loss": h.history["loss"]}, f)


if __name__ == "__main__":
    main()
