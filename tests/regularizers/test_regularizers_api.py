"""The public API of ember.regularizers is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.regularizers

LISTED = Path(__file__).with_name("regularizers_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.regularizers.__all__) == LISTED, "update regularizers_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.regularizers, name)
        assert getattr(obj, "__doc__", None), f"ember.regularizers.{name} has no docstring"
