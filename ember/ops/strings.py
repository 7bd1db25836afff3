"""String kernels for the text preprocessing layers (no gradient): vocabulary lookup and tokenization.

Strings live in Tensors of NumPy ``str`` dtype; the results are int64 Tensors of token ids.
Source: keras/src/layers/preprocessing/{string_lookup,text_vectorization}.py (Keras 3).
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

from ember.autograd import Tensor

_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def to_str(value) -> str:
    """One token as ``str``: bytes decoded as UTF-8 (Keras's default ``encoding``), anything else ``str(value)``."""
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def _decoded(array: np.ndarray) -> np.ndarray:
    """``array`` with bytes elements (``S`` dtype, or bytes inside an object array) decoded as UTF-8."""
    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8")
    if array.dtype.kind == "O" and any(isinstance(v, bytes) for v in array.ravel().tolist()):
        return np.asarray([to_str(v) for v in array.ravel().tolist()], dtype=object).reshape(array.shape)
    return array


def _array(x) -> np.ndarray:
    """Strings as a NumPy array, from a Tensor, a nested list of Tensors (how Layer.__call__ passes lists) or lists.

    Bytes are decoded as UTF-8, so ``b"cat"`` looks up like ``"cat"`` (as in Keras, where strings are bytes).
    """
    if isinstance(x, Tensor):
        return _decoded(np.asarray(x.data))
    if isinstance(x, (list, tuple)):
        return np.asarray([_array(v) for v in x]) if x else np.asarray([], dtype=str)
    return _decoded(np.asarray(x))


def lookup(x, vocabulary: list, default: int) -> Tensor:
    """``index of each element of x in vocabulary``, ``default`` for tokens not in it (int64 Tensor of x's shape).

    Example:
        >>> lookup(["b", "z"], ["a", "b"], 0).tolist()
        [1, 0]
    """
    table = {token: i for i, token in enumerate(vocabulary)}
    array = _array(x)
    flat = [table.get(v, default) for v in array.ravel().tolist()]
    return Tensor(np.asarray(flat, dtype="int64").reshape(array.shape))


def standardize(texts, mode) -> list[str]:
    """Keras's ``standardize``: ``'lower_and_strip_punctuation'``, ``'lower'``, ``'strip_punctuation'``,
    ``None`` or a callable on one string."""
    array = _array(texts).ravel().tolist()
    if callable(mode):
        return [mode(t) for t in array]
    if mode in ("lower_and_strip_punctuation", "lower"):
        array = [t.lower() for t in array]
    if mode in ("lower_and_strip_punctuation", "strip_punctuation"):
        array = [_PUNCTUATION.sub("", t) for t in array]
    return array


def split(texts: list[str], mode) -> list[list[str]]:
    """Keras's ``split``: ``'whitespace'``, ``'character'``, ``None`` (one token per text) or a callable."""
    if callable(mode):
        return [list(mode(t)) for t in texts]
    if mode == "whitespace":
        return [t.split() for t in texts]
    if mode == "character":
        return [list(t) for t in texts]
    return [[t] for t in texts]


def vocabulary_by_frequency(token_lists, exclude, limit) -> list[str]:
    """Tokens by decreasing count, ties by decreasing token (Keras's order), without ``exclude``, at most ``limit``."""
    counts = Counter(token for tokens in token_lists for token in tokens)
    for token in exclude:
        counts.pop(token, None)
    order = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
    return order if limit is None else order[: max(limit, 0)]


def ngrams(tokens: list[str], widths) -> list[str]:
    """All n-grams of each width in ``widths`` (in that order, then by position), joined by a space; widths
    longer than the sequence give none (``tf.strings.ngrams`` with ``preserve_short_sequences=False``)."""
    return [" ".join(tokens[i : i + n]) for n in widths for i in range(len(tokens) - n + 1)]


def documents(data) -> list[list[str]]:
    """Keras's ``adapt`` documents: each row of 2-D ``data``, each element of 1-D ``data``, as a token list."""
    array = _array(data)
    array = array.reshape(-1, 1) if array.ndim <= 1 else array.reshape(array.shape[0], -1)
    return [[str(v) for v in row] for row in array.tolist()]


def pad_ids(id_lists: list[list[int]], length) -> Tensor:
    """Right-pad (with 0) or truncate lists of ids to ``length`` (the longest when ``None``): int64 Tensor."""
    width = max((len(ids) for ids in id_lists), default=0) if length is None else int(length)
    out = np.zeros((len(id_lists), width), dtype="int64")
    for row, ids in enumerate(id_lists):
        ids = ids[:width]
        out[row, : len(ids)] = ids
    return Tensor(out)
