"""``PyDataset`` (Keras 3) and its Keras 2 name ``Sequence``: a dataset as an indexable list of batches.

Subclass it, give ``__len__`` (number of batches) and ``__getitem__(i)`` (batch ``i``: ``x``,
``(x, y)`` or ``(x, y, sample_weight)`` of NumPy arrays); ``fit``/``evaluate``/``predict`` iterate it
once per epoch and call ``on_epoch_end`` after each epoch.
Source: keras/src/trainers/data_adapters/py_dataset_adapter.py.
"""

from __future__ import annotations


class PyDataset:
    """Base class of batch datasets for ``fit``/``evaluate``/``predict``.

    Args:
        workers, use_multiprocessing, max_queue_size: Keras's parallel-loading options. ember loads
            batches in the training thread; ``workers=1``, ``use_multiprocessing=False`` only.

    Raises:
        NotImplementedError: for ``workers > 1`` or ``use_multiprocessing=True``.

    Example:
        >>> import numpy as np, ember
        >>> class Ones(ember.utils.PyDataset):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        >>> model = ember.Sequential([ember.Input((2,)), ember.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> len(model.fit(Ones(), epochs=2, verbose=0).history["loss"])
        2
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if workers not in (None, 1) or use_multiprocessing:
            raise NotImplementedError(
                f"{type(self).__name__}: workers={workers!r}, use_multiprocessing={use_multiprocessing!r} are "
                "not implemented in ember (batches load in the training thread): use the defaults"
            )
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of batches)")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) returning a batch")

    def on_epoch_end(self) -> None:
        """Called after every epoch (e.g. to reshuffle)."""

    @property
    def num_batches(self) -> int:
        """``len(self)``."""
        return len(self)


Sequence = PyDataset  # Keras 2's keras.utils.Sequence


class ArrayDataset(PyDataset):
    """Batches of in-memory arrays: what ember's ``*_dataset_from_*`` functions return.

    Args:
        arrays: tuple of arrays with the same first axis (``(x,)``, ``(x, y)``).
        batch_size: samples per batch; ``None`` gives one unbatched sample per item.
        class_names: kept as ``.class_names`` (Keras's attribute). Defaults to ``None``.
    """

    def __init__(self, arrays, batch_size=32, class_names=None):
        super().__init__()
        self.arrays, self.batch_size, self.class_names = tuple(arrays), batch_size, class_names
        self._n = len(self.arrays[0])

    def __len__(self) -> int:
        if self.batch_size is None:
            return self._n
        return -(-self._n // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"ArrayDataset: batch {index} out of range [0, {len(self)})")
        if self.batch_size is None:
            part = tuple(a[index] for a in self.arrays)
        else:
            part = tuple(a[index * self.batch_size:(index + 1) * self.batch_size] for a in self.arrays)
        return part[0] if len(part) == 1 else part

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def is_torch_dataloader(x) -> bool:
    """Whether ``x`` is a ``torch.utils.data.DataLoader`` (checked by class name: torch is not imported)."""
    return any(k.__name__ == "DataLoader" and k.__module__.startswith("torch.utils.data") for k in type(x).__mro__)


def _to_numpy(value):
    import numpy as np

    if isinstance(value, (list, tuple)):
        return tuple(_to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)


class DataLoaderDataset(PyDataset):
    """A torch ``DataLoader`` seen as a :class:`PyDataset`: item ``i`` is the loader's ``i``-th batch of the
    current pass, as NumPy arrays (a list batch ``[x, y]`` becomes ``(x, y)``); index 0 starts a new pass, so a
    ``shuffle=True`` loader reshuffles every epoch, as when Keras iterates it. Items must be read in order.

    Source: keras/src/trainers/data_adapters/torch_data_loader_adapter.py.
    """

    def __init__(self, loader):
        super().__init__()
        self.loader = loader
        self._iterator, self._next = None, 0

    def __len__(self) -> int:
        return len(self.loader)

    def __getitem__(self, index):
        if index == 0 or self._iterator is None:
            self._iterator, self._next = iter(self.loader), 0
        if index != self._next:
            raise IndexError(f"DataLoaderDataset: batches are read in order. Expected index {self._next}. "
                             f"Received: index={index}")  # fmt: skip
        self._next += 1
        return _to_numpy(next(self._iterator))
