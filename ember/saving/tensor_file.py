"""Checksummed safetensors payloads: the one reader and writer behind every ember file.

safetensors stores a JSON header and raw little-endian arrays; it detects
truncation but not bit flips. ember adds a SHA-256 over every tensor's name,
dtype, shape and bytes to the header metadata (``"sha256"``), so a single
flipped bit anywhere in the data area, or in a name or shape, is reported
(RELIABILITY.md D3/D4). Reading never runs code: safetensors parses the header
as JSON and copies raw bytes.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

# Refuse headers larger than this before parsing them (a "100 MB JSON header" attack, RELIABILITY.md D5).
MAX_HEADER_BYTES = 16 * 1024 * 1024


def _contiguous(array) -> np.ndarray:
    # NOTE: np.ascontiguousarray turns 0-d arrays into shape (1,); keep scalars 0-d.
    array = np.asarray(array)
    return np.ascontiguousarray(array).reshape(array.shape)


def checksum(tensors: dict) -> str:
    """SHA-256 hex digest over ``(name, dtype, shape, bytes)`` of every tensor, in sorted name order."""
    digest = hashlib.sha256()
    for key in sorted(tensors):
        array = _contiguous(tensors[key])
        digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def encode(tensors: dict, metadata: dict) -> bytes:
    """The safetensors bytes of ``tensors`` (NumPy arrays) with ``metadata`` (str values) and a checksum."""
    from safetensors.numpy import save

    tensors = {k: _contiguous(v) for k, v in tensors.items()}
    meta = {**{k: str(v) for k, v in metadata.items()}, "sha256": checksum(tensors)}
    return save(tensors, metadata=meta)


def decode(raw: bytes, filepath: str, what: str) -> tuple[dict, dict]:
    """Parse and verify safetensors bytes; returns ``(tensors, metadata)``.

    Raises:
        ValueError: naming ``filepath`` and what is wrong: too short, header
            size beyond the file, malformed header, truncated data, or a
            checksum mismatch (corruption).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    if len(raw) < 8:
        raise ValueError(
            f"{what}: {filepath} is truncated or not a safetensors file: {len(raw)} bytes, expected at least 8"
        )
    header_len = int.from_bytes(raw[:8], "little")
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(raw):
        raise ValueError(
            f"{what}: {filepath} is truncated or corrupted: header claims {header_len} bytes, "
            f"file holds {len(raw) - 8} after the size field"
        )
    try:
        header = json.loads(raw[8 : 8 + header_len])
        meta = header.get("__metadata__") or {}
        _check_extent(header, len(raw) - 8 - header_len, filepath, what)
        tensors = load(raw)
    except (SafetensorError, ValueError, UnicodeDecodeError, AttributeError, TypeError, KeyError) as exc:
        # KeyError: a damaged header entry without "data_offsets" (a flipped bit in a key; RELIABILITY D4)
        raise ValueError(f"{what}: {filepath} is not a valid safetensors file (truncated or corrupted): {exc}") from exc
    expected = meta.get("sha256")
    if expected is None:
        raise ValueError(f"{what}: {filepath} has no checksum: not written by ember, or its header is damaged")
    actual = checksum(tensors)
    if actual != expected:
        raise ValueError(
            f"{what}: {filepath} is corrupted: checksum mismatch (expected sha256 {expected}, computed {actual})"
        )
    return tensors, meta


def _check_extent(header: dict, data_len: int, filepath: str, what: str) -> None:
    """Every tensor's byte range lies inside the data area and the last one ends at its end."""
    end = 0
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        begin, stop = entry["data_offsets"]
        if not 0 <= begin <= stop <= data_len:
            raise ValueError(f"tensor {key!r} spans bytes {begin}..{stop}, outside the {data_len}-byte data area")
        end = max(end, stop)
    if end != data_len:
        raise ValueError(
            f"{what}: {filepath} is truncated or has trailing bytes: data area holds {data_len} bytes, "
            f"tensors need {end}"
        )
