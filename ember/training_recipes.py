"""Ready-made (dataset, model) pairs for ``ember train``: data preparation and architectures.

Each recipe scales the inputs, builds a Keras-style model and compiles it
with Adam and sparse categorical cross-entropy (binary for two classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Recipe:
    """A compiled model with its train/test arrays and default epochs."""

    model: object
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    epochs: int
    validation_split: float = 0.1


_EPOCHS = {"digits": 30, "iris": 100, "breast_cancer": 50, "mnist1d": 30, "xor": 500}


def _load(dataset: str):
    from ember import datasets

    (x_train, y_train), (x_test, y_test) = getattr(datasets, dataset).load_data()
    x_train = x_train.reshape(len(x_train), -1).astype("float32")
    x_test = x_test.reshape(len(x_test), -1).astype("float32")
    # Standardise with training statistics only (no test leakage).
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def build_recipe(dataset: str, model_name: str, learning_rate: float | None = None) -> Recipe:
    """Load ``dataset`` and build ``model_name`` (``'mlp'`` or ``'perceptron'``), compiled.

    Raises:
        ValueError: for an unknown dataset or model name.
    """
    from ember import layers, models, optimizers

    x_train, y_train, x_test, y_test = _load(dataset)
    y_train = y_train.reshape(len(y_train), -1)[:, 0] if y_train.ndim > 1 else y_train
    y_test = y_test.reshape(len(y_test), -1)[:, 0] if y_test.ndim > 1 else y_test
    classes = int(max(y_train.max(), y_test.max())) + 1
    binary = classes == 2
    out = layers.Dense(1, activation="sigmoid") if binary else layers.Dense(classes, activation="softmax")
    features = x_train.shape[1]
    if model_name == "mlp":
        model = models.Sequential([
            layers.Dense(128, activation="relu", input_dim=features),
            layers.Dropout(0.1),
            layers.Dense(64, activation="relu"),
            out,
        ])  # fmt: skip
        lr = learning_rate or 1e-3
    elif model_name == "perceptron":
        model = models.Sequential([layers.Input(shape=(features,)), out])
        lr = learning_rate or 1e-2
    else:
        raise ValueError(f"unknown model {model_name!r}; expected one of: mlp, perceptron")
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(optimizer=optimizers.Adam(learning_rate=lr), loss=loss, metrics=["accuracy"])
    split = 0.0 if dataset == "xor" else 0.1
    return Recipe(model, x_train, y_train.astype("int64"), x_test, y_test.astype("int64"), _EPOCHS[dataset], split)
