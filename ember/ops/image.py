"""``ember.ops.image``: image resizing and affine warping (Keras's ``keras.ops.image.resize`` and
``affine_transform``), differentiable in the pixels.

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


_FILL_MODES = ("constant", "nearest", "wrap", "reflect", "mirror")


def _mirror(index, size):
    """Triangular wave of period ``2 (size - 1)``: ``abs((i + s) mod 2s - s)`` with ``s = size - 1``."""
    s = max(size - 1, 1)
    return np.abs((index + s) % (2 * s) - s) if size > 1 else np.zeros_like(index)


def _fix_index(index, size: int, fill_mode: str):
    """Map out-of-range indices into ``[0, size)`` as Keras's ``map_coordinates`` (torch backend) does."""
    if fill_mode in ("constant", "nearest"):
        return np.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":
        return _mirror(index, size)
    return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2  # reflect: half-sample symmetric (d c b a | a b c d)


def _nodes(coord, interpolation: str):
    """Integer sample positions and their weights along one axis."""
    if interpolation == "nearest":
        return [(np.round(coord).astype("int64"), np.ones_like(coord))]
    low = np.floor(coord)
    upper = coord - low
    return [(low.astype("int64"), 1.0 - upper), (low.astype("int64") + 1, upper)]


def _source_coordinates(transform: np.ndarray, height: int, width: int):
    """Row and column each output pixel samples: ``(x', y') = (a0 x + a1 y + a2, b0 x + b1 y + b2) / k`` with
    ``k = c0 x + c1 y + 1``, ``x`` the column and ``y`` the row (TensorFlow's transform convention).

    NOTE: computed in the transform's dtype (float32 from the layers), in Keras's order ``(y * b1 + x * b0) + b2``,
    so that a coordinate on a rounding tie (``nearest``) lands on the same pixel as in Keras.
    """
    dtype = transform.dtype
    rows, cols = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype), indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (transform[:, i, None, None] for i in range(8))
    src_r, src_c = (rows * b1 + cols * b0) + b2, (rows * a1 + cols * a0) + a2
    if np.any(transform[:, 6:] != 0):
        k = c0 * cols + c1 * rows + 1
        src_r, src_c = src_r / k, src_c / k
    return src_r, src_c


def _check_affine(x, t, interpolation, fill_mode):
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"affine_transform: Expected interpolation 'bilinear' or 'nearest'. "
                         f"Received: interpolation={interpolation!r}")  # fmt: skip
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"affine_transform: Expected fill_mode in {_FILL_MODES}. Received: fill_mode={fill_mode!r}")
    if x.ndim not in (3, 4):
        raise ValueError(f"affine_transform: Expected images of rank 3 or 4. Received: shape={x.shape}")
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ValueError(f"affine_transform: Expected transform of shape (8,) or (batch, 8). Received: "
                         f"shape={t.shape}")  # fmt: skip


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0,
                     data_format=None) -> Tensor:  # fmt: skip
    """Warp images by projective transforms, ``keras.ops.image.affine_transform``.

    Output pixel ``(row y, column x)`` is the input sampled at ``(x', y')`` (see the module helpers:
    ``x' = (a0 x + a1 y + a2) / k``, ``y' = (b0 x + b1 y + b2) / k``, ``k = c0 x + c1 y + 1``), bilinearly
    (``sum`` of the 4 neighbours weighted by ``(1 - dx)(1 - dy)``, ...) or at the nearest pixel (ties to even).
    Out-of-range samples follow ``fill_mode``: ``'constant'`` (``fill_value``), ``'nearest'`` (edge pixel),
    ``'wrap'`` (periodic), ``'reflect'`` (``d c b a | a b c d | d c b a``), ``'mirror'`` (``d c b | a b c d``).

    Args:
        images: float Tensor ``(batch, height, width, channels)`` or one image ``(height, width, channels)``.
        transform: ``(batch, 8)`` or ``(8,)``: ``[a0, a1, a2, b0, b1, b2, c0, c1]``.
        interpolation: ``'bilinear'`` or ``'nearest'``. Defaults to ``'bilinear'``.
        fill_mode: Defaults to ``'constant'``.
        fill_value: Defaults to ``0.0``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Returns:
        Tensor of the images' shape and dtype; the gradient flows to the pixels (not to ``transform``).

    Raises:
        ValueError: for an unknown interpolation or fill mode, or images/transform of the wrong rank.

    Source: keras/src/backend/torch/image.py (``affine_transform``, ``map_coordinates``); scipy.ndimage modes.

    Example:
        >>> import ember
        >>> img = ember.ops.reshape(ember.ops.arange(4.0), (2, 2, 1))
        >>> ember.ops.image.affine_transform(img, [1, 0, 1, 0, 1, 0, 0, 0], fill_mode="nearest")[..., 0].tolist()
        [[1.0, 1.0], [3.0, 3.0]]
    """
    from ember.ops.indexing import take
    from ember.ops.shape import expand_dims, reshape, squeeze, transpose

    x = as_tensor(images)
    t = np.asarray(transform.data if isinstance(transform, Tensor) else transform)
    t = t.astype("float32" if t.dtype == np.float32 else "float64")
    _check_affine(x, t, interpolation, fill_mode)
    unbatched = x.ndim == 3
    x = expand_dims(x, 0) if unbatched else x
    x = transpose(x, (0, 2, 3, 1)) if data_format == "channels_first" else x
    b, h, w, c = x.shape
    t = np.broadcast_to(t.reshape(-1, 8), (b, 8))
    src_r, src_c = _source_coordinates(t, h, w)
    flat, base = reshape(x, (b * h * w, c)), np.arange(b)[:, None, None] * (h * w)
    out = None
    for r, wr in _nodes(src_r, interpolation):
        for q, wq in _nodes(src_c, interpolation):
            valid = ((r >= 0) & (r < h) & (q >= 0) & (q < w)) if fill_mode == "constant" else np.ones(r.shape, bool)
            index = base + _fix_index(r, h, fill_mode) * w + _fix_index(q, w, fill_mode)
            weight = (wr * wq).astype("float64")
            part = take(flat, index.ravel(), axis=0) * Tensor((weight * valid).reshape(-1, 1).astype(x.dtype))
            part = part + Tensor((weight * ~valid * fill_value).reshape(-1, 1).astype(x.dtype))
            out = part if out is None else out + part
    out = reshape(out, (b, h, w, c))
    out = transpose(out, (0, 3, 1, 2)) if data_format == "channels_first" else out
    return squeeze(out, 0) if unbatched else out


__all__ = ["resize", "affine_transform"]
