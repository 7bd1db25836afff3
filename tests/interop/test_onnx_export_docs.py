"""The ``Example`` section of ``ember.interop.onnx.export`` runs, and every converter module has a docstring."""

import doctest
import importlib

import pytest

MODULES = ["export", "export_builder", "export_registry", "export_model", "export_core", "export_shape",
           "export_conv", "export_spatial", "export_norm", "export_rnn", "export_attention"]  # fmt: skip


def test_export_example_runs():
    result = doctest.testmod(importlib.import_module("ember.interop.onnx.export_model"))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", MODULES)
def test_module_is_documented(name):
    module = importlib.import_module(f"ember.interop.onnx.{name}")
    assert module.__doc__ and len(module.__doc__.strip()) > 40
