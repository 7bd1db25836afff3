"""Keep libhdf5 away from damaged files: a checksummed user block for ember's HDF5 files, a child process for others.

libhdf5 (C) can segfault or loop forever on a damaged file (RELIABILITY.md D4 found both), so a check that
runs after it has parsed the file comes too late. Two defences:

* ember's own ``.weights.h5`` starts with a 512-byte HDF5 *user block* (bytes libhdf5 skips: it finds the
  superblock at offset 512). :func:`seal` writes into it ``MAGIC``, the format version and the SHA-256 of every
  other byte of the file; :func:`check` verifies it before libhdf5 sees anything, so every truncation and
  every flipped bit of such a file is reported as damage, never parsed. Keras and h5py read these files as
  usual (they skip the user block).
* HDF5 files ember cannot checksum (written by Keras or tf.keras) are parsed in a child process
  (``python -m ember.saving.h5_guard``), which sends back numbers only (JSON + ``.npz`` loaded with
  ``allow_pickle=False``). A crash or a hang (after ``EMBER_H5_TIMEOUT`` seconds, default 30 plus 1 s per
  20 MB) becomes a ``ValueError`` naming the file. This costs one Python start-up (about 0.3-0.7 s) per load;
  ``EMBER_H5_ISOLATE=0`` parses in-process instead (faster, but a damaged file can then crash the process).
  Once its readers are imported, the child runs under an audit hook that ends it on any process launch,
  ``compile`` or import of a module outside a short list (RELIABILITY.md D5); it gets the file's bytes on stdin.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys

import numpy as np

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAGIC = b"EMBERH5\x00"
VERSION = 1
USERBLOCK = 512
_DIGEST = slice(12, 44)  # MAGIC (8 bytes), version (uint32 LE), SHA-256 (32 bytes), zeros up to 512


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw[: _DIGEST.start] + raw[_DIGEST.stop :]).digest()


def seal(raw: bytes) -> bytes:
    """``raw`` (an HDF5 file written with ``userblock_size=512``) with ember's header in its user block.

    Raises:
        ValueError: if ``raw`` has no 512-byte user block (its superblock is not at offset 512).
    """
    if raw[USERBLOCK : USERBLOCK + 8] != HDF5_SIGNATURE:
        raise ValueError("h5_guard.seal: expected an HDF5 file written with userblock_size=512")
    head = MAGIC + VERSION.to_bytes(4, "little") + bytes(32) + bytes(USERBLOCK - _DIGEST.stop)
    out = head + raw[USERBLOCK:]
    return out[: _DIGEST.start] + _digest(out) + out[_DIGEST.stop :]


def _near_magic(raw: bytes) -> bool:
    """The first 12 bytes differ from ember's header in at most 4 bits (one or a few flipped bits)."""
    head = MAGIC + VERSION.to_bytes(4, "little")
    return sum(bin(a ^ b).count("1") for a, b in zip(raw[:12], head, strict=False)) <= 4


def check(raw: bytes, filepath: str, what: str) -> str:
    """Classify ``raw`` before any HDF5 parsing: ``'ember'`` (sealed, digest verified), ``'foreign'`` (an HDF5
    file without ember's header), or ``'other'`` (not HDF5).

    Raises:
        ValueError: naming the file when ember's header is present (or damaged) and the digest does not match,
            the version is unknown, or the file is too short to hold the header.
    """
    if raw.startswith(HDF5_SIGNATURE):
        return "foreign"
    sealed = raw.startswith(MAGIC)
    if not sealed and not (raw[USERBLOCK : USERBLOCK + 8] == HDF5_SIGNATURE and _near_magic(raw)):
        return "other"
    if not sealed:
        raise ValueError(f"{what}: {filepath} is a damaged ember HDF5 file: its header (first bytes "
                         f"{raw[:8]!r}) is corrupted")  # fmt: skip
    if len(raw) < USERBLOCK + 8:
        raise ValueError(f"{what}: {filepath} is a truncated ember HDF5 file ({len(raw)} bytes)")
    version = int.from_bytes(raw[8:12], "little")
    if version != VERSION:
        raise ValueError(f"{what}: {filepath} is an ember HDF5 file of version {version}; this ember reads "
                         f"version {VERSION} (a newer ember wrote it, or the header is corrupted)")  # fmt: skip
    if _digest(raw) != raw[_DIGEST]:
        raise ValueError(f"{what}: {filepath} is corrupted or truncated: its SHA-256 does not match the one "
                         "ember wrote in its header")  # fmt: skip
    return "ember"


def isolate_enabled() -> bool:
    """Whether foreign HDF5 files are parsed in a child process (``EMBER_H5_ISOLATE``, default on)."""
    return os.environ.get("EMBER_H5_ISOLATE", "1").strip().lower() not in ("0", "false", "no", "off")


def _timeout(size: int) -> float:
    value = os.environ.get("EMBER_H5_TIMEOUT")
    return float(value) if value else 30.0 + size / 20e6


# ---------------------------------------------------------------- the readers a child may run (an allowlist)
def _readers() -> dict:
    from ember.interop import keras_h5
    from ember.saving import keras_weights, weights_file

    return {"keras_weights": keras_weights.read_groups, "h5_weights": weights_file.read_h5_weights,
            "legacy_weights": keras_h5.read_weights_file, "legacy_model": keras_h5.read_model_file}  # fmt: skip


def read(kind: str, raw: bytes, filepath: str, what: str):
    """``_readers()[kind](raw, filepath, what)``: in a child process when :func:`isolate_enabled`, else here.

    Raises:
        ValueError: the reader's own errors (UnsafeFileError kept), or, naming the file, a crash (signal) or
            hang of the child: libhdf5 could not parse the damaged file.
    """
    if not isolate_enabled():
        return _readers()[kind](raw, filepath, what)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([_root(), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "ember.saving.h5_guard", kind, filepath, what]
    try:
        proc = subprocess.run(cmd, input=raw, capture_output=True, env=env, timeout=_timeout(len(raw)))
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise ValueError(f"{what}: {filepath}: libhdf5 hung reading it (no answer in {exc.timeout:g} s): the file "
                         "is damaged (on a very slow machine, EMBER_H5_TIMEOUT=seconds raises the limit)") from None
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name if -proc.returncode in signal.valid_signals() else "a signal"
        raise ValueError(f"{what}: {filepath}: libhdf5 crashed ({name}) reading it: the file is damaged")
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise ValueError(f"{what}: {filepath}: the HDF5 reader process failed (exit {proc.returncode}): {tail[0]}")
    return _decode(proc.stdout, filepath, what)


def _root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------- transport: JSON + npz, no pickle
def _encode(value, arrays: list):
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {"__dict__": [[k, _encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v, arrays) for v in value]
    return value


def _restore(value, arrays):
    if isinstance(value, list):
        return [_restore(v, arrays) for v in value]
    if isinstance(value, dict) and "__array__" in value:
        return arrays[f"a{value['__array__']}"]
    if isinstance(value, dict):
        return {k: _restore(v, arrays) for k, v in value["__dict__"]}
    return value


def _decode(payload: bytes, filepath: str, what: str):
    size = int.from_bytes(payload[:8], "little")
    message = json.loads(payload[8 : 8 + size])
    if "error" in message:
        if message["type"] == "UnsafeFileError":
            from ember.interop import UnsafeFileError

            raise UnsafeFileError(message["error"])
        if message["type"] == "ImportError":
            raise ImportError(message["error"])
        raise ValueError(message["error"] if filepath in message["error"] else f"{what}: {filepath}: "
                         f"{message['error']}")  # fmt: skip
    with np.load(io.BytesIO(payload[8 + size :]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return _restore(message["result"], arrays)


def _child(kind: str, filepath: str, what: str) -> bytes:
    raw = sys.stdin.buffer.read()
    arrays: list = []
    try:
        message = {"result": _encode(_readers()[kind](raw, filepath, what), arrays)}
    except (ValueError, ImportError) as exc:
        kind_name = "ImportError" if isinstance(exc, ImportError) else type(exc).__name__
        message = {"error": str(exc), "type": kind_name}
    buffer = io.BytesIO()
    np.savez(buffer, **{f"a{i}": a for i, a in enumerate(arrays)})
    header = json.dumps(message).encode()
    return len(header).to_bytes(8, "little") + header + buffer.getvalue()


_DENIED = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "ctypes.dlopen",
           "socket.", "compile", "builtins.input")  # fmt: skip
_IMPORTABLE = {"encodings", "codecs", "h5py", "numpy", "ember", "json", "zipfile", "io", "struct", "zlib", "binascii"}


def _deny(event: str, args) -> None:
    """Audit hook of the child: once the readers are imported, nothing may launch a process, compile source or
    import a module outside ``_IMPORTABLE`` (modules are imported by ember's code, never by a name in the file)."""
    if event.startswith(_DENIED) or (event == "import" and str(args[0]).split(".")[0] not in _IMPORTABLE):
        sys.stderr.write(f"h5_guard: refused audited event {event} {str(args)[:80]} while reading the file\n")
        sys.stderr.flush()
        os._exit(3)


if __name__ == "__main__":
    import faulthandler
    import zipfile  # noqa: F401 - np.savez imports it; imported before the audit hook

    import h5py  # noqa: F401 - the readers import it inside their functions

    faulthandler.disable()  # a crash is reported by the parent, naming the file
    _readers()
    sys.addaudithook(_deny)
    sys.stdout.buffer.write(_child(*sys.argv[1:4]))
