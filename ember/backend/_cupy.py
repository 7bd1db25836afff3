"""CuPy loading, kept apart so that NumPy-only installs never import it.

NOTE: this path has not been exercised on a GPU in CI; see README "GPU status".
"""

from __future__ import annotations

from types import ModuleType


def load() -> ModuleType:
    """Import CuPy and check that a CUDA device is usable.

    Raises:
        ImportError: if CuPy is not installed or no GPU is visible, naming which.
    """
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            f"ember backend 'cupy' needs the cupy package (pip install cupy-cuda12x) and a CUDA GPU. Received: {exc}"
        ) from exc
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise ImportError(f"ember backend 'cupy': CuPy is installed but no CUDA device is usable: {exc}") from exc
    return cupy
