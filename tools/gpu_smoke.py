"""GPU smoke run of the CuPy backend (run on a machine with a CUDA GPU and CuPy; see tools/gpu_check.sh).

Trains the same MLP on scikit-learn's digits with the NumPy and the CuPy backend from the same seed and
prints both test accuracies and the largest weight difference after training, then times the W2 MLP and
W3 CNN training steps (BENCHMARKS.md shapes) on both backends.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.datasets import load_digits

import ember
from ember import backend, layers, models


def train(name: str):
    backend.set_backend(name)
    ember.utils.set_random_seed(0)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    model = models.Sequential([layers.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x[:1400], y[:1400], epochs=10, batch_size=32, verbose=0, shuffle=False)
    acc = model.evaluate(x[1400:], y[1400:], verbose=0)[1]
    weights = [np.asarray(w) for w in model.get_weights()]
    backend.set_backend("numpy")
    return acc, weights


def step_time(name: str, kind: str, steps: int = 30) -> float:
    backend.set_backend(name)
    ember.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    if kind == "W2":
        x = rng.standard_normal((128, 784)).astype("float32")
        model = models.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                                   layers.Dense(128, activation="relu"), layers.Dense(10)])
    else:
        x = rng.standard_normal((64, 28, 28, 1)).astype("float32")
        model = models.Sequential([layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                                   layers.MaxPooling2D(), layers.Conv2D(64, 3, activation="relu"),
                                   layers.MaxPooling2D(), layers.Flatten(), layers.Dense(128, activation="relu"),
                                   layers.Dense(10)])
    y = rng.integers(0, 10, len(x)).astype("int32")
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(5):
        model.train_on_batch(x, y)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    dt = (time.perf_counter() - t0) / steps * 1e3
    backend.set_backend("numpy")
    return dt


if __name__ == "__main__":
    acc_np, w_np = train("numpy")
    acc_cp, w_cp = train("cupy")
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(w_np, w_cp, strict=True))
    print(f"digits MLP test accuracy: numpy {acc_np:.4f}  cupy {acc_cp:.4f}  max |w_numpy - w_cupy| {diff:.2e}")
    for kind in ("W2", "W3"):
        print(f"{kind} ms/step: numpy {step_time('numpy', kind):.2f}  cupy {step_time('cupy', kind):.2f}")
