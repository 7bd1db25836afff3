"""Inputs that atheris found (tools/fuzz_loaders.py), kept as regressions: each must be a ValueError naming the file."""

import pathlib

import pytest

from ember import models

FOUND = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "regressions"


@pytest.mark.parametrize("path", sorted(FOUND.glob("*.keras")), ids=lambda p: p.name)
def test_fuzzer_findings_are_clear_errors(path):
    with pytest.raises(ValueError, match=path.name):
        models.load_model(str(path))
