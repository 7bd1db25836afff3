"""The user cache folder and atomic ``.npz`` writes.

Private. The folder is ``$EMBER_HOME/datasets`` if ``EMBER_HOME`` is set, else
``$XDG_CACHE_HOME/ember/datasets`` if ``XDG_CACHE_HOME`` is set, else ``~/.cache/ember/datasets``.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """The folder where ember caches generated or downloaded datasets (not created here).

    Returns:
        ``$EMBER_HOME/datasets``, else ``$XDG_CACHE_HOME/ember/datasets``, else
        ``~/.cache/ember/datasets``.

    Example:
        >>> cache_dir().name
        'datasets'
    """
    if os.environ.get("EMBER_HOME"):
        return Path(os.environ["EMBER_HOME"]).expanduser() / "datasets"
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "ember" / "datasets"
    return Path.home() / ".cache" / "ember" / "datasets"


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to ``path`` as an uncompressed ``.npz``, atomically.

    The data goes to a temporary file in the same folder, which then replaces ``path`` in
    one ``os.replace``: a reader never sees a half-written cache, and two processes
    filling the cache at once both leave a complete file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """Read ``keys`` from the ``.npz`` at ``path`` (never unpickling), or None if absent or unreadable."""
    try:
        # NOTE: open the file ourselves; np.load leaks its handle when the zip is corrupt.
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as data:
            return {key: data[key] for key in keys}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        # A truncated or foreign file counts as a cache miss; the caller rebuilds it.
        return None
