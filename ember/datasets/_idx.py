"""IDX files, the MNIST file format: parsing, sha256 checks, search and download.

Private: shared by ``mnist`` and ``fashion_mnist``, which differ only in where their four
files live and in their hashes. An IDX file is a 4-byte magic (``0, 0, dtype, ndim``),
``ndim`` big-endian uint32 sizes, then the values; both datasets use dtype ``0x08`` (uint8).
Reference: http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS FOR THE MNIST DATABASE").
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ember.datasets._cache import cache_dir, load_npz, save_npz
from ember.datasets._common import not_found

# The four files, in the order of the arrays load_data returns (Keras's mnist.npz keys).
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
KEYS = ("x_train", "y_train", "x_test", "y_test")
_UBYTE = 0x08


@dataclass(frozen=True)
class IdxDataset:
    """What differs between MNIST-format datasets: name, cache file, hashes, install hint, mirror."""

    name: str
    cache_name: str
    sha256: dict[str, str]  # file name -> sha256 of the *uncompressed* IDX file
    install: str
    url: str


def parse(raw: bytes, what: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an uncompressed uint8 IDX file into a writable ndarray."""
    if len(raw) < 4 or raw[:3] != bytes([0, 0, _UBYTE]):
        raise ValueError(f"{what}: expected an IDX file of uint8 (magic 00 00 08). Received: magic={raw[:4].hex()}")
    ndim = raw[3]
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(shape)):
        raise ValueError(f"{what}: header says shape {shape}, but the file holds {len(raw) - offset} values")
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape).copy()


def array_sha256(array: np.ndarray) -> str:
    """sha256 of the IDX file ``array`` was read from, rebuilt from its shape and bytes.

    This lets the ``.npz`` cache be checked against the same pinned hashes as the files.
    """
    header = bytes([0, 0, _UBYTE, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    digest = hashlib.sha256(header)
    digest.update(np.ascontiguousarray(array, np.uint8).data)
    return digest.hexdigest()


def _find(directory: Path, name: str) -> Path | None:
    for path in (directory / name, directory / f"{name}.gz"):
        if path.is_file():
            return path
    return None


def _read_checked(path: Path, expected: str) -> bytes:
    data = path.read_bytes()
    raw = gzip.decompress(data) if path.suffix == ".gz" else data
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise ValueError(f"{path.name} has sha256 {digest[:16]}..., expected {expected[:16]}...")
    return raw


def read_dir(directory: Path, spec: IdxDataset) -> dict[str, np.ndarray] | str:
    """The four verified arrays from ``directory``, or a one-line reason why it does not hold them."""
    if not directory.is_dir():
        return "missing"
    paths = [_find(directory, name) for name in FILES]
    if None in paths:
        missing = [name for name, path in zip(FILES, paths, strict=True) if path is None]
        return f"no {', '.join(missing)} (raw or .gz)"
    arrays = {}
    for key, name, path in zip(KEYS, FILES, paths, strict=True):
        try:
            arrays[key] = parse(_read_checked(path, spec.sha256[name]), str(path))
        except (ValueError, OSError, EOFError, zlib.error) as err:
            return f"unusable: {err}"
    return arrays


def _cached(spec: IdxDataset) -> tuple[dict[str, np.ndarray] | None, str]:
    path = cache_dir() / spec.cache_name
    arrays = load_npz(path, KEYS)
    if arrays is None:
        return None, f"{path} (ember cache): {'unreadable' if path.exists() else 'missing'}"
    if any(array_sha256(arrays[key]) != spec.sha256[name] for key, name in zip(KEYS, FILES, strict=True)):
        return None, f"{path} (ember cache): fails the sha256 check"
    return arrays, ""


def load(spec: IdxDataset, places: list[tuple[str, Path | None]]):
    """Load from the cache, else from the first of ``places`` (label, folder) holding verified files.

    Raises:
        DatasetNotFoundError: nowhere holds the four files with the pinned hashes; the
            message lists each place with the reason and ``spec.install``.
    """
    arrays, reason = _cached(spec)
    looked = [reason]
    for label, directory in places if arrays is None else []:
        if directory is None:
            looked.append(f"{label}: not set")
            continue
        found = read_dir(directory, spec)
        if isinstance(found, dict):
            arrays = found
            break
        looked.append(f"{directory} ({label}): {found}")
    if arrays is None:
        alternative = "or set EMBER_DATASETS to a folder holding the four IDX files (raw or .gz)\n"
        raise not_found(spec.name, looked, spec.install, alternative)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def download(spec: IdxDataset, url: str, timeout: float) -> Path:
    """Fetch the four ``.gz`` files from ``url``, check their hashes, and write the ``.npz`` cache.

    Raises:
        ValueError: a downloaded file does not match its pinned sha256 (nothing is cached).
        OSError: the network or the cache folder failed (``urllib.error.URLError`` included).
    """
    import urllib.request

    arrays = {}
    for key, name in zip(KEYS, FILES, strict=True):
        source = f"{url.rstrip('/')}/{name}.gz"
        with urllib.request.urlopen(source, timeout=timeout) as response:
            raw = gzip.decompress(response.read())
        digest = hashlib.sha256(raw).hexdigest()
        if digest != spec.sha256[name]:
            raise ValueError(f"{spec.name}: {source} decompresses to sha256 {digest}, expected {spec.sha256[name]}")
        arrays[key] = parse(raw, source)
    path = cache_dir() / spec.cache_name
    save_npz(path, **arrays)
    return path
