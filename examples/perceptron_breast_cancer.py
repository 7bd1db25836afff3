"""A single-neuron perceptron (sigmoid output, one Dense unit) on the Wisconsin breast-cancer data.

Issue 5 target: ≥ 95 % test accuracy. Features are standardised with the training-set mean and
standard deviation; the split is ember.datasets.breast_cancer's fixed stratified 80/20 split.

    python examples/perceptron_breast_cancer.py
"""

from __future__ import annotations

import ember
import ember.datasets
from ember import layers


def main(epochs: int = 50, learning_rate: float = 0.01, seed: int = 0, verbose: int = 0) -> dict:
    """Train ``Dense(1, sigmoid)`` with binary cross-entropy; returns test accuracy and loss."""
    ember.utils.set_random_seed(seed)
    (x, y), (xt, yt) = ember.datasets.breast_cancer.load_data()
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-8
    x, xt = ((x - mean) / std).astype("float32"), ((xt - mean) / std).astype("float32")
    model = ember.Sequential([ember.Input((x.shape[1],)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=ember.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y.astype("float32"), epochs=epochs, batch_size=32, verbose=verbose)
    loss, acc = model.evaluate(xt, yt.astype("float32"), verbose=0)
    print(f"perceptron on breast cancer: test accuracy {acc:.4f}, test loss {loss:.4f} ({len(xt)} test samples)")
    return {"test_accuracy": acc, "test_loss": loss}


if __name__ == "__main__":
    main()
