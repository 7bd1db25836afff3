"""Data utilities: ``pad_sequences`` and ``split_dataset`` (Keras 3 names and behaviour)."""

from __future__ import annotations

import numpy as np

from ember.backend import random as _random


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (and truncate) a list of sequences to one length: an array ``(num_sequences, maxlen, ...)``.

    Sequences longer than ``maxlen`` lose values from the start (``truncating='pre'``)
    or the end (``'post'``); shorter ones are filled with ``value`` before
    (``padding='pre'``) or after (``'post'``) them.

    Args:
        sequences: list of sequences (lists or arrays; items may be vectors).
        maxlen: output length. Defaults to ``None`` (the longest sequence).
        dtype: output dtype. Defaults to ``'int32'``.
        padding: ``'pre'`` or ``'post'``. Defaults to ``'pre'``.
        truncating: ``'pre'`` or ``'post'``. Defaults to ``'pre'``.
        value: fill value. Defaults to ``0.0``.

    Returns:
        NumPy array ``(len(sequences), maxlen) + item_shape``.

    Raises:
        ValueError: for non-iterable entries, unknown ``padding``/``truncating``,
            or items whose shapes differ.

    Source: keras/src/utils/sequence_utils.py.

    Example:
        >>> import ember
        >>> ember.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
        [[2, 3], [0, 4]]
    """
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape = [], ()
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {s!r}")
        lengths.append(len(s))
        if len(s) and not sample_shape:
            sample_shape = np.asarray(s).shape[1:]
    maxlen = int(max(lengths, default=0)) if maxlen is None else int(maxlen)
    out = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at position {i} is different from expected "
                f"shape {tuple(sample_shape)}"
            )
        if padding == "post":
            out[i, : len(trunc)] = trunc
        else:
            out[i, -len(trunc) :] = trunc
    return out


def _size(value, n: int, name: str):
    if value is None:
        return None
    if isinstance(value, float) and 0 < value < 1:
        return int(round(value * n))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 < value <= n:
        return int(value)
    raise ValueError(
        f"split_dataset: `{name}` must be a float in (0, 1) or an int in [1, {n}]. Received: {name}={value!r}"
    )


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split arrays (or a tuple/list of arrays sharing the first axis) into a left and a right part.

    Args:
        dataset: an array ``(n, ...)`` or a tuple/list of such arrays (e.g. ``(x, y)``).
        left_size: share (float in (0, 1)) or count (int) of samples on the left.
            Defaults to ``None`` (the complement of ``right_size``).
        right_size: same for the right. Defaults to ``None`` (the complement of ``left_size``).
        shuffle: shuffle the samples before splitting. Defaults to ``False``.
        seed: seed for the shuffle. Defaults to ember's global generator.

    Returns:
        ``(left, right)``, each with ``dataset``'s structure.

    Raises:
        ValueError: if both sizes are ``None``, a size is out of range, the arrays
            differ in length, or the two sizes add up to more than the samples.

    Source: keras/src/utils/dataset_utils.py.

    Example:
        >>> import numpy as np, ember
        >>> left, right = ember.utils.split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(right)
        (8, 2)
    """
    arrays = list(dataset) if isinstance(dataset, (tuple, list)) else [dataset]
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"split_dataset: all arrays must have the same length. Received: {[len(a) for a in arrays]}")
    if left_size is None and right_size is None:
        raise ValueError(
            "split_dataset: at least one of `left_size` or `right_size` must be specified. "
            "Received: left_size=None and right_size=None"
        )
    left, right = _size(left_size, n, "left_size"), _size(right_size, n, "right_size")
    left = n - right if left is None else left
    right = n - left if right is None else right
    if left + right > n:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} exceeds the {n} samples")
    if shuffle:
        order = _random.generator(seed).permutation(n)
        arrays = [a[order] for a in arrays]
    lefts, rights = [a[:left] for a in arrays], [a[left : left + right] for a in arrays]
    if isinstance(dataset, (tuple, list)):
        return type(dataset)(lefts), type(dataset)(rights)
    return lefts[0], rights[0]
