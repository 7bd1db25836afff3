"""The ``Example`` sections of the PyTorch interop and MobileNetV2 docstrings run (STYLE.md rule 7)."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["ember.interop.torch", "ember.applications.mobilenet_v2"])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0, f"{name}: {result}"
