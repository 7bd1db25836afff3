"""Learning-rate callbacks: ``ReduceLROnPlateau`` and ``LearningRateScheduler``."""

from __future__ import annotations

import math
import warnings

from ember.callbacks.callback import Callback


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs.

    ``new_lr = max(old_lr * factor, min_lr)``; after a reduction, ``cooldown``
    epochs pass before counting again. Adds ``learning_rate`` to the epoch logs.

    Args:
        monitor: log key to watch. Defaults to ``'val_loss'``.
        factor: multiplier, ``< 1``. Defaults to ``0.1``.
        patience: epochs without improvement before reducing. Defaults to ``10``.
        verbose: 1 prints a message at each reduction. Defaults to ``0``.
        mode: ``'auto'``, ``'min'`` or ``'max'``. Defaults to ``'auto'``.
        min_delta: threshold of a significant change. Defaults to ``1e-4``.
        cooldown: epochs to wait after a reduction. Defaults to ``0``.
        min_lr: lower bound of the learning rate. Defaults to ``0.0``.
        **kwargs: only ``epsilon``, Keras 2's name of ``min_delta``.

    Raises:
        ValueError: if ``factor >= 1``.
        TypeError: for any other keyword argument.

    Source: keras/src/callbacks/reduce_lr_on_plateau.py.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):  # fmt: skip
        super().__init__()
        if "epsilon" in kwargs:  # Keras 2's name of min_delta, still accepted by Keras 3
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unrecognized keyword arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.mode, self.min_delta, self.cooldown, self.min_lr = mode, min_delta, cooldown, min_lr
        self.wait = self.cooldown_counter = 0
        self.best = None
        self.monitor_op = None

    def on_train_begin(self, logs=None):
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be one of 'auto', 'min', 'max'. Received: {self.mode!r}")
        # Keras's rule here: 'auto' minimizes unless the name mentions accuracy.
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op, self.best = (lambda a, b: a < b - self.min_delta), math.inf
        else:
            self.monitor_op, self.best = (lambda a, b: a > b + self.min_delta), -math.inf
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule(epoch, lr)`` (or ``schedule(epoch)``).

    Args:
        schedule: function of the epoch index (from 0) and the current learning
            rate returning the new learning rate (a float).
        verbose: 1 prints each change. Defaults to ``0``.

    Raises:
        ValueError: if ``schedule`` returns something other than a float.

    Source: keras/src/callbacks/learning_rate_scheduler.py.

    Example:
        >>> import ember
        >>> cb = ember.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule, as Keras allows
            lr = self.schedule(epoch)
        if not isinstance(lr, float) and not (hasattr(lr, "dtype") and getattr(lr.dtype, "kind", "") == "f"):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
