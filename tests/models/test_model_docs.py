"""The ``Example`` sections of the models, callbacks, saving and utils docstrings run."""

import doctest
import importlib

import pytest

MODULES = [
    "ember.models.model",
    "ember.models.sequential",
    "ember.models.functional",
    "ember.callbacks.early_stopping",
    "ember.callbacks.learning_rate",
    "ember.callbacks.loggers",
    "ember.callbacks.backup_and_restore",
    "ember.utils.sequences",
    "ember.utils.serialization",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
