"""``fit``/``evaluate``/``predict`` over a :class:`~ember.utils.PyDataset` (Keras's ``Sequence``): one batch per item.

Each item is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` of arrays; it goes through the same
checks and steps as array data (:mod:`ember.models.data_checks`, ``train_step``), and the dataset's
``on_epoch_end`` runs after each epoch. Source: keras/src/trainers/data_adapters/py_dataset_adapter.py.
"""

from __future__ import annotations

from ember.models import data_checks
from ember.utils import batching
from ember.utils.progbar import Progbar


def is_dataset(x) -> bool:
    """Whether ``x`` is a PyDataset/Sequence or a torch ``DataLoader`` (see :func:`as_dataset`)."""
    from ember.utils.py_dataset import PyDataset, is_torch_dataloader

    return isinstance(x, PyDataset) or is_torch_dataloader(x)


def as_dataset(x):
    """``x`` itself for a PyDataset; a torch ``DataLoader`` wrapped as a ``DataLoaderDataset``."""
    from ember.utils.py_dataset import DataLoaderDataset, is_torch_dataloader

    return DataLoaderDataset(x) if is_torch_dataloader(x) else x


def _unpack(item):
    if isinstance(item, list) and len(item) in (2, 3):  # a [x, y] batch (torch's default collate)
        item = tuple(item)
    if isinstance(item, tuple):
        return (item + (None, None))[:3] if len(item) <= 3 else item
    return item, None, None


def _batch(model, item, fn: str):
    x, y, sw = _unpack(item)
    x, y, sw = data_checks.prepare(model, x, y, sw, fn)
    return batching.pack_x_y_sample_weight(x, y, sw)


def _no_extras(fn: str, **given) -> None:
    bad = {k: v for k, v in given.items() if v}
    if bad:
        raise ValueError(f"{fn}: {sorted(bad)} cannot be used with a PyDataset or DataLoader (its items already hold "
                         "the batches, targets and sample weights)")  # fmt: skip


def fit_dataset(model, data, epochs, verbose, callbacks, validation_data, initial_epoch, steps_per_epoch, **extras):
    """The epoch loop of ``fit`` for a dataset; returns the History."""
    from ember.models.trainer import _fit_callbacks

    _no_extras("fit", **extras)
    data = as_dataset(data)
    validation_data = as_dataset(validation_data)
    steps = len(data) if steps_per_epoch is None else min(len(data), int(steps_per_epoch))
    cb, history = _fit_callbacks(model, callbacks, {"epochs": epochs, "steps": steps, "verbose": verbose})
    model.stop_training = False
    cb.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        cb.on_epoch_begin(epoch)
        logs = {}
        for step in range(steps):
            cb.on_train_batch_begin(step)
            logs = model.train_step(_batch(model, data[step], "fit"))
            cb.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation_data is not None:
            val_logs = evaluate_dataset(model, validation_data, 0, cb) if is_dataset(validation_data) else \
                model._evaluate_arrays(*data_checks.prepare(model, *(tuple(validation_data) + (None,))[:3], "fit"),
                                       32, 0, cb)  # fmt: skip
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        data.on_epoch_end()
        cb.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    cb.on_train_end({k: v[-1] for k, v in history.history.items()})
    model.history = history
    return history


def evaluate_dataset(model, data, verbose, cb=None, steps=None) -> dict:
    """Loss and metrics over a dataset's batches (inference mode); returns the logs."""
    model.reset_metrics()
    data = as_dataset(data)
    n = len(data) if steps is None else min(len(data), int(steps))
    bar, logs = Progbar(n, verbose=verbose), {}
    if cb is not None:
        cb.on_test_begin()
    for step in range(n):
        if cb is not None:
            cb.on_test_batch_begin(step)
        logs = model.test_step(_batch(model, data[step], "evaluate"))
        if cb is not None:
            cb.on_test_batch_end(step, logs)
        bar.update(step + 1, logs, finalize=step + 1 == n)
    if cb is not None:
        cb.on_test_end(logs)
    return logs


def predict_dataset(model, data, verbose, steps=None):
    """The model outputs over a dataset's batches, concatenated (targets in the items are ignored)."""
    from ember.models.evaluation import _arrays

    data = as_dataset(data)
    n = len(data) if steps is None else min(len(data), int(steps))
    bar, outputs = Progbar(n, verbose=verbose), []
    for step in range(n):
        x, _, _ = _unpack(data[step])
        xb = batching.as_inputs(x, "predict")
        outputs.append(_arrays(model.predict_step(batching.pack_x_y_sample_weight(xb))))
        bar.update(step + 1, finalize=step + 1 == n)
    return batching.concatenate(outputs)
