"""The ``Example`` sections of the op docstrings run (STYLE.md rule 7)."""

import doctest
import importlib

import pytest

MODULES = [
    "ember.ops.shape",
    "ember.ops.indexing",
    "ember.ops.reduction",
    "ember.ops.activations",
    "ember.ops.linalg",
    "ember.ops.creation",
    "ember.ops.conv",
    "ember.ops.pooling",
    "ember.random",
    "ember.debug",
    "ember.testing.gradcheck",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0, f"{name}: {result}"
