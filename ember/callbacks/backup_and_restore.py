"""``BackupAndRestore``: resume a killed run where it stopped, with the same final weights."""

from __future__ import annotations

import os
import shutil

from ember.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Back up the full training state at the end of each epoch; restore it when ``fit`` starts again.

    The backup is one safetensors file holding the weights, the optimizer
    state (slots, step counter, learning rate), the state of every random
    generator training draws from, and the next epoch to run, written
    atomically with a checksum. A run killed at any point restarts from the
    last completed epoch and, as every random draw continues from the same
    state, ends with weights bit-identical to an uninterrupted run
    (RELIABILITY.md C2/D7). With ``double_checkpoint=True`` the previous backup
    is kept too, and a corrupted latest one falls back to it.

    Args:
        backup_dir: folder for the backup files.
        save_freq: ``'epoch'`` (the only supported frequency). Defaults to ``'epoch'``.
        double_checkpoint: keep the previous backup as a fallback. Defaults to ``False``.
        delete_checkpoint: remove the backup when training finishes. Defaults to ``True``.

    Raises:
        ValueError: for an empty ``backup_dir`` or an unsupported ``save_freq``.

    Source: keras/src/callbacks/backup_and_restore.py.

    Example:
        >>> import ember
        >>> cb = ember.callbacks.BackupAndRestore(backup_dir="/tmp/ember_backup")
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: empty `backup_dir` is not allowed")
        if save_freq != "epoch":
            raise ValueError(f"BackupAndRestore: only save_freq='epoch' is supported. Received: {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._latest = os.path.join(self.backup_dir, "latest.state.safetensors")
        self._previous = os.path.join(self.backup_dir, "previous.state.safetensors")

    def on_train_begin(self, logs=None):
        candidates = [self._latest] + ([self._previous] if self.double_checkpoint else [])
        errors = []
        for path in candidates:
            if not os.path.exists(path):
                continue
            try:
                self.model._initial_epoch = self.model._load_training_state(path)
                return
            except ValueError as exc:  # corrupted: try the older backup
                errors.append(str(exc))
        if errors:
            raise ValueError("BackupAndRestore: no usable backup in " + self.backup_dir + ": " + "; ".join(errors))

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._latest):
            os.replace(self._latest, self._previous)
        self.model._save_training_state(self._latest, epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
