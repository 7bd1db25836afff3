"""XOR: the four points of the exclusive-or truth table, the classic non-linearly-separable toy.

A network without a hidden layer cannot fit it (Minsky and Papert, *Perceptrons*, 1969);
one hidden layer of two or more units can. Source: defined here. Licence: none needed.
"""

from __future__ import annotations

import numpy as np


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return the XOR truth table as a training set and, identically, as a test set.

    NOTE: train and test are the same four rows (fresh copies): XOR has no held-out data,
    and the test set only checks that the table was learnt.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` is ``(4, 2)`` float32 with rows
        ``[0, 0], [0, 1], [1, 0], [1, 1]``; ``y`` is ``(4, 1)`` float32 ``[0], [1], [1], [0]``.

    Example:
        >>> (x, y), _ = load_data()
        >>> (x[:, 0] != x[:, 1]).astype("float32").tolist() == y[:, 0].tolist()
        True
    """
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return (x, y), (x.copy(), y.copy())


__all__ = ["load_data"]
