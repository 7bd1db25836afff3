"""Train the web demo's MNIST CNN with ember and write web/model/mnist_cnn.keras and web/model/mnist_cnn.onnx.

    PYTHONPATH=. python tools/train_web_mnist.py [--epochs 3] [--seed 0]

The model reads raw pixels (28, 28, 1) in 0..255 (its Rescaling layer divides by 255, so the browser feeds canvas
pixels as they are) and is small (~5k weights, files < 100 kB) so that both files are committed: the browser test
then needs no training step. Prints the test accuracy on the 10,000 MNIST test images.
"""

from __future__ import annotations

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "web", "model")


def build_model():
    import ember
    from ember import layers

    return ember.Sequential([
        ember.Input((28, 28, 1), name="pixels"),
        layers.Rescaling(1 / 255.0),
        layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(10, activation="softmax", name="probabilities"),
    ], name="mnist_cnn")  # fmt: skip


def main(epochs: int = 3, seed: int = 0) -> float:
    import ember
    from ember.interop.onnx import export

    ember.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = ember.datasets.mnist.load_data()
    x_train, x_test = x_train[..., None].astype("float32"), x_test[..., None].astype("float32")
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"trained in {time.perf_counter() - start:.0f} s; test accuracy {accuracy:.4f}")
    os.makedirs(OUT, exist_ok=True)
    model.save(os.path.join(OUT, "mnist_cnn.keras"))
    export(model, os.path.join(OUT, "mnist_cnn.onnx"))
    for name in ("mnist_cnn.keras", "mnist_cnn.onnx"):
        print(f"wrote web/model/{name} ({os.path.getsize(os.path.join(OUT, name))} bytes)")
    return float(accuracy)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.seed)
