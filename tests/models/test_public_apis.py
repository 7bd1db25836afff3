"""The public APIs of models, callbacks, saving, utils, viz and explain are listed by hand (STYLE.md rule 10).

Each ``tests/<package>/<package>_api.txt`` is the checked-in copy of ``ember.<package>.__all__``.
"""

import importlib
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["models", "callbacks", "saving", "utils", "viz", "explain"])
def test_public_api_matches_the_checked_in_list(package):
    module = importlib.import_module(f"ember.{package}")
    listed = (TESTS / package / f"{package}_api.txt").read_text().split()
    assert sorted(module.__all__) == listed, f"update tests/{package}/{package}_api.txt with its __init__.py"
    for name in listed:
        assert getattr(getattr(module, name), "__doc__", None), f"ember.{package}.{name} has no docstring"
