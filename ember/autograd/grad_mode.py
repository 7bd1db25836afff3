"""Switches for graph recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

As in PyTorch, they work as context managers and as decorators.
"""

from __future__ import annotations

import functools

_STATE = {"enabled": True}


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _STATE["enabled"]


class set_grad_enabled:
    """Context manager / decorator that turns graph recording on or off.

    Args:
        mode: ``True`` to record, ``False`` not to.
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = _STATE["enabled"]
        _STATE["enabled"] = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _STATE["enabled"] = self.prev
        return False


class _GradSwitch:
    mode = True

    def __enter__(self):
        self.prev = _STATE["enabled"]
        _STATE["enabled"] = self.mode
        return self

    def __exit__(self, *exc):
        _STATE["enabled"] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradSwitch):
    """Context manager / decorator: operations inside are not recorded.

    Use it for inference and for hand-written parameter updates::

        with ember.no_grad():
            w -= lr * w.grad
    """

    mode = False


class enable_grad(_GradSwitch):
    """Context manager / decorator: recording on, even inside ``no_grad``."""

    mode = True
