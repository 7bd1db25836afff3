"""Atomic file writes: a crash mid-save leaves the previous file intact (RELIABILITY.md D1/D2)."""

from __future__ import annotations

import os
import tempfile


def atomic_write_bytes(path: str, payload: bytes) -> None:
    """Write ``payload`` to ``path`` via a temporary file in the same folder, fsync, then rename.

    ``os.replace`` is atomic on POSIX: readers see the old file or the new one,
    never a partial write. The temporary file is removed if anything fails; one
    left by a process killed mid-save (``.ember-<name>.*.tmp``) is removed by the
    next save to the same path, so at most one stray file exists at a time.

    Raises:
        OSError: if the folder is missing or not writable (the old file is untouched).
    """
    folder = os.path.dirname(os.path.abspath(path))
    prefix = f".ember-{os.path.basename(path)}."
    _remove_strays(folder, prefix)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


def _remove_strays(folder: str, prefix: str) -> None:
    """Delete temporary files an interrupted save to the same target left behind."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:  # pragma: no cover - raced with another cleaner
                pass
