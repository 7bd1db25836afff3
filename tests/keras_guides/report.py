"""Run every Keras guide on ember and on real Keras 3, compare, write docs/keras_guides.md.

    PYTHONPATH=$PWD python -m tests.keras_guides.report                  # ember + Keras, writes the doc
    PYTHONPATH=$PWD python -m tests.keras_guides.report --update-floors  # also rewrites floors.json
    PYTHONPATH=$PWD python -m tests.keras_guides.report --reuse-keras    # Keras side from the last run's cache
    PYTHONPATH=$PWD python -m tests.keras_guides.report --ember-only     # no Keras side at all

Comparison (``compare``): for every statement that ran on both sides, the shapes it printed
(``(None, 64)``, ``torch.Size([3, 4])`` is read as ``(3, 4)``), the ``Total/Trainable/Non-trainable
params`` counts of summaries, and the integers of plain printed lines must be equal. Progress-bar
and training-log lines (losses depend on the random initialisation) are not compared.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from tests.keras_guides.harness import GUIDES, REPO_ROOT, run_guide
from tests.keras_guides.sources import cache_root

FLOORS = Path(__file__).with_name("floors.json")
EXPECTED = Path(__file__).with_name("expected_facts.json")
DOC = REPO_ROOT / "docs" / "keras_guides.md"
_SHAPE = re.compile(r"\((?:None|\d+)(?:,\s*(?:None|\d+))*,?\s*\)")
_TORCH_SIZE = re.compile(r"torch\.Size\(\[([\d,\s]*)\]\)")
_PARAMS = re.compile(r"(Total|Trainable|Non-trainable) params:\s*([\d,]+)")
_INT = re.compile(r"(?<![\w.\-])\d+(?![\w.])")
_NOISE = re.compile(r"━|Epoch|step|ETA|loss|acc|/\d|\d\.\d|[│┃┏┡└┌]|Layer \(type\)|=====")


def facts(stdout):
    """``{"shapes": [...], "params": {...}, "ints": [...]}`` read from one statement's stdout."""
    text = _TORCH_SIZE.sub(lambda m: "(" + m.group(1) + ("," if "," not in m.group(1) else "") + ")", stdout)
    shapes = [re.sub(r"\s+", "", s).replace(",)", ")") for s in _SHAPE.findall(text)]
    params = {k: int(v.replace(",", "")) for k, v in _PARAMS.findall(text)}
    ints = []
    for line in text.splitlines():
        if _NOISE.search(line) or _PARAMS.search(line):
            continue
        ints.extend(int(tok) for tok in _INT.findall(_SHAPE.sub(" ", line)))
    return {"shapes": shapes, "params": params, "ints": ints}


def keras_cache(name):
    """Where the last Keras run of guide ``name`` is kept (for ``--reuse-keras``); not committed."""
    return cache_root() / "keras_results" / f"{name}.json"


def compare(ember_result, keras_result):
    """Mismatches ``[{"lineno", "code", "what", "ember", "keras"}]`` between the two runs of a guide."""
    if ember_result["total"] != keras_result["total"]:
        return [{"lineno": 0, "code": "", "what": "statement count", "ember": ember_result["total"],
                 "keras": keras_result["total"]}]
    out = []
    failed_before = 0
    for e, k in zip(ember_result["records"], keras_result["records"], strict=True):
        if e["status"] != "ran" or k["status"] != "ran":
            failed_before += e["status"] != "ran"
            continue
        fe, fk = facts(e["stdout"]), facts(k["stdout"])
        for what in ("shapes", "params", "ints"):
            if fe[what] != fk[what]:
                out.append({"lineno": e["lineno"], "code": e["code"], "what": what, "ember": fe[what],
                            "keras": fk[what], "failed_before": failed_before,
                            "stale_reads": e.get("stale_reads", [])})
    return out


def expected_entry(res):
    """What test_guides.py checks for one guide: Keras's printed facts per line, and today's known mismatches."""
    keras_facts = {}
    for r in res["keras"]["records"]:
        f = facts(r["stdout"]) if r["status"] == "ran" else None
        if f and (f["shapes"] or f["params"] or f["ints"]):
            keras_facts[str(r["lineno"])] = f
    known = sorted({f"{m['lineno']}:{m['what']}" for m in res["mismatches"]})
    return {"keras": keras_facts, "known_mismatches": known}


def missing_groups(results):
    """``{missing name: [(guide, lineno, exc_type, message)]}`` sorted by count, largest first."""
    groups = defaultdict(list)
    for name, res in results.items():
        for r in res["ember"]["records"]:
            if r["status"] == "raised":
                tag = " (cascade)" if r.get("cascade") else ""
                groups[r["missing"]].append((name, r["lineno"], r["exc_type"] + tag, r["message"]))
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")[:220]


def figures_table(results):
    """Markdown table: guide | ember ran/total | Keras ran/total | comparison mismatches."""
    lines = ["| Guide | Statements run on ember | Statements run on Keras 3 (torch) "
             "| Printed shapes/counts that differ |", "| --- | --- | --- | --- |"]
    for name, res in results.items():
        e, k = res["ember"], res.get("keras")
        keras_cell = f"{k['ran']} / {k['total']}" if k else "not run"
        diff_cell = str(len(res["mismatches"])) if k else "not compared"
        lines.append(f"| `{name}` | {e['ran']} / {e['total']} | {keras_cell} | {diff_cell} |")
    return "\n".join(lines)


TITLES = {
    "sequential_model": "The Sequential model",
    "functional_api": "The Functional API",
    "training_with_built_in_methods": "Training & evaluation with the built-in methods",
    "making_new_layers_and_models_via_subclassing": "Making new layers and models via subclassing",
    "writing_your_own_callbacks": "Writing your own callbacks",
    "serialization_and_saving": "Save, serialize, and export models",
    "understanding_masking_and_padding": "Understanding masking & padding",
    "working_with_rnns": "Working with RNNs",
    "transfer_learning": "Transfer learning & fine-tuning",
}
README_START = "<!-- keras-guides-table: written by python -m tests.keras_guides.report -->\n"
README_END = "\n<!-- /keras-guides-table -->"


def update_readme(results):
    """Rewrite the README's figures table (between the keras-guides-table markers)."""
    readme = REPO_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise ValueError(f"README.md has no keras-guides-table markers. Expected: {README_START.strip()!r}")
    rows = ["| Guide | ember | Keras 3 (torch, same venv: no TensorFlow, no network) |", "| --- | --- | --- |"]
    for name, res in results.items():
        k = res["keras"]
        e = res["ember"]
        rows.append(f"| {TITLES[name]} | {e['ran']} / {e['total']} | {k['ran']} / {k['total']} |")
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + README_START + "\n".join(rows) + README_END + tail, encoding="utf-8")


def render(results):
    """The whole docs/keras_guides.md text."""
    parts = [
        "# Keras's developer guides on ember",
        "",
        "Generated by `PYTHONPATH=$PWD python -m tests.keras_guides.report` (do not edit by hand).",
        "",
        "Each guide is split into top-level statements (`ast`; markdown cells dropped) and executed one by one",
        "in one namespace, on ember (`import keras` -> `import ember as keras`, `from keras import` -> `from ember",
        "import`) and on real Keras 3.15.1 with `KERAS_BACKEND=torch` in a subprocess. The only other changes",
        "(smaller data/epochs, offline data, ember autograd/ops in place of TensorFlow-specific code) are listed,",
        "per guide, in `tests/keras_guides/guides/<guide>.py`. A statement counts as run when it raised nothing.",
        "",
        "- The Keras side runs in the same venv: no TensorFlow, no `tensorflow_datasets`, no network. So on both",
        "  sides the guides' `tf.data` pipelines are rewritten as `keras.utils.PyDataset`s of NumPy batches and",
        "  `tfds` downloads replaced by offline data of the same task (`keras.datasets.mnist.load_data` is",
        "  pointed at ember's offline MNIST); pretrained weights that would download fail on the Keras side.",
        "- Comparison: for every statement that ran on both sides, the printed shapes, the summaries'",
        "  `Total/Trainable/Non-trainable params`, and the integers of plain printed lines must be equal;",
        "  progress bars and losses are not compared. `tests/keras_guides/test_guides.py` checks the same",
        "  against `expected_facts.json` without running Keras, plus the per-guide floors in `floors.json`.",
        "- The original guide texts (Apache-2.0, keras-team) are not committed; `tests/keras_guides/sources.py`",
        "  says where they are read from (`$EMBER_KERAS_GUIDES_SRC`, `~/.cache/ember/keras_guides`, or a",
        "  local git mirror), and `python -m tests.keras_guides.sources` checks that all nine are found.",
        "",
        "Regenerate this file, the README table, `floors.json` and `expected_facts.json` in one command",
        "(about 5-10 minutes on 2 cores; `--reuse-keras` reuses the last Keras run and takes under a minute):",
        "",
        "    PYTHONPATH=$PWD python -m tests.keras_guides.report --update-floors",
        "",
        "## Figures",
        "",
        figures_table(results),
        "",
        "## Statements that fail on ember, grouped by missing API",
        "",
        "A statement that fails because an earlier statement failed (a NameError on a name that statement",
        "should have bound, or an unexplained error in a statement reading such a stale name) is charged to",
        "that earlier statement's missing API and marked `(cascade)`.",
        "Sorted by count. `other X in M.f` = the exception names no missing attribute or argument: a behaviour",
        "difference raised in function `f` of module `M` (`guide code` = an assertion/check of the guide itself);",
        "the message says why.",
        "",
    ]
    for missing, items in missing_groups(results).items():
        parts.append(f"### `{missing}` ({len(items)})")
        parts.append("")
        for guide, lineno, exc_type, message in items:
            parts.append(f"- `{guide}` line {lineno}: {exc_type}: {_cell(message)}")
        parts.append("")
    parts += ["## Comparison with Keras 3: printed shapes / counts that differ", ""]
    any_diff = False
    for name, res in results.items():
        for m in res.get("mismatches", []):
            any_diff = True
            if m.get("stale_reads"):
                note = f" (cascade: reads `{m['stale_reads'][0]}`, left stale by an earlier ember failure)"
            elif m.get("failed_before"):
                note = (f" (after {m['failed_before']} failed ember statements; it reads no name they left stale, "
                        "but may use an object one of them left half-built)")
            else:
                note = ""
            parts.append(f"- `{name}` line {m['lineno']} `{_cell(m['code'])}`: {m['what']}: ember "
                         f"{_cell(m['ember'])} vs Keras {_cell(m['keras'])}{note}")
    if not any_diff:
        parts.append("None (or Keras side not run).")
    return "\n".join(parts) + "\n"


def main(argv):
    ember_only = "--ember-only" in argv
    reuse_keras = "--reuse-keras" in argv
    names = [a for a in argv if not a.startswith("--")] or GUIDES
    results = {}
    for name in names:
        ember_res = run_guide(name, "ember")
        res = {"ember": ember_res, "mismatches": []}
        if reuse_keras and keras_cache(name).exists():
            res["keras"] = json.loads(keras_cache(name).read_text())
            res["mismatches"] = compare(ember_res, res["keras"])
        elif not ember_only:
            res["keras"] = run_guide(name, "keras")
            keras_cache(name).parent.mkdir(parents=True, exist_ok=True)
            keras_cache(name).write_text(json.dumps(res["keras"]))
            res["mismatches"] = compare(ember_res, res["keras"])
        results[name] = res
        keras_part = (f", keras {res['keras']['ran']}/{res['keras']['total']}, {len(res['mismatches'])} mismatches"
                      if "keras" in res else "")
        print(f"{name}: ember {ember_res['ran']}/{ember_res['total']}{keras_part}", flush=True)
    if names == GUIDES:
        DOC.write_text(render(results), encoding="utf-8")
        print(f"wrote {DOC}")
        if all("keras" in res for res in results.values()):
            update_readme(results)
            print("updated the README table")
    if "--update-floors" in argv:
        floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
        floors.update({name: res["ember"]["ran"] for name, res in results.items()})
        FLOORS.write_text(json.dumps(floors, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {FLOORS}")
        if all("keras" in res for res in results.values()):
            expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
            expected.update({name: expected_entry(res) for name, res in results.items()})
            EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(f"wrote {EXPECTED}")
    print(figures_table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
