"""RELIABILITY.md D3 (truncation sweep) and D4 (bit-flip sweep) over every file format ember reads.

A damaged file must give a ``ValueError``/``OSError`` naming the file, within 5 s, and never a load with
different values. CI runs every header byte plus 1,000 random truncation offsets and 1,000 random bit flips per
format; ``EMBER_RELIABILITY_FULL=1`` (tools/reliability.py) runs the 10,000 flips of the row.

Foreign HDF5 files are parsed in a child process by default (ember.saving.h5_guard: ~0.5 s per load); the sweeps
run with ``EMBER_H5_ISOLATE=0`` (each HDF5 load is already in a forked child here, thousands of loads) and load
every file on which libhdf5 crashed or hung once more with the guard on: a ``ValueError`` naming the file there
counts as ``'contained'`` (the user's process survives with a clear error), anything else stays ``'crash'``.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.reliability.file_formats import FORMATS

FULL = os.environ.get("EMBER_RELIABILITY_FULL") == "1"
REPORT = os.environ.get("EMBER_RELIABILITY_REPORT")  # tools/reliability.py collects the counts here


def _report(row: str, name: str, counts: dict, total: int) -> None:
    if REPORT:
        with open(REPORT, "a") as f:
            f.write(json.dumps({"row": row, "format": name, "counts": counts, "total": total}) + "\n")
HEADER = 256  # bytes at each end of the file (zip: local header at the start, central directory at the end)


def _outcome(fmt, path, reference) -> str:
    """``'detected'`` (typed error naming the file), ``'same'`` (loads, identical weights) or ``'silent'``."""
    start = time.perf_counter()
    try:
        loaded = fmt.read(str(path))
    except (ValueError, OSError, KeyError, EOFError) as exc:  # KeyError/EOFError only if they name the file
        assert time.perf_counter() - start < 5, f"{path.name}: rejection took over 5 s"
        if os.path.basename(str(path)) not in str(exc):
            return f"unnamed: {type(exc).__name__}: {exc}"
        return "detected" if isinstance(exc, (ValueError, OSError)) else f"untyped: {type(exc).__name__}"
    weights = loaded.get_weights() if hasattr(loaded, "get_weights") else loaded
    same = len(weights) == len(reference) and all(np.array_equal(a, b) for a, b in zip(weights, reference,
                                                                                      strict=False))
    return "same" if same else "silent"


def _isolated_outcome(fmt, path, reference) -> str:
    """:func:`_outcome` in a forked child, so that a crash or hang in a C library (libhdf5 segfaults, or loops,
    on some damaged files) is counted as ``'crash: ...'`` instead of ending or stalling the test run."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        import faulthandler

        faulthandler.disable()  # a crash here is an outcome to count, not a traceback for the log
        os.close(read_end)
        try:
            result = _outcome(fmt, path, reference)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as an outcome
            result = f"untyped: {type(exc).__name__}: {exc}"
        os.write(write_end, result.encode()[:4000])
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + 5.0  # RELIABILITY D3: no hang over 5 s (libhdf5 can loop on a damaged file)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(read_end)
            return "crash: hang over 5 s"
        time.sleep(0.002)
    with os.fdopen(read_end, "rb") as f:
        result = f.read().decode()
    return f"crash: signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else result


def _guarded(outcome: str, fmt, path) -> str:
    """A crash/hang outcome loaded again with ember.saving.h5_guard on: ``'contained'`` if it gives a clean
    ``ValueError`` naming the file and libhdf5, else the crash outcome unchanged."""
    if not outcome.startswith("crash"):
        return outcome
    saved = {k: os.environ.get(k) for k in ("EMBER_H5_ISOLATE", "EMBER_H5_TIMEOUT")}
    os.environ.update(EMBER_H5_ISOLATE="1", EMBER_H5_TIMEOUT="5")
    try:
        fmt.read(str(path))
    except ValueError as exc:
        if path.name in str(exc) and "libhdf5" in str(exc):
            return "contained"
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return outcome


class _NoIsolation:
    """``EMBER_H5_ISOLATE=0`` while a sweep runs (restored after)."""

    def __enter__(self):
        self.saved = os.environ.get("EMBER_H5_ISOLATE")
        os.environ["EMBER_H5_ISOLATE"] = "0"

    def __exit__(self, *exc):
        os.environ.pop("EMBER_H5_ISOLATE") if self.saved is None else os.environ.__setitem__("EMBER_H5_ISOLATE",
                                                                                             self.saved)


def _judge(fmt):
    """HDF5 files are parsed by libhdf5 (C): those sweeps run each load in a forked child."""
    if fmt.suffix.endswith(".h5"):
        return lambda fmt, path, reference: _guarded(_isolated_outcome(fmt, path, reference), fmt, path)
    return _outcome


def _good(name, tmp_path):
    fmt = FORMATS[name]
    path = tmp_path / f"good{fmt.suffix}"
    fmt.write(str(path))
    reference = fmt.read(str(path))
    return fmt, path.read_bytes(), reference.get_weights() if hasattr(reference, "get_weights") else reference


def sweep_d3(name, tmp_path) -> dict:
    """Truncation outcomes ``{outcome: [offsets]}``: every header byte plus 1,000 random offsets."""
    with _NoIsolation():
        return _sweep_d3(name, tmp_path)


def sweep_d4(name, tmp_path) -> tuple[dict, dict]:
    """Single-bit-flip outcomes ``({outcome: count}, {outcome: (byte, bit) example})``."""
    with _NoIsolation():
        return _sweep_d4(name, tmp_path)


def _sweep_d3(name, tmp_path) -> dict:
    fmt, data, reference = _good(name, tmp_path)
    rng = np.random.default_rng(0)
    offsets = set(range(min(HEADER, len(data)))) | set(range(max(len(data) - HEADER, 0), len(data)))
    offsets |= {int(o) for o in rng.integers(0, len(data), 1000)}
    bad = tmp_path / f"truncated{fmt.suffix}"
    outcomes: dict = {}
    for offset in sorted(offsets):
        bad.write_bytes(data[:offset])
        outcome = _judge(fmt)(fmt, bad, reference)
        outcomes.setdefault("crash" if outcome.startswith("crash") else outcome, []).append(offset)
    return outcomes


def _sweep_d4(name, tmp_path) -> tuple[dict, dict]:
    fmt, data, reference = _good(name, tmp_path)
    rng = np.random.default_rng(1)
    flips = (10_000 if fmt.own else 2_000) if FULL else 1_000  # the row's 10,000 for ember's own formats
    bad = tmp_path / f"flipped{fmt.suffix}"
    counts: dict[str, int] = {}
    examples: dict = {}
    for _ in range(flips):
        pos, bit = int(rng.integers(len(data))), int(rng.integers(8))
        mutated = bytearray(data)
        mutated[pos] ^= 1 << bit
        bad.write_bytes(bytes(mutated))
        outcome = _judge(fmt)(fmt, bad, reference)
        outcome = "crash" if outcome.startswith("crash") else outcome
        counts[outcome] = counts.get(outcome, 0) + 1
        examples.setdefault(outcome, (pos, bit))
    return counts, examples


def _run(row: str, name: str, tmp_path):
    """The sweep in this process, or, for HDF5 formats, in a small fresh one (its forks per load stay cheap)."""
    if not FORMATS[name].suffix.endswith(".h5"):
        return sweep_d3(name, tmp_path) if row == "D3" else sweep_d4(name, tmp_path)
    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.sweep_worker", row, name], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_d3_every_truncation_is_rejected_with_an_error_naming_the_file(name, tmp_path):
    outcomes = _run("D3", name, tmp_path)
    _report("D3", name, {k: len(v) for k, v in outcomes.items()}, sum(len(v) for v in outcomes.values()))
    # 'contained': libhdf5 crashed or hung in ember's reader process, reported as a ValueError naming the file
    assert set(outcomes) <= {"detected", "contained"}, {k: v[:5] for k, v in outcomes.items() if k != "detected"}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_d4_bit_flips_are_detected_or_harmless(name, tmp_path):
    fmt = FORMATS[name]
    counts, examples = _run("D4", name, tmp_path)
    _report("D4", name, counts, sum(counts.values()))
    assert counts.get("silent", 0) == 0 or not fmt.own, f"{name}: silent corruption {counts}, e.g. {examples}"
    # libhdf5 itself can crash or hang on a damaged foreign .h5 (no checksum to verify before it parses): ember's
    # reader process contains that ('contained'); an uncontained crash fails every format.
    allowed = {"detected", "same", "silent", "contained"}
    assert set(counts) <= allowed, (counts, examples)
