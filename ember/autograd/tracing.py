"""The hook through which :mod:`ember.graph` watches eager execution while it traces a function.

``_STATE["tracer"]`` is ``None`` outside tracing, so the eager hot path pays one dict
lookup per op. While :func:`ember.function` traces, it holds the active tracer object
(defined in :mod:`ember.graph.tracer`, which this module does not import: imports
point down), and :meth:`Function.apply`, :func:`run_backward`, ``Variable.assign``,
in-place updates and every host read of a tensor's values (``item()``, ``float()``,
``numpy()``, ``bool()``) report to it.
"""

from __future__ import annotations

_STATE = {"tracer": None}


def active():
    """The active tracer, or ``None`` when no :func:`ember.function` is tracing."""
    return _STATE["tracer"]


def note_host_read(tensor, how: str) -> None:
    """Tell the active tracer that Python read ``tensor``'s values (data-dependent control flow)."""
    tracer = _STATE["tracer"]
    if tracer is not None:
        tracer.host_read(tensor, how)
