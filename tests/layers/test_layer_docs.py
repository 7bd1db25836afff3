"""Docstrings of the layer library: every public layer documented, and the examples in them run."""

import doctest
import importlib

import pytest

from ember import layers as L

MODULES = [
    "core", "einsum_dense", "embedding", "regularization", "reshaping", "spatial_reshaping", "activation_layers",
    "convolutional", "depthwise", "pooling", "normalization", "merging", "preprocessing", "layer",
    "masking_state", "serialization",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(f"ember.layers.{name}")
    assert doctest.testmod(module).failed == 0


def test_examples_exist_and_every_layer_has_a_docstring():
    attempted = sum(doctest.testmod(importlib.import_module(f"ember.layers.{m}")).attempted for m in MODULES)
    assert attempted >= 10
    for name in L.__all__:
        obj = getattr(L, name)
        if obj.__module__.rsplit(".", 1)[-1] in MODULES:
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
