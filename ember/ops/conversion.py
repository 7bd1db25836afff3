"""Keras 3's conversion ops: ``convert_to_tensor``, ``convert_to_numpy``, ``stop_gradient``.

Source: keras/src/ops/core.py.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> Tensor:
    """``x`` (array, list, scalar or Tensor) as a Tensor of ``dtype``.

    A Tensor of the right dtype is returned unchanged (its graph kept), as in Keras.

    Args:
        x: array-like or Tensor.
        dtype: target dtype name. Defaults to ``None`` (keep the dtype; Python floats become
            ``floatx()``).
        sparse, ragged: Keras's flags; only ``None``/``False`` are supported.

    Raises:
        NotImplementedError: for ``sparse=True`` or ``ragged=True`` (ember has dense tensors only).

    Example:
        >>> import ember
        >>> ember.ops.convert_to_tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    for flag, value in (("sparse", sparse), ("ragged", ragged)):
        if value:
            raise NotImplementedError(f"convert_to_tensor: {flag}={value!r} is not supported by ember (dense only)")
    if isinstance(x, Tensor):
        from ember.ops.creation import cast

        return x if dtype is None or x.dtype == backend.asarray(0, dtype=dtype).dtype else cast(x, dtype)
    return Tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array (a copy of a Tensor's values, moved to the host).

    Example:
        >>> import ember
        >>> ember.ops.convert_to_numpy(ember.ops.ones((2,))).tolist()
        [1.0, 1.0]
    """
    if isinstance(x, Tensor):
        return x.numpy()
    return backend.to_numpy(backend.asarray(x))


def stop_gradient(variable) -> Tensor:
    """The same values with no gradient flowing back (``d out / d x = 0``): a detached Tensor.

    Example:
        >>> import ember
        >>> x = ember.tensor([2.0], requires_grad=True)
        >>> ember.ops.stop_gradient(x).requires_grad
        False
    """
    if not isinstance(variable, Tensor):
        return Tensor(variable)
    return variable.detach()
