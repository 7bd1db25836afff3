"""``EarlyStopping``: stop training when a monitored metric has stopped improving."""

from __future__ import annotations

import operator
import warnings

from ember.callbacks.callback import Callback
from ember.callbacks.monitor import monitor_op


class EarlyStopping(Callback):
    """Stop ``fit`` once ``monitor`` has not improved for ``patience`` epochs (Keras 3 ``EarlyStopping``).

    An epoch improves when ``current + min_delta < best`` (mode ``'min'``) or
    ``current - min_delta > best`` (mode ``'max'``). With a ``baseline`` the wait
    counter only resets once the value beats the baseline.

    Args:
        monitor: log key to watch. Defaults to ``'val_loss'``.
        min_delta: smallest change that counts as an improvement. Defaults to ``0``.
        patience: epochs without improvement before stopping. Defaults to ``0``.
        verbose: 1 prints ``Epoch N: early stopping`` at the end. Defaults to ``0``.
        mode: ``'auto'``, ``'min'`` or ``'max'``. Defaults to ``'auto'``.
        baseline: value the metric must beat to reset the wait. Defaults to ``None``.
        restore_best_weights: restore the weights of the best epoch at the end. Defaults to ``False``.
        start_from_epoch: epochs to wait before watching (warm-up). Defaults to ``0``.

    Raises:
        ValueError: for an unknown ``mode`` or a metric whose direction cannot be told in ``'auto'`` mode.

    Source: keras/src/callbacks/early_stopping.py.

    Example:
        >>> import ember
        >>> stop = ember.callbacks.EarlyStopping(monitor="loss", patience=3)
        >>> stop.patience
        3
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):  # fmt: skip
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be one of 'auto', 'min', 'max'. Received: mode={mode!r}")
        self.monitor, self.patience, self.verbose, self.mode = monitor, patience, verbose, mode
        self.baseline, self.min_delta = baseline, abs(min_delta)
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.monitor_op = None
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = self.best_weights = None

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        delta = self.min_delta if self.monitor_op is operator.lt else -self.min_delta
        return self.monitor_op(value + delta, reference)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self.monitor_op = monitor_op(self.monitor, self.mode, self.model, "EarlyStopping")
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list((logs or {}).keys()))}",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
