"""Dtype policy: the default float dtype, Keras's ``floatx``."""

from __future__ import annotations

import numpy as np

_FLOATX = {"value": "float32"}
_ALLOWED = ("float16", "float32", "float64")


def floatx() -> str:
    """The default float dtype as a string. Defaults to ``'float32'`` (Keras's default)."""
    return _FLOATX["value"]


def set_floatx(value: str) -> None:
    """Set the default float dtype.

    Args:
        value: one of ``'float16'``, ``'float32'``, ``'float64'``.

    Raises:
        ValueError: for any other value.
    """
    if value not in _ALLOWED:
        raise ValueError(f"set_floatx: expected one of {_ALLOWED}. Received: value={value!r}")
    _FLOATX["value"] = value


def standardize_dtype(dtype) -> np.dtype:
    """Turn a dtype-like (string, NumPy dtype, Python type) into a ``numpy.dtype``."""
    return np.dtype(dtype)


_EAGER_FUNCTIONS = {"value": False}


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every :func:`ember.function` (and ``jit_compile=True`` step) run eagerly, for debugging.

    TensorFlow's ``tf.config.run_functions_eagerly``: while on, a decorated function
    neither traces nor replays; it runs its Python body on every call.

    Args:
        run_eagerly: ``True`` to run eagerly, ``False`` to trace and replay again.
    """
    _EAGER_FUNCTIONS["value"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether :func:`run_functions_eagerly` is on. Defaults to ``False``."""
    return _EAGER_FUNCTIONS["value"]
