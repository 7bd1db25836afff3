"""Iris: 150 flowers, 4 measurements each, 3 species (R. A. Fisher, 1936).

``load_data()`` makes a fixed stratified 80/20 split (seed 0): 120 training rows (40 per
species) and 30 test rows (10 per species). Features are raw, in centimetres, in the order of
:data:`FEATURE_NAMES`; standardise them before training.

Source: ``sklearn.datasets.load_iris`` (ships with scikit-learn, no download); originally
UCI Machine Learning Repository, https://doi.org/10.24432/C56C76. Licence: CC BY 4.0 (UCI);
scikit-learn is BSD-3-Clause.
"""

from __future__ import annotations

import numpy as np

from ember.datasets._common import stratified_split

#: Column names of ``x``.
FEATURE_NAMES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
#: Label index -> species.
CLASS_NAMES = ("setosa", "versicolor", "virginica")


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Iris with a fixed stratified train/test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` ``(120, 4)`` and ``x_test``
        ``(30, 4)`` float32, raw centimetres in 0.1..7.9; ``y_train`` ``(120,)`` and
        ``y_test`` ``(30,)`` int64, labels 0..2 (:data:`CLASS_NAMES`).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()
        >>> x_train.shape, x_test.shape, sorted(set(y_test.tolist()))
        ((120, 4), (30, 4), [0, 1, 2])
    """
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return stratified_split(x.astype(np.float32), y.astype(np.int64))


__all__ = ["FEATURE_NAMES", "CLASS_NAMES", "load_data"]
