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
