"""A deep feed-forward network on MNIST (issue 5 target: ≥ 98.0 % test accuracy).

784 → 512 → 512 → 10 with ReLU and dropout 0.2, Adam (lr 1e-3), batch 128: the Keras
``mnist_mlp`` example's architecture. Pixels are scaled to [0, 1].

    python examples/mlp_mnist.py [--epochs 10]
"""

from __future__ import annotations

import argparse
import time

import ember
import ember.datasets
from ember import layers


def build_model(hidden: int = 512, dropout: float = 0.2) -> ember.Sequential:
    return ember.Sequential([
        ember.Input((784,)),
        layers.Dense(hidden, activation="relu"), layers.Dropout(dropout),
        layers.Dense(hidden, activation="relu"), layers.Dropout(dropout),
        layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


def main(epochs: int = 10, batch_size: int = 128, train_limit: int | None = None, test_limit: int | None = None,
         hidden: int = 512, seed: int = 0, verbose: int = 2) -> dict:  # fmt: skip
    """Train and evaluate; returns ``{'test_accuracy', 'test_loss', 'seconds'}``."""
    ember.utils.set_random_seed(seed)
    (x, y), (xt, yt) = ember.datasets.mnist.load_data()
    x = x[:train_limit].reshape(-1, 784).astype("float32") / 255
    xt = xt[:test_limit].reshape(-1, 784).astype("float32") / 255
    y, yt = y[:train_limit].astype("int64"), yt[:test_limit].astype("int64")
    model = build_model(hidden)
    model.compile(optimizer=ember.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=(xt, yt), verbose=verbose)
    loss, acc = model.evaluate(xt, yt, verbose=0)
    print(
        f"MLP on MNIST: test accuracy {acc:.4f}, test loss {loss:.4f} "
        f"after {epochs} epochs ({time.time() - start:.0f} s)"
    )
    return {"test_accuracy": acc, "test_loss": loss, "seconds": time.time() - start}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    main(epochs=parser.parse_args().epochs)
