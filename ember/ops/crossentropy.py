"""Keras 3's unreduced cross-entropies (``keras.ops.binary_crossentropy`` and friends).

Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` (``keras.config.epsilon()``) as Keras does;
logits go through the stable fused kernels of :mod:`ember.ops.nn`.
Source: keras/src/ops/nn.py and keras/src/backend/torch/nn.py.
"""

from __future__ import annotations

from ember.autograd import Tensor
from ember.ops._convert import as_tensor

_EPSILON = 1e-7


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """Elementwise ``-(t * log(p) + (1 - t) * log(1 - p))``.

    Args:
        target: labels in ``[0, 1]``, same shape as ``output``.
        output: probabilities, or logits when ``from_logits=True``.
        from_logits: Defaults to ``False``.

    Returns:
        Tensor of ``output``'s shape.

    Raises:
        ValueError: if the shapes differ.

    Example:
        >>> import ember
        >>> round(ember.ops.binary_crossentropy([1.0], [0.5]).item(), 4)
        0.6931
    """
    from ember.ops.math import clip
    from ember.ops.nn import sigmoid_cross_entropy
    from ember.ops.unary import log

    output = as_tensor(output)
    target = as_tensor(target, output)
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        return sigmoid_cross_entropy(target, output)
    p = clip(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * log(p) + (1.0 - target) * log(1.0 - p))


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1) -> Tensor:
    """``-sum(t * log(p), axis)`` with ``p`` renormalised to sum to 1 along ``axis`` (Keras).

    Args:
        target: one-hot or soft labels, same shape as ``output``.
        output: probabilities ``(..., classes)``, or logits when ``from_logits=True``.
        from_logits: Defaults to ``False``.
        axis: class axis. Defaults to ``-1``.

    Returns:
        Tensor of ``output``'s shape without ``axis``.

    Example:
        >>> import ember
        >>> round(ember.ops.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).item(), 4)
        0.6931
    """
    from ember.ops.math import clip
    from ember.ops.nn import softmax_cross_entropy
    from ember.ops.reduction import sum as reduce_sum
    from ember.ops.unary import log

    output = as_tensor(output)
    target = as_tensor(target, output)
    _same_shape("categorical_crossentropy", target, output)
    if from_logits:
        return softmax_cross_entropy(target, output, axis=axis)
    p = clip(output / reduce_sum(output, axis=axis, keepdims=True), _EPSILON, 1.0 - _EPSILON)
    return -reduce_sum(target * log(p), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1) -> Tensor:
    """:func:`categorical_crossentropy` with integer labels ``target`` of shape ``output.shape`` minus ``axis``.

    Example:
        >>> import ember
        >>> round(ember.ops.sparse_categorical_crossentropy([1], [[0.5, 0.5]]).item(), 4)
        0.6931
    """
    from ember.ops.indexing import one_hot

    output = as_tensor(output)
    labels = target if isinstance(target, Tensor) else Tensor(target)
    if labels.dtype.kind not in "iu":
        labels = Tensor(labels.numpy().astype("int64"))
    onehot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


def _same_shape(fn: str, target, output) -> None:
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"{fn}: expected target and output of the same shape. Received: target.shape="
                         f"{tuple(target.shape)}, output.shape={tuple(output.shape)}")  # fmt: skip
