"""Lesson 5: a Keras-style Sequential model on real data.

The notes' Keras code, unchanged but for the import: ``Sequential``, ``Dense(..., input_dim=...)``,
``compile(optimizer, loss, metrics)``, ``fit(epochs, batch_size)``, ``evaluate``. The data: scikit-learn's
breast-cancer set (569 tumours, 30 measurements each, malignant or benign), standardised with the training
set's statistics.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import ember  # noqa: E402
from ember.layers import Dense  # noqa: E402
from ember.models import Sequential  # noqa: E402


def main(argv=None, epochs: int = 30) -> dict:
    """Build, compile, fit and evaluate; returns the history and the test accuracy."""
    ember.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = ember.datasets.breast_cancer.load_data()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    model = Sequential()
    model.add(Dense(16, input_dim=30, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"training accuracy after {epochs} epochs: {history.history['accuracy'][-1]:.4f}")
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f} on {len(x_test)} tumours")
    return {"history": history.history, "loss": float(loss), "accuracy": float(accuracy),
            "n_test": int(len(np.asarray(x_test)))}  # fmt: skip


if __name__ == "__main__":
    main()
