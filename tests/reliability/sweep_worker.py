"""Runs one D3/D4 sweep of tests/reliability/test_file_sweeps.py in a small fresh process and prints its
outcomes as JSON (the HDF5 sweeps fork once per load: cheap here, slow inside a full test run)."""

import json
import pathlib
import sys
import tempfile

from tests.reliability.test_file_sweeps import sweep_d3, sweep_d4

if __name__ == "__main__":
    row, name = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        result = sweep_d3(name, pathlib.Path(tmp)) if row == "D3" else sweep_d4(name, pathlib.Path(tmp))
    print(json.dumps(result))
