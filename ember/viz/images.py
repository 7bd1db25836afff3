"""``save_image_grid``: a batch of images tiled into one PNG (samples of a VAE or GAN, filters, inputs)."""

from __future__ import annotations

import io
import os

import numpy as np


def save_image_grid(images, path, rows: int | None = None, padding: int = 1, value_range=(0.0, 1.0)):
    """Tile ``images`` row by row into one grayscale or RGB PNG, written atomically.

    Image ``i`` goes to row ``i // cols``, column ``i % cols`` with ``cols = ceil(n / rows)``;
    images are separated by ``padding`` pixels of the top of ``value_range`` (white).
    Values are clipped to ``value_range`` and scaled linearly to 0-255, as
    ``torchvision.utils.save_image`` does for its ``value_range``.

    Args:
        images: array-like or Tensor of shape ``(n, height, width)``, ``(n, height, width, 1)``
            or ``(n, height, width, 3)`` (channels last, as Keras images).
        path: PNG file to write.
        rows: number of rows. Defaults to ``ceil(sqrt(n))``.
        padding: pixels between neighbouring images. Defaults to ``1``.
        value_range: ``(low, high)`` of the input values, e.g. ``(-1, 1)`` for a tanh
            generator. Defaults to ``(0.0, 1.0)``.

    Returns:
        The grid as a ``uint8`` array of shape ``(rows * (height + 2 * padding), cols * (width + 2 * padding)[, 3])``.

    Raises:
        ValueError: for an empty batch, a shape that is not 3-D or 4-D with 1 or 3 channels,
            ``rows`` below 1, or ``value_range`` with ``low >= high``.
        ImportError: if matplotlib (which encodes the PNG) is not installed (``pip install 'ember[viz]'``).
    """
    array = np.asarray(images.numpy() if hasattr(images, "numpy") else images, dtype="float64")
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] != 3) or len(array) == 0:
        raise ValueError(
            "save_image_grid: expected images of shape (n, height, width), (n, height, width, 1) or "
            f"(n, height, width, 3) with n >= 1. Received: shape={np.shape(images)}"
        )
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise ValueError(f"save_image_grid: value_range must be (low, high) with low < high. Received: {value_range}")
    n, height, width = array.shape[:3]
    rows = int(np.ceil(np.sqrt(n))) if rows is None else rows
    if rows < 1:
        raise ValueError(f"save_image_grid: rows must be >= 1. Received: rows={rows}")
    cols = -(-n // rows)
    cell_h, cell_w = height + 2 * padding, width + 2 * padding
    grid = np.full((rows * cell_h, cols * cell_w) + array.shape[3:], 255, dtype="uint8")
    scaled = np.round((np.clip(array, low, high) - low) / (high - low) * 255).astype("uint8")
    for i, image in enumerate(scaled):
        r, c = divmod(i, cols)
        top, left = r * cell_h + padding, c * cell_w + padding
        grid[top : top + height, left : left + width] = image

    import matplotlib.image

    from ember.saving.atomic import atomic_write_bytes

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=255, format="png")
    atomic_write_bytes(os.fspath(path), buffer.getvalue())
    return grid
