"""Seeding every generator a training run draws from."""

from __future__ import annotations

import random as _py_random

import numpy as np

from ember.backend import random as _random


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and ember's own generator.

    Two runs that call this with the same seed before building a model give
    bit-identical weights and training history on the same machine
    (as ``keras.utils.set_random_seed``).

    Args:
        seed: a non-negative int.

    Raises:
        ValueError: if ``seed`` is not a non-negative int.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_random_seed: expected a non-negative int. Received: seed={seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _random.seed(int(seed))
