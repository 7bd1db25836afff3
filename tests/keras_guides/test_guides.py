"""Keras's developer guides run on ember (issue 16, section 3).

One test per guide: the guide (with the edits of ``tests/keras_guides/guides/<name>.py``) is
executed statement by statement on ember; the number of statements that run must not fall
below the checked-in floor (``floors.json``), and the shapes / parameter counts the guide
prints must equal those real Keras 3 printed for the same statements when the floors were
last regenerated, except the differences listed there as known (``expected_facts.json``, written by
``python -m tests.keras_guides.report --update-floors``; Keras itself is not run here, to keep
CI fast).
"""

import json
from pathlib import Path

import pytest

from tests.keras_guides.harness import GUIDES, run_guide
from tests.keras_guides.report import facts

# The guides' text is keras-io's, read at run time from a local copy (tests/keras_guides/sources.py), never
# committed: these tests need that copy, so they are opt-in (`pytest -m keras_guides tests/keras_guides`).
pytestmark = pytest.mark.keras_guides

HERE = Path(__file__).parent
FLOORS = json.loads((HERE / "floors.json").read_text())
EXPECTED = json.loads((HERE / "expected_facts.json").read_text())


def test_every_guide_has_a_floor_and_expected_facts():
    assert sorted(FLOORS) == sorted(GUIDES)
    assert sorted(EXPECTED) == sorted(GUIDES)


@pytest.mark.parametrize("name", GUIDES)
def test_guide_runs_on_ember(name):
    result = run_guide(name, "ember")
    failed = [f"line {r['lineno']}: {r['exc_type']}: {r['message']}" for r in result["records"]
              if r["status"] != "ran"]
    assert result["ran"] >= FLOORS[name], (
        f"{name}: {result['ran']}/{result['total']} statements ran, floor is {FLOORS[name]}. Failures:\n"
        + "\n".join(failed))
    by_line = {r["lineno"]: r for r in result["records"]}
    mismatches = []
    for lineno, keras_facts in EXPECTED[name]["keras"].items():
        record = by_line.get(int(lineno))
        assert record is not None, f"{name}: no statement at line {lineno} any more (regenerate expected_facts.json)"
        if record["status"] != "ran":
            continue
        mine = facts(record["stdout"])
        for what in ("shapes", "params", "ints"):
            if mine[what] != keras_facts[what]:
                text = f"`{record['code']}`: ember {mine[what]} vs Keras {keras_facts[what]}"
                mismatches.append((f"{lineno}:{what}", text))
    new = [f"line {key} {text}" for key, text in mismatches if key not in EXPECTED[name]["known_mismatches"]]
    assert not new, f"{name}: printed shapes/counts differ from Keras 3:\n" + "\n".join(new)
