"""Seeing every step: a model's forward pass and one gradient step, worked out with the actual numbers.

``ember.explain.forward(model, x)`` and ``ember.explain.backward(model, x, y, loss)`` return a
:class:`Trace` that prints, per layer, the formula and the numbers (``z = W·x + b`` per neuron for Dense, one
output position for convolutions, one time step's gates for LSTM), and for the backward pass the chain-rule
factors and the weight update. ``trace.to_markdown()`` and ``trace.to_html()`` render it.

This package depends on autograd, layers and models; nothing below imports it.
"""

from ember.explain.backward import backward
from ember.explain.forward import forward
from ember.explain.trace import Step, Trace

__all__ = ["forward", "backward", "Trace", "Step"]
