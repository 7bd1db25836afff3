"""Turning user data (NumPy arrays, lists, Tensors) into validated, batched arrays for ``fit``.

All checks happen here, once per call, before any training step, so bad input
raises before a single weight changes.
"""

from __future__ import annotations

import math

import numpy as np

from ember import backend
from ember.backend import random as _random


def _is_text(arr) -> bool:
    """Strings (``U``/``S`` dtype, or an object array of str/bytes): inputs for TextVectorization/StringLookup."""
    if arr.dtype.kind in "US":
        return True
    return arr.dtype == object and arr.size > 0 and all(isinstance(v, (str, bytes)) for v in arr.ravel().tolist())


def _to_array(value, what: str, fn: str):
    if value is None:
        return None
    if hasattr(value, "data") and hasattr(value, "requires_grad"):  # an ember Tensor
        value = backend.to_numpy(value.data)
    arr = np.asarray(value)
    if what == "x" and _is_text(arr):  # Keras's end-to-end string model: raw text into a text layer
        return arr
    if arr.dtype == object or arr.dtype.kind in "USc":
        raise TypeError(
            f"{fn}: `{what}` must be numeric (float, int or bool). Received: dtype={arr.dtype}"
        )
    return arr


def as_inputs(x, fn: str):
    """``x`` as a float array of ``floatx`` (ints and float64 are cast). Lists of inputs stay lists.

    Raises:
        TypeError: for object or complex data (strings are kept, for a model whose first layer reads text).
        ValueError: for 0-d input.
    """
    if isinstance(x, (list, tuple)) and x and (hasattr(x[0], "shape") and np.ndim(x[0]) >= 1):
        return [as_inputs(v, fn) for v in x]
    arr = _to_array(x, "x", fn)
    if arr.ndim == 0:
        raise ValueError(f"{fn}: `x` must have a batch axis. Received: a 0-d value")
    if _is_text(arr):  # strings stay strings: the model's first layer (TextVectorization, StringLookup) reads them
        return arr
    if arr.dtype != np.dtype(backend.floatx()):
        arr = arr.astype(backend.floatx())
    return arr


def as_targets(y, fn: str, keep_integers: bool):
    """Targets as an array: integer labels kept (for sparse losses) or cast to ``floatx``."""
    arr = _to_array(y, "y", fn)
    if arr is None:
        return None
    if arr.ndim == 0:
        raise ValueError(f"{fn}: `y` must have a batch axis. Received: a 0-d value")
    if keep_integers and arr.dtype.kind in "iub":
        return arr.astype(np.int64, copy=False)
    if arr.dtype != np.dtype(backend.floatx()):
        arr = arr.astype(backend.floatx())
    return arr


def num_samples(x) -> int:
    """The batch size of ``x`` (the first input's for a list)."""
    return len(x[0]) if isinstance(x, list) else len(x)


def check_lengths(x, y, sample_weight, fn: str) -> int:
    """Raise ``ValueError`` unless x, y and sample_weight have the same non-zero number of samples."""
    n = num_samples(x)
    if isinstance(x, list) and any(len(v) != n for v in x):
        raise ValueError(f"{fn}: all inputs must have the same number of samples. Received: {[len(v) for v in x]}")
    if n == 0:
        raise ValueError(f"{fn}: the dataset is empty (x has 0 samples). Expected at least one sample")
    if isinstance(y, list):
        for i, yi in enumerate(y):
            if yi is not None and len(yi) != n:
                raise ValueError(
                    f"{fn}: x and y must have the same number of samples. Received: x has {n} samples, "
                    f"target {i} has {len(yi)}"
                )
    elif y is not None and len(y) != n:
        raise ValueError(
            f"{fn}: x and y must have the same number of samples. Received: x has {n} samples, y has {len(y)}. "
            "Check that inputs and labels come from the same split"
        )
    if sample_weight is not None and len(sample_weight) != n:
        raise ValueError(
            f"{fn}: sample_weight must have one entry per sample. Received: {len(sample_weight)} for {n} samples"
        )
    return n


def class_weight_samples(y, class_weight: dict, sample_weight, fn: str):
    """Per-sample weights ``class_weight[label]`` (times ``sample_weight`` if given), Keras's ``class_weight``.

    Labels are integer classes ``(n,)``/``(n, 1)`` or one-hot rows ``(n, C)`` (their argmax).
    Classes missing from ``class_weight`` weigh 1.

    Raises:
        ValueError: if ``class_weight`` is not a dict of class index to weight.
    """
    if not isinstance(class_weight, dict) or not all(isinstance(k, (int, np.integer)) for k in class_weight):
        raise ValueError(f"{fn}: `class_weight` must be a dict {{class index: weight}}. Received: {class_weight!r}")
    labels = y.reshape(len(y)) if y.ndim == 1 or y.shape[1:] == (1,) else y.reshape(len(y), -1).argmax(axis=1)
    table = np.ones(int(max(max(class_weight), labels.max())) + 1, dtype=backend.floatx())
    for k, v in class_weight.items():
        table[int(k)] = v
    weights = table[labels.astype(np.int64)]
    return weights if sample_weight is None else weights * sample_weight


def check_batch_size(batch_size, fn: str) -> int:
    """``batch_size`` (default 32) as a positive int; raises ``ValueError`` otherwise."""
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"{fn}: `batch_size` must be a positive int. Received: batch_size={batch_size!r}")
    return int(batch_size)


def take(data, index):
    """``data[index]`` for an array, a list of arrays, or ``None``."""
    if data is None:
        return None
    if isinstance(data, list):
        return [d[index] for d in data]
    return data[index]


def split_validation(arrays: list, validation_split: float, fn: str):
    """Split off the last ``validation_split`` share of samples (before shuffling, as Keras does).

    Returns:
        ``(train_arrays, val_arrays)``.

    Raises:
        ValueError: if the split is outside ``[0, 1)`` or leaves either part empty.
    """
    if not 0 <= validation_split < 1:
        raise ValueError(f"{fn}: `validation_split` must be in [0, 1). Received: {validation_split}")
    n = num_samples(arrays[0])
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(
            f"{fn}: validation_split={validation_split} leaves an empty training or validation set for {n} samples"
        )
    return [take(a, slice(0, cut)) for a in arrays], [take(a, slice(cut, None)) for a in arrays]


def epoch_batches(arrays: list, batch_size: int, shuffle: bool):
    """Yield tuples of batches for one epoch.

    Shuffles once per epoch (one permutation from ember's generator, one
    gather per array) and then slices contiguous views, so the per-step cost
    is a slice.
    """
    n = num_samples(arrays[0])
    if shuffle:
        perm = _random.generator().permutation(n)
        arrays = [take(a, perm) for a in arrays]
    for start in range(0, n, batch_size):
        sl = slice(start, start + batch_size)
        yield tuple(take(a, sl) for a in arrays)


def steps_for(n: int, batch_size: int) -> int:
    """Number of batches per epoch: ``ceil(n / batch_size)``."""
    return (n + batch_size - 1) // batch_size


def concatenate(chunks: list):
    """Join predicted batches (arrays or lists of arrays) along the batch axis, as NumPy."""
    if isinstance(chunks[0], list):
        return [np.concatenate([backend.to_numpy(c[i]) for c in chunks]) for i in range(len(chunks[0]))]
    return np.concatenate([backend.to_numpy(c) for c in chunks])


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """One batch as ``train_step`` receives it (Keras's convention).

    ``x`` alone (a single array; ``(x,)`` if ``x`` is a list of inputs), ``(x, y)``,
    or ``(x, y, sample_weight)``, leaving out what was not given.

    Example:
        >>> import numpy as np
        >>> from ember.utils import pack_x_y_sample_weight
        >>> len(pack_x_y_sample_weight(np.ones(2), np.zeros(2)))
        2
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch made by :func:`pack_x_y_sample_weight` (missing parts ``None``).

    Raises:
        ValueError: for a tuple longer than 3.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )
