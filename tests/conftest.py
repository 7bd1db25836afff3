"""Shared pytest setup: every test starts from the same seed and default dtype."""

import pytest

import ember


@pytest.fixture(autouse=True)
def _seed_and_dtype():
    ember.utils.set_random_seed(1234)
    previous = ember.config.floatx()
    yield
    ember.config.set_floatx(previous)
