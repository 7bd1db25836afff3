"""Run a Keras developer guide statement by statement, on ember or on real Keras 3.

A guide is a Python file from keras-team's guides (see ``tests/keras_guides/guides/*.py``
for which file, at which commit, and the edits applied). The harness:

1. reads the original guide text (``sources.read_source``; the keras-io code itself is
   not committed here, see docs/keras_guides.md),
2. applies the guide's checked-in edits (size reductions, offline data, and for the ember
   side the backend-specific custom loops rewritten with ember's autograd),
3. splits it into top-level statements with ``ast`` (markdown docstrings are dropped),
4. executes them one by one in one namespace, recording per statement ``ran`` or
   ``raised`` (exception type and message) and what the statement printed.

``run_guide(name, side)`` runs one guide in a fresh subprocess,
``python -m tests.keras_guides.harness {ember,keras} NAME OUT.json``; on the Keras side the same
statements keep ``import keras`` and run with ``KERAS_BACKEND=torch``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from tests.keras_guides.sources import read_source

GUIDES = [
    "sequential_model",
    "functional_api",
    "training_with_built_in_methods",
    "making_new_layers_and_models_via_subclassing",
    "writing_your_own_callbacks",
    "serialization_and_saving",
    "understanding_masking_and_padding",
    "working_with_rnns",
    "transfer_learning",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
STATEMENT_TIMEOUT_S = 60


def spec(name):
    """The adaptation module ``tests.keras_guides.guides.<name>`` (SOURCE, EDITS, EMBER_EDITS)."""
    return importlib.import_module(f"tests.keras_guides.guides.{name}")


def _apply(text, edits, name):
    for edit in edits:
        old, new, expected = edit if len(edit) == 3 else (*edit, 1)
        count = text.count(old)
        if count != expected:
            raise ValueError(f"guide {name}: edit expected {expected} match(es), found {count}: {old[:80]!r}")
        text = text.replace(old, new)
    return text


def to_ember(text):
    """``import keras`` -> ``import ember as keras``; ``from keras(.x) import`` -> ``from ember(.x) import``."""
    text = re.sub(r"^([ \t]*)import keras[ \t]*$", r"\1import ember as keras", text, flags=re.M)
    return re.sub(r"^([ \t]*)from keras(\.[\w.]+)? import", r"\1from ember\2 import", text, flags=re.M)


def adapted_text(name, side):
    """The guide's text after its edits, for ``side`` in ``("ember", "keras")``."""
    mod = spec(name)
    text = _apply(read_source(mod.SOURCE), mod.EDITS, name)
    if side == "ember":
        text = to_ember(_apply(text, getattr(mod, "EMBER_EDITS", []), name))
    return text


def split_statements(text):
    """Top-level statements as ``(lineno, source)``; bare string literals (markdown cells) are dropped."""
    tree = ast.parse(text)
    out = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        decorators = getattr(node, "decorator_list", [])
        if decorators:  # get_source_segment starts at `def`/`class` and would drop the decorators
            lines = text.splitlines()
            start = min(d.lineno for d in decorators)
            out.append((start, "\n".join(lines[start - 1 : node.end_lineno])))
            continue
        out.append((node.lineno, ast.get_source_segment(text, node, padded=True)))
    return out


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"statement ran over {STATEMENT_TIMEOUT_S} s")


def missing_name(exc_type, message):
    """The Keras API name a failure points at, or a ``cascade``/``other`` bucket."""
    m = re.search(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    m = re.search(r"'(\w+)' object has no attribute '(\w+)'", message)
    if m and m.group(1) != "NoneType":
        return f"{m.group(1)}.{m.group(2)}"
    m = re.search(r"type object '(\w+)' has no attribute '(\w+)'", message)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    m = re.search(r"cannot import name '(\w+)' from '([\w.]+)'", message)
    if m:
        return f"{m.group(2)}.{m.group(1)}"
    m = re.search(r"No module named '([\w.]+)'", message)
    if m:
        return f"module {m.group(1)}"
    m = re.search(r"(\w+(?:\.\w+)?)\(\) got an unexpected keyword argument '(\w+)'", message)
    if m:
        return f"{m.group(1)}({m.group(2)}=)"
    if exc_type == "NameError":
        return "(cascade: name undefined after an earlier failure)"
    return f"other {exc_type}"


def _raised_in(exc):
    """``module.function`` of the innermost frame that raised (ember's or the guide's)."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = tb.tb_frame.f_code.co_filename
    if filename.startswith("<guide"):
        return "guide code"
    path = Path(filename)
    parts = path.with_suffix("").parts
    if "ember" in parts:
        parts = parts[len(parts) - parts[::-1].index("ember") - 1:]
    else:
        parts = parts[-1:]
    return ".".join(parts) + "." + tb.tb_frame.f_code.co_name


def assigned_names(code):
    """Names a top-level statement binds (assignment/def/class/import/for/with targets)."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def loaded_names(code):
    """Names a top-level statement reads."""
    nodes = ast.walk(ast.parse(code))
    return {node.id for node in nodes if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _attribute_cascade(record, code, root_of):
    """Charge a failure caused by an earlier failure to that earlier failure's missing API.

    ``root_of`` maps each name that a failed statement should have (re)bound to that failure's missing
    API; a statement that runs while reading a stale name leaves its own names stale too, one that runs
    without reading any rebinds them cleanly. A NameError on a stale name, or an unexplained failure
    (``other ...``) of a statement that reads one, is a cascade.
    """
    stale = sorted(name for name in loaded_names(code) if name in root_of)
    if record["status"] == "ran":
        if stale:
            record["stale_reads"] = stale
        for name in assigned_names(code):
            if stale:
                root_of[name] = root_of[stale[0]]
            else:
                root_of.pop(name, None)
        return
    m = re.search(r"name '(\w+)' is not defined", record["message"])
    if record["exc_type"] == "NameError" and m and m.group(1) in root_of:
        record["missing"], record["cascade"] = root_of[m.group(1)], True
    elif record["missing"].startswith("other ") and stale:
        record["missing"], record["cascade"] = root_of[stale[0]], True
        record["message"] += f" [reads `{stale[0]}`, left stale by an earlier failure]"
    for name in assigned_names(code):
        root_of[name] = record["missing"]


def run_statements(statements, side):
    """Execute ``statements`` in one namespace in a temporary working folder; one record each.

    A failed statement's bound names remember its missing API, so that a later NameError on one of
    them is reported under that root cause (``record["cascade"] = True``).
    """
    namespace = {"__name__": "__main__"}
    records = []
    root_of = {}
    old_cwd = os.getcwd()
    use_alarm = hasattr(signal, "SIGALRM")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for index, (lineno, code) in enumerate(statements):
                record = _run_one(index, lineno, code, namespace, use_alarm)
                _attribute_cascade(record, code, root_of)
                records.append(record)
        finally:
            os.chdir(old_cwd)
    return records


def _run_one(index, lineno, code, namespace, use_alarm):
    buffer = io.StringIO()
    record = {"index": index, "lineno": lineno, "code": code.splitlines()[0][:100], "status": "ran"}
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(STATEMENT_TIMEOUT_S)
    try:
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, f"<guide line {lineno}>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - a guide statement may raise anything; it is recorded
        if isinstance(exc, KeyboardInterrupt):
            raise
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        missing = missing_name(type(exc).__name__, str(exc))
        if missing.startswith("other "):
            missing = f"{missing} in {_raised_in(exc)}"
        record.update(status="raised", exc_type=type(exc).__name__, message=message, missing=missing)
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    record["stdout"] = buffer.getvalue()[-4000:]
    return record


def _patch_keras_offline():
    """Real Keras would download MNIST; point it at ember's offline copy (same load_data API)."""
    import keras

    import ember

    keras.datasets.mnist.load_data = ember.datasets.mnist.load_data


def run_guide(name, side="ember"):
    """Run guide ``name``; returns ``{"name", "side", "total", "ran", "records"}``.

    ``side`` is ``"ember"`` or ``"keras"``: each guide runs in a fresh subprocess (a guide changes global
    state such as the custom-object registry; real Keras gets ``KERAS_BACKEND=torch``).
    ``"ember-inprocess"`` / ``"keras-inprocess"`` run in this process (what the subprocess does).
    """
    if side in ("ember", "keras"):
        return _run_subprocess(name, side)
    if side not in ("ember-inprocess", "keras-inprocess"):
        raise ValueError(f"run_guide: side must be 'ember' or 'keras'. Received: side={side!r}")
    base = side.split("-")[0]
    statements = split_statements(adapted_text(name, base))
    if base == "keras":
        _patch_keras_offline()
    records = run_statements(statements, base)
    return {"name": name, "side": base, "total": len(records),
            "ran": sum(r["status"] == "ran" for r in records), "records": records}


def _run_subprocess(name, side, timeout=900):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        if side == "keras":
            env["KERAS_BACKEND"] = "torch"
        proc = subprocess.run([sys.executable, "-m", "tests.keras_guides.harness", side, name, str(out)],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"{side} run of guide {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


if __name__ == "__main__":
    side_arg, guide_name, out_path = sys.argv[1:4]
    if side_arg == "keras":
        os.environ["KERAS_BACKEND"] = "torch"
    result = run_guide(guide_name, f"{side_arg}-inprocess")
    Path(out_path).write_text(json.dumps(result, indent=1))
