"""Lesson 1: the neuron and its activation functions.

A neuron takes inputs, multiplies each by a weight, adds a bias and applies an activation function:
``z = w1·x1 + w2·x2 + ... + b`` and ``a = σ(z)``. The notes' example (seeds 000/001): x = 0.1, w = 0.15,
b = 0.4 gives z = 0.415 and a = σ(0.415) = 0.6023; a second neuron (w = 0.25, b = 0.5) fed with it gives
z = 0.6506 and a = σ(0.6506) = 0.6571 (the notes print 0.7153, which is σ(0.92): an arithmetic slip).

Then the activation functions of the notes and their derivatives. The derivatives are not typed in:
ember's autograd computes them (``backward()``), and they match the textbook formulas
σ' = σ(1 − σ), tanh' = 1 − tanh², relu' = [z > 0].
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import output_dir  # noqa: E402

import ember  # noqa: E402
from ember import ops  # noqa: E402

ACTIVATIONS = {"sigmoid": ops.sigmoid, "tanh": ops.tanh, "relu": ops.relu}


def neuron(x: list[float], w: list[float], b: float) -> tuple[float, float]:
    """``z = Σ w_i·x_i + b`` and ``a = sigmoid(z)``, computed with ember tensors (float64)."""
    z = ops.sum(ember.tensor(w, dtype="float64") * ember.tensor(x, dtype="float64")) + b
    return z.item(), ops.sigmoid(z).item()


def derivative(fn, z: np.ndarray) -> np.ndarray:
    """d fn(z) / dz elementwise, by autograd: backward of sum(fn(z))."""
    t = ember.tensor(z, dtype="float64", requires_grad=True)
    ops.sum(fn(t)).backward()
    return t.grad.numpy()


def plot(path: str) -> None:
    """Sigmoid, tanh, ReLU and softmax with their derivatives, one panel each, to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z = np.linspace(-5, 5, 201)
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    for ax, (name, fn) in zip(axes, ACTIVATIONS.items(), strict=False):
        ax.plot(z, fn(ember.tensor(z)).numpy(), label=name)
        ax.plot(z, derivative(fn, z), "--", label=f"{name}' (autograd)")
        ax.set_title(name)
        ax.legend(fontsize=7)
    logits = ember.tensor(np.stack([z, np.zeros_like(z)], axis=1))
    axes[3].plot(z, ops.softmax(logits, axis=-1).numpy()[:, 0], label="softmax([z, 0])[0]")
    axes[3].set_title("softmax (2 classes)")
    axes[3].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> dict:
    """Print the worked neurons and the activation table; save the plot. Returns the numbers."""
    out = output_dir(argv)
    z1, a1 = neuron([0.1], [0.15], 0.4)
    z2, a2 = neuron([a1], [0.25], 0.5)
    print(f"neuron 1: z = 0.15·0.1 + 0.4 = {z1:.3f}, a = σ({z1:.3f}) = {a1:.4f}")
    print(f"neuron 2: z = 0.25·{a1:.4f} + 0.5 = {z2:.4f}, a = σ({z2:.4f}) = {a2:.4f} (the notes print 0.7153)")
    points = np.array([-2.0, 0.5, 2.0])
    table = {}
    for name, fn in ACTIVATIONS.items():
        values, grads = fn(ember.tensor(points)).numpy(), derivative(fn, points)
        table[name] = (values, grads)
        cells = "  ".join(f"{name}({p:g}) = {v:.4f}, {name}'({p:g}) = {g:.4f}" for p, v, g in zip(points, values,
                                                                                                  grads, strict=True))
        print(cells)
    soft = ops.softmax(ember.tensor([[2.0, 1.0, 0.1]]), axis=-1).numpy()[0]
    print(f"softmax([2, 1, 0.1]) = [{', '.join(f'{p:.4f}' for p in soft)}] (sums to {soft.sum():.4f})")
    path = os.path.join(out, "activations.png")
    plot(path)
    print(f"plot: {path}")
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "table": table, "softmax": soft, "plot": path}


if __name__ == "__main__":
    main()
