"""Atomic file writes: a crash mid-save leaves the previous file intact (RELIABILITY.md D1/D2)."""

from __future__ import annotations

import os
import tempfile


def atomic_write_bytes(path: str, payload: bytes) -> None:
    """Write ``payload`` to ``path`` via a temporary file in the same folder, fsync, then rename.

    ``os.replace`` is atomic on POSIX: readers see the old file or the new one,
    never a partial write. The temporary file is removed if anything fails.

    Raises:
        OSError: if the folder is missing or not writable (the old file is untouched).
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ember-", suffix=".tmp", dir=folder)
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
