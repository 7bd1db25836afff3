"""Seed 002: the from-scratch XOR network, as a custom loop on ember tensors.

The notes build it with NumPy and hand-derived backpropagation (2 inputs, 2
sigmoid hidden neurons, 1 sigmoid output, squared error, 10,000 updates with
step size 1, weights from ``np.random.seed(1)`` uniform). Here the same
network and initial weights run on ember tensors and ``backward()`` derives
the gradients; the notes' update ``w += X.T.dot(d)`` is plain gradient
descent on ``0.5 * sum((y - output)**2)``, so the loss below is exactly that.
"""

import numpy as np

import ember

# XOR input and output
X = np.array([[0, 0],
              [0, 1],
              [1, 0],
              [1, 1]])
y = np.array([[0],
              [1],
              [1],
              [0]])


def main(epochs: int = 10000, lr: float = 1.0, verbose: bool = True):
    """Train as the notes do; returns the final predictions as a (4, 1) NumPy array."""
    np.random.seed(1)  # Set seed for reproducibility (as in the notes)
    input_layer_neurons, hidden_layer_neurons, output_neurons = 2, 2, 1
    wh = ember.tensor(np.random.uniform(size=(input_layer_neurons, hidden_layer_neurons)), requires_grad=True)
    bh = ember.tensor(np.random.uniform(size=(1, hidden_layer_neurons)), requires_grad=True)
    wo = ember.tensor(np.random.uniform(size=(hidden_layer_neurons, output_neurons)), requires_grad=True)
    bo = ember.tensor(np.random.uniform(size=(1, output_neurons)), requires_grad=True)
    inputs, targets = ember.tensor(X, dtype="float64"), ember.tensor(y, dtype="float64")

    for epoch in range(epochs):
        hidden_output = (inputs @ wh + bh).sigmoid()      # forward pass
        output = (hidden_output @ wo + bo).sigmoid()
        loss = 0.5 * ((targets - output) ** 2).sum()       # the error the notes backpropagate
        loss.backward()                                    # backpropagation, derived by ember
        with ember.no_grad():                              # update weights
            for p in (wh, bh, wo, bo):
                p -= lr * p.grad
                p.grad = None

    if verbose:
        print("Predicted Output:")
        print(np.round(output.numpy(), 3))
    return output.numpy()


if __name__ == "__main__":
    main()
