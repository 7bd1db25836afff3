"""The public API of ember.graph is the checked-in list."""

from pathlib import Path

import ember

LISTED = Path(__file__).with_name("graph_api.txt").read_text().split()


def test_graph_api_matches_the_list():
    assert sorted(ember.graph.__all__) == LISTED, "update graph_api.txt with ember/graph/__init__.py"
    assert ember.function is ember.graph.function
