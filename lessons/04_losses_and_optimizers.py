"""Lesson 4: loss functions and optimizers, compared on one real problem.

The task: scikit-learn's handwritten digits (8×8 images, 10 classes), an MLP 64-32-10. First the loss:
mean squared error on one-hot targets against categorical cross-entropy, both with Adam. Then the
optimizer, all with cross-entropy: plain SGD (``w ← w − η·g``), SGD with momentum, RMSprop and Adam, the
same initial weights and the same batches for each. The training curves go to one PNG; the final
numbers are printed (and asserted by the lesson's test).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import output_dir  # noqa: E402

import ember  # noqa: E402
from ember import layers, models, optimizers, utils  # noqa: E402

RUNS = {
    "MSE + Adam": ("mean_squared_error", lambda: optimizers.Adam(learning_rate=1e-3)),
    "cross-entropy + Adam": ("categorical_crossentropy", lambda: optimizers.Adam(learning_rate=1e-3)),
    "cross-entropy + SGD": ("categorical_crossentropy", lambda: optimizers.SGD(learning_rate=0.05)),
    "cross-entropy + SGD momentum": ("categorical_crossentropy",
                                     lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9)),
    "cross-entropy + RMSprop": ("categorical_crossentropy", lambda: optimizers.RMSprop(learning_rate=1e-3)),
}


def data():
    """Digits, scaled to [0, 1], one-hot targets; 1,437 train / 360 test (the same split as ``ember train``)."""
    (x_train, y_train), (x_test, y_test) = ember.datasets.digits.load_data()
    x_train, x_test = x_train.reshape(len(x_train), -1) / 16.0, x_test.reshape(len(x_test), -1) / 16.0
    return (x_train.astype("float32"), utils.to_categorical(y_train, 10), x_test.astype("float32"),
            utils.to_categorical(y_test, 10))  # fmt: skip


def train(loss: str, optimizer, epochs: int, weights, arrays) -> tuple[list[float], float]:
    """Train from ``weights``; returns the per-epoch training loss and the test accuracy."""
    x_train, y_train, x_test, y_test = arrays
    model = models.Sequential([layers.Input((64,)), layers.Dense(32, activation="relu"),
                               layers.Dense(10, activation="softmax")])  # fmt: skip
    model.set_weights(weights)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, shuffle=False, verbose=0)
    return history.history["loss"], float(model.evaluate(x_test, y_test, verbose=0)[1])


def main(argv=None, epochs: int = 15) -> dict:
    """Every run from the same start; prints a table, saves the curves; returns the results."""
    out = output_dir(argv)
    ember.utils.set_random_seed(0)
    arrays = data()
    start = models.Sequential([layers.Input((64,)), layers.Dense(32, activation="relu"),
                               layers.Dense(10, activation="softmax")]).get_weights()  # fmt: skip
    results = {}
    for name, (loss, make) in RUNS.items():
        curve, acc = train(loss, make(), epochs, start, arrays)
        results[name] = {"curve": curve, "accuracy": acc}
        print(f"{name:30s} loss {curve[0]:.4f} -> {curve[-1]:.4f}   test accuracy {acc * 100:.2f} %")
    path = os.path.join(out, "losses_optimizers.png")
    plot(results, path)
    print(f"curves: {path}")
    return results


def plot(results: dict, path: str) -> None:
    """Training loss per epoch, one line per run (log scale), to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        ax.plot(range(1, len(r["curve"]) + 1), r["curve"], label=name)
    ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title="digits MLP: losses and optimizers")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


if __name__ == "__main__":
    main()
