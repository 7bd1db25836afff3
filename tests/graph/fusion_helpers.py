"""Helpers shared by the fusion passes' tests (tests/graph/test_*_fusion.py)."""

import numpy as np

import ember
from ember.graph import passes


def run_traced(step, args, off=()):
    """``(concrete function, trace-call results, replay results)`` of ``ember.function(step)(*args)`` with the
    passes in ``off`` turned off while it traces; each pass's previous setting is restored afterwards."""
    before = {name: passes.is_enabled(name) for name in off}
    for name in off:
        passes.set_enabled(name, False)
    try:
        fn = ember.function(step)
        first = fn(*args)
        return fn.get_concrete_function(*args), first, fn(*args)
    finally:
        for name, on in before.items():
            passes.set_enabled(name, on)


def assert_outputs_equal(a, b):
    """Two sequences of tensors (or ``None``) equal element for element, bit for bit."""
    for x, y in zip(a, b, strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x.numpy(), y.numpy())
