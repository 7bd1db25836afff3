"""glibc malloc tuning applied when ember is imported (issue 6, benchmarks/RESULTS.md).

By default glibc serves every block above 128 KiB-32 MiB (its dynamic ``mmap`` threshold)
with a fresh ``mmap`` and returns it to the OS on ``free``; it also trims the heap top
when more than 128 KiB are free. A training step allocates the same large temporaries
(activations, im2col buffers, gradients) every step, so each step page-faults them in
again: on the W3 CNN that was 6,095 minor faults and ~22 ms of system time per 66 ms step.

At import, :func:`apply` calls ``mallopt`` through ``ctypes``:

- ``M_MMAP_THRESHOLD`` = 32 MiB: blocks up to 32 MiB come from the heap and are reused;
- ``M_TRIM_THRESHOLD`` = 256 MiB: the heap keeps up to 256 MiB free before shrinking.

Measured (1 BLAS thread, CPU time per step): W3 -26 %, W4 -18 %, W5 -20 %, W2 -5 %.
The cost is a process that keeps up to 256 MiB of freed heap instead of returning it.
The same settings as the PyTorch peer's ``eager_mallopt`` (``../shared/bench-peers``);
the environment variables ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` are glibc's equivalent.

It applies only on Linux with glibc and is silently skipped elsewhere (macOS, Windows, musl).
Opt out with the environment variable ``EMBER_MALLOPT=0`` (read once, at import).
"""

from __future__ import annotations

import os
import sys

MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
_state = {"applied": False}


def apply() -> bool:
    """Set glibc's mmap and trim thresholds (see the module docstring); return whether both took effect.

    Returns ``False`` without doing anything when ``EMBER_MALLOPT`` is ``'0'``, off Linux, or
    when the C library is not glibc. Never raises.
    """
    if os.environ.get("EMBER_MALLOPT", "1").strip() == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        if not hasattr(libc, "gnu_get_libc_version"):  # not glibc (e.g. musl): mallopt differs
            return False
        ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    except (OSError, AttributeError):
        return False
    _state["applied"] = ok
    return ok


def applied() -> bool:
    """Whether :func:`apply` set both thresholds in this process."""
    return _state["applied"]
