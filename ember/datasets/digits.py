"""Handwritten digits, 8x8: scikit-learn's bundled copy of the UCI optical-recognition set.

1,797 images of the digits 0-9, each an 8x8 grid of counts 0..16 (the number of "on"
pixels in a 4x4 block of a 32x32 bitmap). A fast, real stand-in for MNIST in tests and
tutorials. ``load_data()`` makes a fixed stratified 80/20 split (seed 0), so every class
keeps its share of the 1,437 training and 360 test images.

Source: ``sklearn.datasets.load_digits`` (ships with scikit-learn, no download); originally
E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, 1998,
https://doi.org/10.24432/C50P49. Licence: CC BY 4.0 (UCI); scikit-learn is BSD-3-Clause.
"""

from __future__ import annotations

import numpy as np

from ember.datasets._common import stratified_split


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the 8x8 digits with a fixed stratified train/test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``, laid out like ``keras.datasets.mnist``:

        - ``x_train``: ``(1437, 8, 8)`` uint8, values 0..16 (divide by 16 to scale to 0..1).
        - ``y_train``: ``(1437,)`` uint8, labels 0..9.
        - ``x_test``: ``(360, 8, 8)`` uint8, values 0..16.
        - ``y_test``: ``(360,)`` uint8, labels 0..9, 35 to 37 images per class.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()
        >>> x_train.shape, x_test.shape, int(x_train.max())
        ((1437, 8, 8), (360, 8, 8), 16)
    """
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = x.astype(np.uint8).reshape(-1, 8, 8)
    return stratified_split(x, y.astype(np.uint8))


__all__ = ["load_data"]
