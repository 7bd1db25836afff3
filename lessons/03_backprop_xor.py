"""Lesson 3: backpropagation and gradient descent on XOR, step by step.

The notes' from-scratch network (2 inputs, 2 sigmoid hidden neurons, 1 sigmoid output, weights from
``np.random.seed(1)``) learns XOR by hand-derived backpropagation:
``d_output = (y − output)·σ'(output)``, ``d_hidden = d_output·W_oᵀ·σ'(hidden)``, ``W += inputᵀ·d``.
That update is gradient descent on ``L = ½·Σ(y − output)²`` with step 1. Here one step is done both ways:
by hand in NumPy (the notes' lines) and by ember's autograd (``ember.explain.backward`` prints every factor
of the chain rule), the two agree, the graph of the loss is drawn, and then the network trains to the notes'
predictions.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import output_dir  # noqa: E402

import ember  # noqa: E402
from ember import explain, layers, models, ops, optimizers  # noqa: E402
from ember.viz import draw_graph  # noqa: E402

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float64")
Y = np.array([[0], [1], [1], [0]], dtype="float64")


def initial_weights():
    """The notes' initial weights: ``np.random.seed(1)`` then uniform wh, bh, wo, bo."""
    np.random.seed(1)
    return [np.random.uniform(size=s) for s in ((2, 2), (1, 2), (2, 1), (1, 1))]


def sigmoid_derivative(a):
    """σ'(z) written with a = σ(z), as the notes do."""
    return a * (1 - a)


def step_by_hand(wh, bh, wo, bo, lr=1.0):
    """One update exactly as the notes write it (NumPy); returns the new weights."""
    hidden = 1 / (1 + np.exp(-(X @ wh + bh)))
    output = 1 / (1 + np.exp(-(hidden @ wo + bo)))
    error = Y - output
    d_output = error * sigmoid_derivative(output)
    d_hidden = d_output.dot(wo.T) * sigmoid_derivative(hidden)
    return (wh + X.T.dot(d_hidden) * lr, bh + d_hidden.sum(axis=0, keepdims=True) * lr,
            wo + hidden.T.dot(d_output) * lr, bo + d_output.sum(axis=0, keepdims=True) * lr)  # fmt: skip


def half_sse(y_true, y_pred):
    """``½·Σ(y − ŷ)²``: the error the notes backpropagate."""
    return 0.5 * ops.sum((y_true - y_pred) ** 2)


def build_model(weights):
    """The network as an ember Sequential in float64, holding ``weights``."""
    model = models.Sequential([
        layers.Input((2,)),
        layers.Dense(2, activation="sigmoid", name="hidden", dtype="float64"),
        layers.Dense(1, activation="sigmoid", name="output", dtype="float64"),
    ])
    wh, bh, wo, bo = weights
    model.set_weights([wh, bh.ravel(), wo, bo.ravel()])
    return model


def main(argv=None, epochs: int = 10000) -> dict:
    """One step both ways, the trace, the graph, then training; returns the numbers."""
    out = output_dir(argv)
    weights = initial_weights()
    hand = step_by_hand(*weights)
    model = build_model(weights)
    trace = explain.backward(model, X, Y, loss=half_sse, optimizer=optimizers.SGD(learning_rate=1.0))
    print(trace)
    ember_new = trace.values["new_weights"]
    diff = max(float(np.abs(a - b.reshape(a.shape)).max()) for a, b in zip(ember_new, hand, strict=True))
    print(f"one step: autograd's update equals the notes' hand-derived update (largest difference {diff:.1e})")
    loss = half_sse(ember.tensor(Y), model(X))
    dot_path = os.path.join(out, "xor_graph.dot")
    draw_graph(loss, dot_path, show_grads=True, collapse_layers=False)
    print(f"graph of the loss with its gradients: {dot_path} (render: dot -Tsvg {dot_path})")
    model.compile(optimizer=optimizers.SGD(learning_rate=1.0), loss=half_sse)
    model.fit(X, Y, epochs=epochs, batch_size=4, shuffle=False, verbose=0)
    predictions = model.predict(X, verbose=0)
    print(f"after {epochs} steps: predictions {np.round(predictions.ravel(), 3).tolist()}")
    return {"diff": diff, "trace": trace, "hand": hand, "ember": ember_new, "predictions": predictions,
            "dot": dot_path}  # fmt: skip


if __name__ == "__main__":
    main()
