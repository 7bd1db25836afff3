"""The public API of ember.metrics is listed by hand; this list is its checked-in copy (STYLE.md rule 10)."""

from pathlib import Path

import ember.metrics

LISTED = Path(__file__).with_name("metrics_api.txt").read_text().split()


def test_public_api_matches_the_checked_in_list():
    assert sorted(ember.metrics.__all__) == LISTED, "update metrics_api.txt with __init__.py"
    for name in LISTED:
        obj = getattr(ember.metrics, name)
        assert getattr(obj, "__doc__", None), f"ember.metrics.{name} has no docstring"
