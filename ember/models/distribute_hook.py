"""Where ``fit`` finds a data-parallel strategy without importing :mod:`ember.distributed` (which sits above models).

``ember.distributed.init()`` registers its strategy here; ``fit(distribute=...)`` overrides
it for one call. A strategy is any object with the methods ``fit`` calls
(see :class:`ember.distributed.MPIStrategy`): models only look it up.
"""

from __future__ import annotations

_ACTIVE = None


def register(strategy) -> None:
    """Make ``strategy`` the one every later ``fit`` uses (``None`` turns data parallelism off)."""
    global _ACTIVE
    _ACTIVE = strategy


def current():
    """The registered strategy, or ``None``."""
    return _ACTIVE
