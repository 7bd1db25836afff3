"""RELIABILITY.md D5: no file ember reads can make it execute code, write outside the target, or blow up memory.

Each corpus case (tests/reliability/malicious.py) is loaded with a ``sys.addaudithook`` recording process
launches, ``exec``/``compile`` of code, and imports; the payloads would create a sentinel file. Figures: 0
code executions, 0 files outside the target folder, a typed error in < 1 s, traced peak memory within
2 x file size + 50 MB.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import pytest

from tests.reliability.malicious import CASES

_EVENTS: list = []
_RECORDING = [False]
FORBIDDEN = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "exec",
             "compile", "import", "ctypes.dlopen", "builtins.input")  # fmt: skip


def _hook(event, args):
    guard = event == "subprocess.Popen" and list(args[1][:3]) == [sys.executable, "-m", "ember.saving.h5_guard"]
    if _RECORDING[0] and event.startswith(FORBIDDEN) and not guard:  # guard: foreign HDF5 parsed in a child process
        _EVENTS.append((event, repr(args)[:120]))


sys.addaudithook(_hook)  # audit hooks cannot be removed: it records only while a case loads


@pytest.mark.parametrize("case", sorted(CASES))
def test_d5_hostile_file_is_rejected_and_runs_nothing(case, tmp_path):
    build, load = CASES[case]
    path = build(tmp_path)
    try:  # warm-up: every module a load needs is imported before recording (imports are events too)
        load(str(path))
    except Exception:  # noqa: BLE001 - the warm-up's error is checked below, under the hook
        pass
    before = {p.name for p in tmp_path.parent.iterdir()}
    _EVENTS.clear()
    tracemalloc.start()
    _RECORDING[0] = True
    start = time.perf_counter()
    try:
        with pytest.raises((ValueError, OSError)) as excinfo:
            load(str(path))
    finally:
        _RECORDING[0] = False
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert _EVENTS == [], f"{case}: audited events during load: {_EVENTS}"
    assert not (tmp_path / "CANARY").exists() and not (tmp_path.parent / "CANARY").exists()
    assert {p.name for p in tmp_path.parent.iterdir()} == before, "a file appeared outside the target folder"
    assert elapsed < 1.0, f"{case}: rejection took {elapsed:.2f} s"
    assert peak <= 2 * path.stat().st_size + 50 * 2**20, f"{case}: traced peak {peak / 2**20:.0f} MB"
    assert path.name in str(excinfo.value), f"{case}: the error does not name the file: {excinfo.value}"
