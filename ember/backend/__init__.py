"""The array namespace ember computes with: NumPy by default, CuPy on a GPU.

Everything above this package asks for arrays through here, so switching the
backend is a matter of the namespace, not of rewriting layers (DESIGN.md §2).

- :func:`xp` returns the active array module (``numpy`` or ``cupy``).
- :func:`set_backend` / :func:`get_backend` select it; the ``EMBER_BACKEND``
  environment variable picks the one used at import time.
- :mod:`ember.backend.config` holds the float dtype policy (``floatx``).
- :mod:`ember.backend.random` holds ember's one seeded generator.
- :mod:`ember.backend.allocator` tunes glibc malloc at import (``EMBER_MALLOPT=0`` opts out).

This package imports no other ember module.
"""

from __future__ import annotations

import contextlib
import os
from types import ModuleType

import numpy as np

from ember.backend import allocator, config, random, special
from ember.backend.config import floatx, set_floatx

__all__ = [
    "xp",
    "set_backend",
    "get_backend",
    "available_backends",
    "to_numpy",
    "to_device",
    "errstate",
    "scatter_add",
    "matmul_tn",
    "contiguous",
    "relu_",
    "add_row_",
    "namespace",
    "special",
    "asarray",
    "config",
    "random",
    "floatx",
    "set_floatx",
]

_BACKENDS = ("numpy", "cupy")
_state = {"name": "numpy", "module": np}


def available_backends() -> tuple[str, ...]:
    """Names of the backends ember knows: ``('numpy', 'cupy')``."""
    return _BACKENDS


def get_backend() -> str:
    """Name of the active backend, ``'numpy'`` or ``'cupy'``."""
    return _state["name"]


def set_backend(name: str) -> None:
    """Select the array backend for tensors created from now on.

    Args:
        name: ``'numpy'`` or ``'cupy'``.

    Raises:
        ValueError: for an unknown name.
        ImportError: if ``'cupy'`` is asked for and CuPy (or a GPU) is missing.
    """
    if name not in _BACKENDS:
        raise ValueError(f"set_backend: unknown backend. Expected one of {_BACKENDS}. Received: name={name!r}")
    if name == "cupy":
        from ember.backend import _cupy

        module = _cupy.load()
    else:
        module = np
    _state["name"], _state["module"] = name, module


def xp() -> ModuleType:
    """The active array module (``numpy`` or ``cupy``)."""
    return _state["module"]


def namespace(array) -> ModuleType:
    """The array module that owns ``array`` (CuPy arrays → cupy, anything else → numpy)."""
    if type(array).__module__.startswith("cupy"):
        return _state["module"] if _state["name"] == "cupy" else _import_cupy()
    return np


def _import_cupy() -> ModuleType:
    from ember.backend import _cupy

    return _cupy.load()


def asarray(data, dtype=None):
    """Convert ``data`` to an array of the active backend (no copy when already one)."""
    return _state["module"].asarray(data, dtype=dtype)


def to_numpy(array) -> np.ndarray:
    """Return ``array`` as a NumPy array, copying from the GPU when needed."""
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "get"):  # cupy.ndarray
        return array.get()
    return np.asarray(array)


def to_device(array, device: str):
    """Copy ``array`` to ``'cpu'`` (a NumPy array) or ``'gpu'``/``'cuda'`` (a CuPy array).

    Raises:
        ImportError: for the GPU when CuPy or a CUDA device is missing.
    """
    if device == "cpu":
        return to_numpy(array)
    cupy = _import_cupy()
    return cupy.asarray(array)


def contiguous(array):
    """``array`` itself when C-contiguous, else a contiguous copy.

    Kernels call it where a strided operand would change the summation order (BLAS), so that
    an op on a view equals the op on a copy bit for bit. Unlike ``ascontiguousarray`` it keeps 0-d arrays 0-d.
    """
    return array if array.flags.c_contiguous else namespace(array).ascontiguousarray(array)


_RELU_BLOCK = 4096
_RELU_ZEROS: dict = {}  # dtype -> read-only zeros of _RELU_BLOCK elements


def relu_(y):
    """``y = maximum(y, 0)`` in place on a fresh array (NaN stays NaN, ``-0.0`` stays ``-0.0``); returns ``y``.

    NumPy 2.4's ``maximum`` against a scalar 0 runs a loop that is not vectorised (21,632 float32: 8.9 us;
    5.5 M: 2.1 ms); against a row of zeros broadcast over rows of a C-contiguous array it takes the SIMD loop
    (5.8 us; 1.25 ms). Same elementwise ``maximum``, so bit-identical (tested with NaN, signed zeros, inf).
    Small, strided or non-NumPy arrays take the scalar form.
    """
    n = y.size
    if n < 2 * _RELU_BLOCK or type(y) is not np.ndarray or not y.flags.c_contiguous:
        return namespace(y).maximum(y, y.dtype.type(0), out=y)
    zeros = _RELU_ZEROS.get(y.dtype)
    if zeros is None:
        zeros = _RELU_ZEROS[y.dtype] = np.zeros(_RELU_BLOCK, y.dtype)
        zeros.flags.writeable = False
    return _blockwise_(np.maximum, y, zeros)


def _blockwise_(ufunc, y, block):
    """``ufunc(y, block)`` in place, ``y`` (C-contiguous NumPy) seen as rows of ``len(block)`` elements and a tail."""
    n = y.size
    flat = y.reshape(-1)  # a view: y is C-contiguous
    m = n - n % block.size
    head = flat[:m].reshape(-1, block.size)
    ufunc(head, block, out=head)
    if m < n:
        ufunc(flat[m:], block[: n - m], out=flat[m:])
    return y


def add_row_(y, row):
    """``y += row`` in place for a C-contiguous ``y`` of shape ``(..., len(row))``; returns ``y``.

    Broadcasting a short row (e.g. a conv bias of 32 channels) makes NumPy run its inner loop 32 elements at a
    time (2.2 ms on (173056, 32) float32); the row tiled to 4096 elements and added to ``y`` seen as 4096-element
    rows takes the long vectorised loop (1.6 ms; W3's first conv at b64: 423 -> 243 us). The same additions,
    so bit-identical. Small arrays, rows longer than 64 (already a long loop: (256, 256) measured slower tiled)
    or not dividing 4096, and non-NumPy arrays take ``y += row``.
    """
    n, c = y.size, row.shape[-1] if row.ndim == 1 else 0
    short = 0 < c <= 64 and not _RELU_BLOCK % c and n >= 16 * _RELU_BLOCK
    if not short or type(y) is not np.ndarray or not y.flags.c_contiguous or y.shape[-1] != c or row.dtype != y.dtype:
        y += row
        return y
    # n is a multiple of c and c divides the block: every block, and the tail, starts at channel 0
    return _blockwise_(np.add, y, np.tile(row, _RELU_BLOCK // c))


def matmul_tn(a, b):
    """``a.T @ b`` for 2-D ``a`` ``(k, m)`` and ``b`` ``(k, n)``, computed as ``(b.T @ a).T`` when ``m < n``.

    Both are the same product (up to summation order); the orientation matters for speed. With a long contracted axis
    (a weight gradient summed over a batch of positions) and the short output side first,
    multi-threaded OpenBLAS stalls when the machine is busy: (9, 43264) @ (43264, 32) measured
    1.1 s on 2 loaded cores against 12 ms the other way round (1.7 ms either way when idle).
    """
    if a.shape[1] < b.shape[1]:
        return (b.T @ a).T
    return a.T @ b


def scatter_add(out, index, values) -> None:
    """``out[index] += values`` in place with repeated indices accumulating (``numpy.add.at``).

    CuPy has the same ufunc method (``cupy.add.at``; ``cupyx.scatter_add`` is deprecated since CuPy 14).
    """
    namespace(out).add.at(out, index, values)


def errstate(module: ModuleType, **kwargs):
    """``numpy.errstate(**kwargs)`` for NumPy arrays; a no-op context for CuPy (which never warns)."""
    if module is np:
        return np.errstate(**kwargs)
    return contextlib.nullcontext()


allocator.apply()

_env = os.environ.get("EMBER_BACKEND")
if _env:
    set_backend(_env)
