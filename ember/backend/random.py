"""ember's one seeded random generator (DESIGN.md §3).

All randomness in ember (weight initialisation, dropout masks, shuffling)
draws from :func:`generator`, so :func:`seed` makes a run repeat bit for bit.
"""

from __future__ import annotations

import numpy as np

_state: dict = {"rng": np.random.default_rng()}


def seed(value: int) -> None:
    """Re-seed ember's generator with ``value`` (a non-negative int)."""
    if not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"seed: expected a non-negative int. Received: value={value!r}")
    _state["rng"] = np.random.default_rng(int(value))


def generator(seed: int | None = None) -> np.random.Generator:
    """The generator to draw from: ember's global one, or a fresh one when ``seed`` is given.

    A per-call ``seed`` gives the same draw every time, as Keras's ``seed=`` does; a
    ``SeedGenerator`` (anything with a ``generator`` attribute) gives its own stream, advancing each draw.
    A NumPy ``Generator`` as ``seed`` is a layer's seed stream: the call's seed is drawn from it
    (``int(seed.integers(2**31))``), so a replayed graph (ember.function) draws the next one.
    """
    if isinstance(seed, np.random.Generator):
        return np.random.default_rng(int(seed.integers(2**31)))
    stream = getattr(seed, "generator", None)
    if isinstance(stream, np.random.Generator):
        return stream
    if seed is not None:
        return np.random.default_rng(int(seed))
    return _state["rng"]


def get_state() -> dict:
    """The bit generator state of ember's generator (to checkpoint it)."""
    return _state["rng"].bit_generator.state


def set_state(state: dict) -> None:
    """Restore a state returned by :func:`get_state`."""
    _state["rng"].bit_generator.state = state
