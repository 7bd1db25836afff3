"""The public API of ember.initializers is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.initializers

LISTED = Path(__file__).with_name("initializers_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.initializers.__all__) == LISTED, "update initializers_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.initializers, name)
        assert getattr(obj, "__doc__", None), f"ember.initializers.{name} has no docstring"
