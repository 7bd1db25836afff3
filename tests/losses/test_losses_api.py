"""The public API of ember.losses is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.losses

LISTED = Path(__file__).with_name("losses_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.losses.__all__) == LISTED, "update losses_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.losses, name)
        assert getattr(obj, "__doc__", None), f"ember.losses.{name} has no docstring"
