"""Inputs that atheris found (tools/fuzz_loaders.py), kept as regressions: each must be a ValueError naming the file."""

import pathlib

import pytest

from ember import models

FOUND = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "regressions"


@pytest.mark.parametrize("path", sorted(FOUND.glob("*.keras")), ids=lambda p: p.name)
def test_fuzzer_findings_are_clear_errors(path):
    with pytest.raises(ValueError, match=path.name):
        models.load_model(str(path))


@pytest.mark.parametrize("path", sorted(FOUND.glob("config_*.json")), ids=lambda p: p.name)
def test_fuzzer_config_findings_are_clear_errors(path):
    """A model config asking for an impossible weight (a (333333333333, 6) kernel) names the layer and the weight.

    Found by atheris (target ``config_json``): it was a bare MemoryError from NumPy.
    """
    with pytest.raises(ValueError, match=r"\w+ '\w+': cannot allocate weight '\w+' of shape"):
        models.model_from_json(path.read_text())
