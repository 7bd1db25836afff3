"""``History`` (records epoch logs) and ``ProgbarLogger`` (prints Keras's progress line)."""

from __future__ import annotations

from ember.callbacks.callback import Callback
from ember.utils.progbar import Progbar


class History(Callback):
    """Records the logs of every epoch; ``fit`` returns it.

    Attributes:
        history: ``{'loss': [epoch 1, epoch 2, ...], 'accuracy': [...], ...}``.
        epoch: the epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch 3/10`` (when epochs > 1) and the per-step progress bar of ``fit``.

    Args:
        stream: where to print. Defaults to ``sys.stdout`` at each epoch.
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self.progbar = None

    def on_epoch_begin(self, epoch, logs=None):
        verbose, epochs = self.params.get("verbose", 1), self.params.get("epochs", 1)
        if verbose and epochs > 1:
            print(f"Epoch {epoch + 1}/{epochs}", file=self.stream, flush=True)
        self.progbar = Progbar(self.params.get("steps"), verbose=verbose, stream=self.stream)
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        self.progbar.update(self.seen, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.seen, logs, finalize=True)
