"""The public API of ember.optimizers is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.optimizers

LISTED = Path(__file__).with_name("optimizers_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.optimizers.__all__) == LISTED, "update optimizers_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.optimizers, name)
        assert getattr(obj, "__doc__", None), f"ember.optimizers.{name} has no docstring"
