"""Keras's ``encode_categorical_inputs``: integer ids to ``one_hot``/``multi_hot``/``count``/``tf_idf`` vectors.

Shared by CategoryEncoding, Hashing, IntegerLookup, StringLookup and TextVectorization so the rank rules are
Keras's everywhere: a rank-0 or rank-1 input is ONE sample for ``multi_hot``/``count``/``tf_idf`` (output
``(depth,)``); a rank-2 input ``(batch, n)`` gives ``(batch, depth)``; ``one_hot`` drops a trailing axis of 1 and
adds a ``depth`` axis. Source: keras/src/utils/numerical_utils.py (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def check_mode(layer: str, mode, allowed=OUTPUT_MODES) -> str:
    """``mode`` if it is one of ``allowed``.

    Raises:
        ValueError: naming ``layer``, the allowed modes and the received one.
    """
    if mode not in allowed:
        raise ValueError(f"{layer}: Expected output_mode to be one of {allowed}. Received: output_mode={mode!r}")
    return mode


def encode(ids, mode: str, depth: int, where: str, count_weights=None, idf_weights=None, dtype="float32") -> Tensor:
    """Encode int ids in ``[0, depth)`` as Keras does.

    ``multi_hot[b, k] = 1 if k in ids[b]``; ``count[b, k] = sum_j [ids[b, j] == k] * w[b, j]`` (``w`` = 1 or
    ``count_weights``); ``tf_idf = count * idf_weights``; ``one_hot[..., k] = [ids[...] == k]``.

    Args:
        ids: int Tensor of rank 0, 1 or 2 (one_hot: any rank).
        mode: one of ``'int'``, ``'one_hot'``, ``'multi_hot'``, ``'count'``, ``'tf_idf'``.
        depth: output size.
        where: the layer, named in errors.
        count_weights: same shape as ``ids`` (``'count'`` only). Defaults to ``None``.
        idf_weights: ``(depth,)`` (``'tf_idf'`` only).

    Returns:
        ``ids`` unchanged for ``'int'``, else a float Tensor ``(..., depth)``.

    Raises:
        ValueError: for rank > 2 outside ``one_hot``/``int``, naming ``where``.
    """
    if mode == "int":
        return ids
    if ids.ndim == 0:
        ids = ops.expand_dims(ids, -1)
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ops.squeeze(ids, -1)
        return ops.one_hot(ids, depth, dtype=dtype)
    if ids.ndim > 2:
        raise ValueError(f"{where}: when output_mode is not 'int', the maximum supported input rank is 2. "
                         f"Received: output_mode={mode!r}, input shape {tuple(ids.shape)}")  # fmt: skip
    hot = ops.one_hot(ids, depth, dtype=dtype)
    if mode == "multi_hot":
        return ops.max(hot, axis=-2)
    if count_weights is not None:
        weights = count_weights if isinstance(count_weights, Tensor) else Tensor(count_weights)
        hot = hot * ops.expand_dims(ops.cast(weights, dtype), -1)
    counts = ops.sum(hot, axis=-2)
    return counts if mode == "count" else counts * ops.cast(idf_weights, dtype)


def encoded_shape(input_shape, mode: str, depth: int) -> tuple:
    """Output shape of :func:`encode` for an input of ``input_shape``."""
    shape = tuple(input_shape)
    if mode == "int":
        return shape
    if mode == "one_hot":
        return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
    return shape[:-1] + (depth,)
