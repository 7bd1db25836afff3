"""Fixtures of the op tests: run each parametrised test on every backend (CuPy skips here)."""

import pytest
from ops_harness import BACKENDS

from ember import backend


@pytest.fixture(params=BACKENDS)
def on_backend(request):
    """Select the backend for the test and restore NumPy afterwards."""
    backend.set_backend(request.param)
    yield request.param
    backend.set_backend("numpy")
