"""``TensorBoard``: write epoch (and optionally batch) logs as TensorBoard event files."""

from __future__ import annotations

import os

from ember.callbacks.callback import Callback


class TensorBoard(Callback):
    """Log scalars for TensorBoard: ``train/`` and ``validation/`` runs under ``log_dir``.

    Writes ``epoch_loss``, ``epoch_accuracy``, ... (and ``epoch_learning_rate``)
    at each epoch end, as Keras does, with tensorboardX's event writer
    (imported when training starts; install ``ember[viz]``). With
    ``write_graph``/``histogram_freq`` left at their defaults nothing else is written.

    Args:
        log_dir: folder for the event files. Defaults to ``'logs'``.
        histogram_freq: write weight histograms every this many epochs (0: never). Defaults to ``0``.
        update_freq: ``'epoch'``, ``'batch'`` or a number of batches between batch-level writes.
            Defaults to ``'epoch'``.

    Raises:
        ImportError: when training starts without tensorboardX installed.

    Source: keras/src/callbacks/tensorboard.py (scalar logging).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False, update_freq="epoch",
                 **kwargs):  # fmt: skip
        super().__init__()
        self.log_dir, self.histogram_freq, self.update_freq = os.fspath(log_dir), histogram_freq, update_freq
        self._writers = {}
        self._step = 0

    def _writer(self, run: str):
        if run not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as exc:
                raise ImportError("TensorBoard callback needs tensorboardX: pip install 'ember[viz]'") from exc
            self._writers[run] = SummaryWriter(logdir=os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._step = 0
        self._writer("train")

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        freq = 1 if self.update_freq == "batch" else self.update_freq
        if isinstance(freq, int) and self._step % freq == 0:
            for k, v in (logs or {}).items():
                self._writer("train").add_scalar(f"batch_{k}", float(v), self._step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.model is not None and hasattr(self.model, "optimizer"):
            logs.setdefault("learning_rate", float(self.model.optimizer.learning_rate))
        for k, v in logs.items():
            run, key = ("validation", k[4:]) if k.startswith("val_") else ("train", k)
            self._writer(run).add_scalar(f"epoch_{key}", float(v), epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for w in self.model.weights:
                self._writer("train").add_histogram(w.path, w.numpy(), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
