"""``ember.explain.forward`` and ``backward``: a model's forward pass and one gradient step, layer by layer,
with the formulas and the actual numbers (the course's worked examples, for any model)."""

from __future__ import annotations

from contextlib import contextmanager

from ember.autograd import no_grad
from ember.explain.layer_rules import explain_layer
from ember.explain.trace import Trace


def check_built(model, who: str) -> None:
    """Raise a clear error for a model that has no weights yet."""
    if not getattr(model, "built", False):
        raise ValueError(
            f"ember.explain.{who}: model '{model.name}' is not built, so it has no weights to explain. Call it on "
            "data or build it first (model.build(input_shape), or give the first layer input_shape=/an Input)."
        )


def _top_layers(model) -> list:
    layers = [layer for layer in getattr(model, "layers", []) if type(layer).__name__ != "InputLayer"]
    return layers or [model]


@contextmanager
def capture_calls(model):
    """Record ``(layer, inputs, outputs)`` of each top-level layer call of ``model`` while the block runs."""
    calls, layers = [], _top_layers(model)

    def wrap(layer):
        original = type(layer).call

        def call(inputs, *args, **kwargs):
            out = original(layer, inputs, *args, **kwargs)
            calls.append((layer, inputs, out))
            return out

        return call

    for layer in layers:
        object.__setattr__(layer, "call", wrap(layer))
    try:
        yield calls
    finally:
        for layer in layers:
            layer.__dict__.pop("call", None)


def forward(model, x, max_neurons: int = 4, max_values: int = 8, sample: int = 0) -> Trace:
    """Run ``model`` on ``x`` and explain each layer with its formula and numbers.

    Dense layers are worked out per neuron (``z_j = Σ_i x_i·W_ij + b_j``, ``a_j = σ(z_j)``), convolutions at
    one output position, LSTMs for their first time step's gates; other layers show shapes and values.

    Args:
        model: a built model (Sequential or functional) or a single built layer's model.
        x: the input batch, as the model takes it (NumPy array(s)).
        max_neurons: neurons (units, filters) worked out per layer. Defaults to ``4``.
        max_values: values printed per vector before eliding. Defaults to ``8``.
        sample: which sample of the batch to explain. Defaults to ``0``.

    Returns:
        A :class:`~ember.explain.trace.Trace` (print it, or ``to_markdown()`` / ``to_html()``); each step's
        ``values`` hold the arrays (``"x"``, ``"z"``, ``"a"``, ``"output"``).

    Raises:
        ValueError: if the model is not built.

    Example:
        >>> import numpy as np
        >>> from ember import layers, models, explain
        >>> m = models.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
        >>> trace = explain.forward(m, np.array([[1.0, 2.0]], "float32"))
        >>> len(trace)
        1

    Source: the course's worked neuron (seed 001): z = x1·w1 + x2·w2 + b, a = σ(z).
    """
    check_built(model, "forward")
    opts = {"max_neurons": max_neurons, "max_values": max_values, "sample": sample}
    with no_grad(), capture_calls(model) as calls:
        model(x, training=False)
    steps = [explain_layer(layer, inputs, out, opts) for layer, inputs, out in calls]
    return Trace(f"Forward pass of '{model.name}' (sample {sample})", steps)
