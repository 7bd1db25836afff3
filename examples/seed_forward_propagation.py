"""Seeds 000/001/002: the forward-propagation worked examples, computed with ember.

- Seed 000: one neuron, ``w = 0.15``, ``b = 0.4``, ``x = 0.1``: ``z = 0.415``, ``a = sigmoid(z) = 0.6023``.
- Seed 001: a second neuron fed with that ``a``: ``w = 0.25``, ``b = 0.5``: ``z = 0.6506``. The notes then
  print ``a = 0.7153``; that is an arithmetic slip: ``sigmoid(0.6506) = 0.6571`` (and 0.7153 is
  ``sigmoid(0.92)``). ember prints the correct value and says so.
- Seed 002: three inputs ``[1, 2, 3]``, weights ``[0.5, -1, 0.8]``, ``b = 0.2``: ``z = 1.1``, ``a = 0.75``.
"""

import ember
from ember import ops


def neuron(x, w, b):
    """Weighted sum plus bias, then sigmoid: returns (z, a) as Python floats."""
    z = ops.sum(ember.tensor(w, dtype="float64") * ember.tensor(x, dtype="float64")) + b
    return z.item(), ops.sigmoid(z).item()


def main():
    """Compute the three worked examples; returns them as a dict."""
    z1, a1 = neuron([0.1], [0.15], 0.4)
    z2, a2 = neuron([a1], [0.25], 0.5)
    z3, a3 = neuron([1.0, 2.0, 3.0], [0.5, -1.0, 0.8], 0.2)
    print(f"seed 000: z = {z1:.3f}, a = {a1:.4f}")
    print(f"seed 001: z = {z2:.4f}, a = {a2:.4f} (the notes print 0.7153: sigmoid(0.6506) is {a2:.4f})")
    print(f"seed 002: z = {z3:.1f}, a = {a3:.2f}")
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


if __name__ == "__main__":
    main()
