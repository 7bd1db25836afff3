#!/usr/bin/env bash
# The GPU checks of the CuPy backend, as one script for a lent GPU machine (device tool `run`):
# the CuPy-parametrised op and backend tests, then tools/gpu_smoke.py (training parity and step times).
# Logs go to $OUT (or ./gpu_out) so they come back.
set -uo pipefail
out="${OUT:-gpu_out}"; mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/gpu.txt"
python3 -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__)" \
    2>&1 | tee -a "$out/gpu.txt"
timeout 360 python3 -m pytest -q -p no:cacheprovider -o addopts="" -W error -k "cupy or gpu" --maxfail=100 \
    tests/ops tests/backend 2>&1 | tee "$out/pytest_cupy.log" | tail -60
timeout 150 python3 tools/gpu_smoke.py 2>&1 | tee "$out/smoke.log"
