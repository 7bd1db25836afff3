"""Small callbacks: ``CSVLogger``, ``TerminateOnNaN`` and ``LambdaCallback``."""

from __future__ import annotations

import csv
import math
import os

from ember.callbacks.callback import Callback


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return value


class CSVLogger(Callback):
    """Stream epoch results to a CSV file: a header ``epoch,<sorted log keys>``, then one row per epoch.

    Args:
        filename: path of the CSV file.
        separator: column separator. Defaults to ``','``.
        append: append to an existing file (to resume a run) instead of overwriting it. Defaults to ``False``.

    Source: keras/src/callbacks/csv_logger.py.

    Example:
        >>> import ember
        >>> logger = ember.callbacks.CSVLogger("training.log")
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.writer = self.keys = self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not bool(f.readline().strip())
            mode = "a"
        else:
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 - closed in on_train_end
        self.writer = self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{k: _cell(logs.get(k, "NA")) for k in self.keys}}
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = self.csv_file = None


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite (RELIABILITY.md B4).

    Prints ``Batch k: Invalid loss, terminating training`` and sets
    ``model.stop_training``; ``fit`` stops right after that batch.

    Args:
        raise_error: raise ``RuntimeError`` naming the batch instead of stopping quietly. Defaults to ``False``.

    Raises:
        RuntimeError: with ``raise_error=True``, at the first non-finite loss.

    Source: keras/src/callbacks/terminate_on_nan.py.
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf found in loss at batch {batch}: loss={loss}")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook you pass.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``.
        **kwargs: any other hook by name (``on_test_end=f``, ...).

    Raises:
        ValueError: for a keyword that is not a callback hook.

    Source: keras/src/callbacks/lambda_callback.py.

    Example:
        >>> import ember
        >>> seen = []
        >>> cb = ember.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):  # fmt: skip
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)  # fmt: skip
        for name, fn in hooks.items():
            if not (name.startswith("on_") and callable(getattr(Callback, name, None))):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            if fn is not None:
                setattr(self, name, fn)
