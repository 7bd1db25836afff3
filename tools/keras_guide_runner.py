"""Run a Keras 3 guide (keras-io ``guides/*.py``) on ember, statement by statement, and count what runs.

Usage: ``PYTHONPATH=. python tools/keras_guide_runner.py path/to/guide.py [--keras]``

The guide file is not part of ember (read it from keras-team/keras-io). Only imports are rewritten
(``import keras`` -> ``import ember as keras``, ``from keras import`` -> ``from ember import``) plus the
backend-specific spellings in ``REWRITES`` (``tf.ones`` -> ``keras.ops.ones``); ``--keras`` runs the same
rewritten text on real Keras 3 (torch backend) for the reference count. Each top-level statement runs in
order in one namespace; a failing statement is reported and the next one still runs (issue 16's figure:
statements run / statements total, docstrings excluded).
"""

from __future__ import annotations

import ast
import os
import re
import sys
import traceback

REWRITES = [
    (r"^import tensorflow as tf\n", ""),
    (r"\btf\.ones\(", "keras.ops.ones("),
    (r"\btf\.zeros\(", "keras.ops.zeros("),
    (r"\btf\.random\.normal\(", "keras.random.normal("),
]


def rewrite(text: str, real_keras: bool) -> str:
    """The guide's text with imports pointed at ember (or kept on Keras) and ``REWRITES`` applied."""
    for pattern, repl in REWRITES:
        text = re.sub(pattern, repl, text, flags=re.M)
    if not real_keras:
        text = re.sub(r"^import keras$", "import ember as keras", text, flags=re.M)
        text = re.sub(r"^from keras import", "from ember import", text, flags=re.M)
        text = re.sub(r"^from keras\.", "from ember.", text, flags=re.M)
    return text


def run(text: str) -> tuple[int, int, list[str]]:
    """``(statements run, statements total, failure lines)`` for the top-level statements of ``text``."""
    tree = ast.parse(text)
    body = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    namespace: dict = {"__name__": "__guide__"}
    ok, failures = 0, []
    for stmt in body:
        code = compile(ast.Module([stmt], type_ignores=[]), "<guide>", "exec")
        try:
            exec(code, namespace)  # noqa: S102 - a guide the user chose to run
            ok += 1
        except Exception as exc:  # noqa: BLE001 - report and go on, as a reader would
            line = traceback.format_exception_only(type(exc), exc)[-1].strip()
            failures.append(f"line {stmt.lineno}: {line[:200]}")
    return ok, len(body), failures


def main(argv: list[str]) -> int:
    real = "--keras" in argv
    path = next(a for a in argv if not a.startswith("--"))
    if real:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    with open(path, encoding="utf-8") as f:
        text = rewrite(f.read(), real)
    ok, total, failures = run(text)
    for failure in failures:
        print("FAILED", failure)
    print(f"{os.path.basename(path)}: {ok} of {total} statements run on {'Keras' if real else 'ember'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
