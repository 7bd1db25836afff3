"""Lesson 2: forward propagation, by hand and with ember.

The notes' network: 2 inputs, a hidden layer of 2 sigmoid neurons, 1 sigmoid output. Forward propagation
computes each layer from the previous one: ``z = W·x + b``, ``a = σ(z)``. First by hand with Python floats,
neuron by neuron, then with an ember ``Sequential`` holding the same weights; the numbers agree, and
``ember.explain.forward`` prints the same computation for any model.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from ember import explain, layers, models  # noqa: E402

X = [0.1, 0.6]
W_HIDDEN = [[0.15, 0.25], [0.20, 0.30]]  # W_HIDDEN[i][j]: input i -> hidden neuron j
B_HIDDEN = [0.40, 0.40]
W_OUT = [0.45, 0.50]
B_OUT = 0.6


def sigmoid(z: float) -> float:
    """``1 / (1 + e^-z)``."""
    return 1.0 / (1.0 + math.exp(-z))


def by_hand() -> dict:
    """Every z and a of the network with plain Python arithmetic, printing each step."""
    z_h = [sum(X[i] * W_HIDDEN[i][j] for i in range(2)) + B_HIDDEN[j] for j in range(2)]
    a_h = [sigmoid(z) for z in z_h]
    for j in range(2):
        print(f"hidden {j}: z = {X[0]}·{W_HIDDEN[0][j]} + {X[1]}·{W_HIDDEN[1][j]} + {B_HIDDEN[j]} = {z_h[j]:.4f}, "
              f"a = σ(z) = {a_h[j]:.4f}")  # fmt: skip
    z_o = sum(a * w for a, w in zip(a_h, W_OUT, strict=True)) + B_OUT
    a_o = sigmoid(z_o)
    print(f"output: z = {a_h[0]:.4f}·{W_OUT[0]} + {a_h[1]:.4f}·{W_OUT[1]} + {B_OUT} = {z_o:.4f}, a = σ(z) = {a_o:.4f}")
    return {"z_hidden": z_h, "a_hidden": a_h, "z_out": z_o, "a_out": a_o}


def with_ember():
    """The same network as an ember Sequential with the same weights."""
    model = models.Sequential([layers.Input((2,)), layers.Dense(2, activation="sigmoid", name="hidden"),
                               layers.Dense(1, activation="sigmoid", name="output")])  # fmt: skip
    model.set_weights([np.array(W_HIDDEN, "float32"), np.array(B_HIDDEN, "float32"),
                       np.array(W_OUT, "float32").reshape(2, 1), np.array([B_OUT], "float32")])  # fmt: skip
    return model


def main(argv=None) -> dict:
    """Run both, print the ember prediction and the explain trace; returns the numbers."""
    hand = by_hand()
    model = with_ember()
    x = np.array([X], "float32")
    prediction = float(model.predict(x, verbose=0)[0, 0])
    print(f"ember: model.predict([{X[0]}, {X[1]}]) = {prediction:.4f}")
    trace = explain.forward(model, x)
    print(trace)
    return {**hand, "ember": prediction, "trace": trace}


if __name__ == "__main__":
    main()
