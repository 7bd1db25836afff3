"""``ember.ops.image``: image resizing (Keras's ``keras.ops.image.resize``), differentiable in the pixels.

Bilinear resizing samples source coordinate ``(i + 0.5) * in / out - 0.5`` (half-pixel centres, no
antialiasing: PyTorch's ``interpolate(mode='bilinear', align_corners=False)``, which Keras's torch backend
calls); ``nearest`` takes pixel ``floor((i + 0.5) * in / out)`` (half-pixel centres: PyTorch's
``'nearest-exact'``, which Keras's torch backend uses for ``'nearest'``). One axis at a time, each a
gather plus a linear blend, so the gradient comes from :func:`~ember.ops.take`.
"""

from __future__ import annotations

import numpy as np

from ember.autograd import Tensor
from ember.ops._convert import as_tensor


def _axis_resize(x: Tensor, axis: int, size: int, interpolation: str) -> Tensor:
    from ember.ops.indexing import take
    from ember.ops.shape import reshape

    n = x.shape[axis]
    if n == size:
        return x
    if interpolation == "nearest":
        return take(x, np.minimum(np.floor((np.arange(size) + 0.5) * n / size).astype("int64"), n - 1), axis=axis)
    src = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
    lo = np.floor(src).astype("int64")
    hi = np.minimum(lo + 1, n - 1)
    shape = [1] * x.ndim
    shape[axis] = size
    w = reshape(Tensor((src - lo).astype(x.dtype)), tuple(shape))
    return take(x, lo, axis=axis) * (1.0 - w) + take(x, hi, axis=axis) * w


def resize(images, size, interpolation: str = "bilinear", antialias: bool = False, data_format=None) -> Tensor:
    """Resize ``images`` ``(batch, height, width, channels)`` (or one image, or channels first) to ``size``.

    Args:
        images: float tensor, rank 3 or 4.
        size: ``(height, width)``.
        interpolation: ``'bilinear'`` or ``'nearest'``. Defaults to ``'bilinear'``.
        antialias: only ``False`` (Keras's default).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Returns:
        Tensor with the spatial axes resized.

    Raises:
        NotImplementedError: for other interpolations or ``antialias=True``.

    Example:
        >>> import ember
        >>> ember.ops.image.resize(ember.ops.ones((1, 4, 6, 3)), (2, 3)).shape
        (1, 2, 3, 3)
    """
    if interpolation not in ("bilinear", "nearest") or antialias:
        raise NotImplementedError(f"resize: interpolation={interpolation!r}, antialias={antialias!r}: ember has "
                                  "'bilinear' and 'nearest' without antialiasing")  # fmt: skip
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"resize: expected images of rank 3 or 4. Received: shape={x.shape}")
    h_axis = x.ndim - 2 if data_format == "channels_first" else x.ndim - 3
    x = _axis_resize(x, h_axis, int(size[0]), interpolation)
    return _axis_resize(x, h_axis + 1, int(size[1]), interpolation)


__all__ = ["resize"]
