"""``ModelCheckpoint``: save the model (or its weights) during training, every epoch or at the best one."""

from __future__ import annotations

import math
import operator
import os
import warnings

from ember.callbacks.callback import Callback
from ember.callbacks.monitor import monitor_op


class ModelCheckpoint(Callback):
    """Save the model after each epoch (or each ``save_freq`` batches), atomically.

    ``filepath`` may hold ``str.format`` fields filled from the epoch (from 1) and
    the logs: ``'ckpt-{epoch:02d}-{val_loss:.2f}.keras'``. Full models are
    written with ``model.save`` (``.keras``); with ``save_weights_only=True``
    with ``model.save_weights`` (``.weights.h5`` as Keras, or ember's ``.weights.safetensors``). A checkpoint whose
    logged loss is NaN or infinite is not written, so the last file on disk never
    holds a diverged model (RELIABILITY.md B4).

    Args:
        filepath: path or format string.
        monitor: log key for ``save_best_only``. Defaults to ``'val_loss'``.
        verbose: 1 prints a message at each save. Defaults to ``0``.
        save_best_only: only save when ``monitor`` improves. Defaults to ``False``.
        save_weights_only: save weights only. Defaults to ``False``.
        mode: ``'auto'``, ``'min'`` or ``'max'``. Defaults to ``'auto'``.
        save_freq: ``'epoch'`` or a number of batches. Defaults to ``'epoch'``.
        initial_value_threshold: the value ``monitor`` must beat for the first save. Defaults to ``None``.

    Raises:
        ValueError: for a file name with the wrong extension or a bad ``save_freq``.

    Source: keras/src/callbacks/model_checkpoint.py.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):  # fmt: skip
        super().__init__()
        self.filepath = os.fspath(filepath)
        if save_weights_only and not self.filepath.endswith((".weights.h5", ".weights.safetensors")):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`.weights.h5` (Keras) or `.weights.safetensors` (ember). Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(
                f"The filepath provided must end in `.keras` (Keras model format). Received: filepath={self.filepath}"
            )
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected 'epoch' or a positive int")
        self.monitor, self.verbose, self.mode = monitor, verbose, mode
        self.save_best_only, self.save_weights_only, self.save_freq = save_best_only, save_weights_only, save_freq
        self.best = initial_value_threshold
        self._batches_seen = 0
        self._epoch = 0

    def on_train_begin(self, logs=None):
        op = monitor_op(self.monitor, self.mode, self.model, "ModelCheckpoint") if self.save_best_only else None
        self.monitor_op = op
        if self.best is None and op is not None:
            self.best = math.inf if op is operator.lt else -math.inf

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _save(self, epoch: int, logs) -> None:
        logs = dict(logs or {})
        filepath = self.filepath.format(epoch=epoch + 1, **logs)
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: loss is {loss}, not saving to {filepath}")
            return
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {filepath}")  # fmt: skip
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
