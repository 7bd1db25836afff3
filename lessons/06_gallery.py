"""Lesson 6: a gallery of the network families of the notes, built in ember.

Each family is built at a small size, run on one batch to show its output shape, and listed with its
parameter count and with what ember measured when that family trained on real data (read from
RESULTS_FAMILIES.md, where each result's script is named).
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import ember  # noqa: E402
from ember import layers, models  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "RESULTS_FAMILIES.md")


def _seq(shape, *stack):
    return models.Sequential([layers.Input(shape), *stack])


def families() -> dict:
    """``{family: (model, input shape without batch, RESULTS_FAMILIES.md row key)}``, small sizes."""
    return {
        "perceptron": (_seq((30,), layers.Dense(1, activation="sigmoid")), (30,), "perceptron"),
        "deep feed-forward": (_seq((784,), layers.Dense(64, activation="relu"), layers.Dense(10)), (784,),
                              "deep feed-forward"),
        "RBF network": (_seq((4,), layers.RBFLayer(12), layers.Dense(3, activation="softmax")), (4,), "RBF network"),
        "CNN": (_seq((28, 28, 1), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                     layers.Dense(10)), (28, 28, 1), "CNN"),
        "LSTM": (_seq((20, 8), layers.LSTM(16), layers.Dense(3)), (20, 8), "LSTM"),
        "GRU": (_seq((20, 8), layers.GRU(16), layers.Dense(3)), (20, 8), "GRU"),
        "autoencoder": (_seq((784,), layers.Dense(32, activation="relu"), layers.Dense(784, activation="sigmoid")),
                        (784,), "autoencoder"),
        "VAE decoder": (_seq((16,), layers.Dense(64, activation="relu"), layers.Dense(784, activation="sigmoid")),
                        (16,), "VAE"),
        "GAN generator": (_seq((32,), layers.Dense(7 * 7 * 8, activation="relu"), layers.Reshape((7, 7, 8)),
                               layers.Conv2DTranspose(1, 4, strides=4, activation="tanh")), (32,), "GAN"),
        "Transformer encoder": (_seq((12, 16), layers.TransformerEncoder(intermediate_dim=32, num_heads=2),
                                     layers.GlobalAveragePooling1D(), layers.Dense(3)), (12, 16),
                                "Transformer encoder classifier"),
    }  # fmt: skip


def measured(key: str) -> str:
    """The 'measured' cell of the first RESULTS_FAMILIES.md row whose family starts with ``key``."""
    with open(RESULTS, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and cells[0].startswith(key):
                return re.sub(r"\*\*", "", cells[3]).split(";")[0][:90]
    return "not measured"


def main(argv=None) -> dict:
    """Build every family, print the gallery table; returns ``{family: (params, output shape, measured)}``."""
    ember.utils.set_random_seed(0)
    rows = {}
    print(f"{'family':22s} {'params':>8s}  {'output':14s} measured on real data (RESULTS_FAMILIES.md)")
    for name, (model, shape, key) in families().items():
        out = model.predict(np.zeros((2, *shape), "float32"), verbose=0)
        rows[name] = (model.count_params(), tuple(out.shape), measured(key))
        print(f"{name:22s} {rows[name][0]:>8,d}  {str(rows[name][1]):14s} {rows[name][2]}")
    return rows


if __name__ == "__main__":
    main()
