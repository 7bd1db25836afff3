"""What third-party parsers raise on damaged input, in one place, and the zip trailer check.

zipfile and h5py report a damaged file with many exception types (``NotImplementedError`` for a garbled zip
version field, ``OverflowError`` for a garbled HDF5 superblock, ...); every reader catches these tuples and
raises a ``ValueError`` naming the file instead (RELIABILITY.md D3/D4; found by the bit-flip sweep and atheris).
"""

from __future__ import annotations

import zipfile

# RuntimeError: zipfile's "File ... is encrypted, password required" (a flipped flag bit; found by atheris)
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, NotImplementedError,
              OverflowError, IndexError, RuntimeError)  # fmt: skip
H5_ERRORS = (OSError, KeyError, RuntimeError, TypeError, OverflowError, IndexError, AttributeError, SystemError)

_EOCD = b"PK\x05\x06"


def check_zip_end(raw: bytes, filepath: str, what: str) -> None:
    """The zip's end-of-central-directory record (and its comment) must end the file.

    Bytes after it (a script appended to a valid archive: a polyglot file) are refused, not ignored.

    Raises:
        ValueError: naming the file and how many bytes follow the archive.
    """
    pos = raw.rfind(_EOCD)
    if pos < 0 or pos + 22 > len(raw):
        return  # not a zip end at all: zipfile reports it
    end = pos + 22 + int.from_bytes(raw[pos + 20 : pos + 22], "little")
    if end != len(raw):
        raise ValueError(f"{what}: {filepath} has {len(raw) - end} bytes after the end of its zip archive "
                         "(a polyglot or damaged file); refusing it")  # fmt: skip
