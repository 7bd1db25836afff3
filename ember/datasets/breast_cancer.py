"""Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 features, malignant or benign.

Each row describes cell nuclei in a digitised image of a fine-needle aspirate: mean,
standard error and worst value of ten measurements (radius, texture, ...). ``load_data()``
makes a fixed stratified 80/20 split (seed 0): 455 training and 114 test rows. Features are
raw and on very different scales (0 to about 4,250); standardise them before training.

Source: ``sklearn.datasets.load_breast_cancer`` (ships with scikit-learn, no download);
originally W. Wolberg, O. Mangasarian, N. Street and W. Street, UCI Machine Learning
Repository, 1995, https://doi.org/10.24432/C5DW2B. Licence: CC BY 4.0 (UCI); scikit-learn
is BSD-3-Clause.
"""

from __future__ import annotations

import numpy as np

from ember.datasets._common import stratified_split

#: Label index -> diagnosis (scikit-learn's coding: 0 malignant, 1 benign).
CLASS_NAMES = ("malignant", "benign")


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Breast Cancer Wisconsin with a fixed stratified train/test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` ``(455, 30)`` and ``x_test``
        ``(114, 30)`` float32, raw features, all >= 0; ``y_train`` ``(455,)`` and ``y_test``
        ``(114,)`` int64, 0 malignant or 1 benign (about 37 % malignant in both).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()
        >>> x_train.shape, x_test.shape
        ((455, 30), (114, 30))
    """
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return stratified_split(x.astype(np.float32), y.astype(np.int64))


__all__ = ["CLASS_NAMES", "load_data"]
