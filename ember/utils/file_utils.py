"""``get_file`` without a network: local files and ember's cache only (Keras's ``keras.utils.get_file``).

ember never downloads at run time. ``get_file`` returns a file already in the cache (checked against
``file_hash`` when given), copies a local ``origin`` (a path or ``file://`` URL) into the cache, and
otherwise raises an error that says so and where to put the file.
Source: keras/src/utils/file_utils.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def _cache_root(cache_dir) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    from ember.datasets._cache import cache_dir as ember_cache

    return ember_cache().parent


def _hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None,
             force_download=False):  # fmt: skip
    """Path of ``fname`` in the cache (``<cache_dir>/<cache_subdir>/<fname>``), from the cache or a local origin.

    Args:
        fname: file name in the cache. Defaults to the last part of ``origin``.
        origin: a local path or ``file://`` URL to copy from; an ``http(s)`` URL is only used
            for its file name (nothing is downloaded).
        file_hash, md5_hash: expected SHA-256 (64 hex digits) or MD5 of the file; checked when given.
        cache_subdir: sub-folder of the cache. Defaults to ``'datasets'``.
        hash_algorithm: ``'sha256'``, ``'md5'`` or ``'auto'`` (from the hash length). Defaults to ``'auto'``.
        cache_dir: cache root. Defaults to ember's cache folder (``$EMBER_HOME``, ``~/.cache/ember``).
        untar, extract, archive_format, force_download: Keras's archive options; only their defaults
            are supported.

    Returns:
        The file's path, a string.

    Raises:
        RuntimeError: when the file is not cached and ``origin`` is not local: ember does not download.
        ValueError: when the file's hash differs from ``file_hash``/``md5_hash``.
        NotImplementedError: for ``untar``/``extract``/``force_download``.
    """
    for arg, value in (("untar", untar), ("extract", extract), ("force_download", force_download)):
        if value:
            raise NotImplementedError(f"get_file: {arg}={value!r} is not implemented in ember")
    name = fname or (origin.rstrip("/").split("/")[-1] if origin else None)
    if not name:
        raise ValueError("get_file: pass `fname` or `origin`. Received: neither")
    target = _cache_root(cache_dir) / cache_subdir / name
    local = origin[len("file://"):] if origin and origin.startswith("file://") else origin
    if not target.exists():
        if local and not local.startswith(("http://", "https://", "ftp://")) and os.path.exists(local):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(local, tmp)
            os.replace(tmp, target)  # atomic: a reader never sees half a file
        else:
            raise RuntimeError(
                f"get_file: {name!r} is not in the cache ({target}) and ember does not download files "
                f"(no network access at run time). Copy the file there, or pass origin= a local path. "
                f"Received: origin={origin!r}"
            )
    expected = file_hash or md5_hash
    if expected:
        algorithm = hash_algorithm if hash_algorithm != "auto" else ("sha256" if len(expected) == 64 else "md5")
        actual = _hash(target, "md5" if md5_hash and not file_hash else algorithm)
        if actual != expected:
            raise ValueError(f"get_file: {target} has {algorithm} {actual}; expected {expected}")
    return str(target)
