"""Structured-matrix initializers: ``Orthogonal`` and ``Identity`` (Keras 3)."""

from __future__ import annotations

import math

import numpy as np

from ember import backend
from ember.backend import random as _random
from ember.initializers.initializers import Initializer, _dtype


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; a normal
    matrix of that shape (transposed when it has fewer rows than columns) is
    QR-factorised and ``Q * sign(diag(R))`` is kept, so the rows (or columns)
    are orthonormal and the draw is uniform over the orthogonal group.

    Args:
        gain: multiplicative factor. Defaults to ``1.0``.
        seed: an int makes every call draw the same matrix. Defaults to ``None``.

    Raises:
        ValueError: for shapes of rank below 2.

    Example:
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> bool(np.allclose(q @ q.T, np.eye(4), atol=1e-6))
        True

    Source: Saxe et al., "Exact solutions to the nonlinear dynamics of
    learning in deep linear neural networks" (2014); ``keras.initializers.Orthogonal``.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have rank >= 2. Received: shape={shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = _random.generator(self.seed).normal(0.0, 1.0, size=flat)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))  # makes the factorisation unique, hence the draw uniform
        if rows < cols:
            q = q.T
        return backend.asarray(self.gain * q.reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (``eye(rows, cols)`` for non-square shapes).

    Args:
        gain: multiplicative factor. Defaults to ``1.0``.

    Raises:
        ValueError: for shapes that are not 2D.

    Example:
        >>> Identity(gain=2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]

    Source: ``keras.initializers.Identity``.
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2D. Received: shape={shape}")
        return backend.xp().eye(*shape, dtype=_dtype(dtype)) * _dtype(dtype).type(self.gain)

    def get_config(self):
        return {"gain": self.gain}
