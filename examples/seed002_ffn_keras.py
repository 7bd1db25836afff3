"""Seed 002: "10 features → 64 ReLU → 1 sigmoid", Keras style, on ember.

The notes compare PyTorch and TensorFlow/Keras on this network; this is the
Keras version (``Sequential``, ``compile``, ``fit``), trained on synthetic
binary data whose label is a fixed linear rule of the features.
"""

import numpy as np

from ember import layers, models
from ember.utils import set_random_seed


def main(epochs: int = 20, verbose: int = 0):
    """Train the network; returns (history, test accuracy)."""
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 10)).astype("float32")
    w = rng.standard_normal(10)
    y = (x @ w > 0).astype("float32")

    model = models.Sequential([
        layers.Dense(64, activation="relu", input_shape=(10,)),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:800], y[:800], epochs=epochs, batch_size=32, verbose=verbose)
    _, accuracy = model.evaluate(x[800:], y[800:], verbose=0)
    return history, accuracy


if __name__ == "__main__":
    history, accuracy = main(verbose=1)
    print(f"test accuracy: {accuracy:.4f}")
