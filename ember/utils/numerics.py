"""Label and feature helpers on NumPy arrays (data preparation, outside the graph)."""

from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (``keras.utils.to_categorical``).

    Args:
        x: integer labels, any shape; a trailing axis of size 1 is dropped.
        num_classes: number of classes. Defaults to ``max(x) + 1``.

    Returns:
        float32 array of shape ``x.shape + (num_classes,)``.

    Raises:
        ValueError: for non-integer labels or labels outside ``[0, num_classes)``.
    """
    x = np.asarray(x)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and not np.all(np.equal(np.mod(x, 1), 0)):
        raise ValueError("to_categorical: expected integer class labels. Received non-integer values")
    x = x.astype(np.int64)
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must lie in [0, {num_classes}). Received: min={x.min()}, max={x.max()}"
        )
    out = np.zeros(x.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)
