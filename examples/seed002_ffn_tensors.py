"""Seed 002: "10 features → 64 ReLU → 1 sigmoid" as a custom loop on ember tensors (PyTorch style).

The same network as ``seed002_ffn_keras.py``, written the way the notes' PyTorch
column does: parameters as tensors with ``requires_grad=True``, a forward
function, ``loss.backward()``, and a hand-written gradient step under
``ember.no_grad()``.
"""

import numpy as np

import ember
from ember import ops


def main(steps: int = 300, lr: float = 0.1):
    """Train with full-batch gradient descent; returns (first loss, last loss, test accuracy)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 10)).astype("float32")
    y = (x @ rng.standard_normal(10) > 0).astype("float32")[:, None]
    x_train, y_train = ember.tensor(x[:800]), ember.tensor(y[:800])

    w1 = ember.tensor(rng.standard_normal((10, 64)) * np.sqrt(2 / 10), dtype="float32", requires_grad=True)
    b1 = ember.tensor(np.zeros(64), dtype="float32", requires_grad=True)
    w2 = ember.tensor(rng.standard_normal((64, 1)) * np.sqrt(1 / 64), dtype="float32", requires_grad=True)
    b2 = ember.tensor(np.zeros(1), dtype="float32", requires_grad=True)
    params = [w1, b1, w2, b2]

    def forward(inputs):
        hidden = (inputs @ w1 + b1).relu()
        return hidden @ w2 + b2  # logits; the sigmoid is fused into the loss

    losses = []
    for _ in range(steps):
        loss = ops.sigmoid_cross_entropy(y_train, forward(x_train)).mean()
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        losses.append(loss.item())

    with ember.no_grad():
        probs = ops.sigmoid(forward(ember.tensor(x[800:]))).numpy()
    accuracy = float(((probs > 0.5) == (y[800:] > 0.5)).mean())
    return losses[0], losses[-1], accuracy


if __name__ == "__main__":
    first, last, accuracy = main()
    print(f"loss {first:.4f} -> {last:.4f}, test accuracy {accuracy:.4f}")
