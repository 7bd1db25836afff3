"""Run a snippet under real Keras 3 (torch backend) in a subprocess and return its JSON result.

Keras is imported in a child process so that ``KERAS_BACKEND`` is set before Keras loads and the
test process never imports it (Keras changes global state: dtype policy, name counters).
The Keras 3 install is part of the ``test`` extra; a missing Keras FAILS the test, naming the extra.
"""

import json
import os
import subprocess
import sys


def run_keras(code: str, timeout: int = 120):
    """Execute ``code`` with ``keras`` imported; the code must bind ``result`` to something JSON-able."""
    prelude = "import os\nos.environ['KERAS_BACKEND'] = 'torch'\nimport json, numpy as np, keras\n"
    epilogue = "\nprint('@@RESULT@@' + json.dumps(result))\n"
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", prelude + code + epilogue], capture_output=True, text=True,
                          timeout=timeout, env=env)
    if proc.returncode != 0:
        if "No module named 'keras'" in proc.stderr:
            raise AssertionError("Keras 3 is missing: install ember's `test` extra (pip install -e .[test])")
        raise AssertionError(f"Keras reference run failed:\n{proc.stderr[-3000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@"))
    return json.loads(line[len("@@RESULT@@"):])
