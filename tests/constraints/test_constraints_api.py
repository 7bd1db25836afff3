"""The public API of ember.constraints is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.constraints

LISTED = Path(__file__).with_name("constraints_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.constraints.__all__) == LISTED, "update constraints_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.constraints, name)
        assert getattr(obj, "__doc__", None), f"ember.constraints.{name} has no docstring"
