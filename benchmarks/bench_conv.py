"""Convolution and pooling speed against PyTorch on the W3 shapes (BENCHMARKS.md).

Cases (channels-last in ember, NCHW in torch, transposed once before timing):
  conv1  input [64, 28, 28, 1],  Conv2D 32 3x3 'valid', forward + backward (kernel grad: the input is data)
  conv2  input [64, 13, 13, 32], Conv2D 64 3x3 'valid', forward + backward (input and kernel grads)
  pool1  input [64, 26, 26, 32], MaxPool 2x2, forward + backward
  pool2  input [64, 11, 11, 64], MaxPool 2x2, forward + backward
Rounds are interleaved (ember, torch, ember, torch, ...); the median ms per call, the best call, the
ratios ember/torch and the machine's load average are printed (ratios taken under load are suspect).
Threads: 2 (``BENCH_THREADS``). Run: ``python benchmarks/bench_conv.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np
import torch

import ember
from ember import ops

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)


def _time(fn, repeats: int) -> list[float]:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def _conv_case(shape, filters, input_grad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((3, 3, shape[-1], filters)) * 0.1).astype(np.float32)
    ex, ew = ember.tensor(x, requires_grad=input_grad), ember.tensor(w, requires_grad=True)
    tx = torch.tensor(x).permute(0, 3, 1, 2).contiguous().requires_grad_(input_grad)
    tw = torch.tensor(w).permute(3, 2, 0, 1).contiguous().requires_grad_(True)

    def run_ember():
        ew.grad = ex.grad = None
        ops.conv(ex, ew).sum().backward()

    def run_torch():
        tw.grad = tx.grad = None
        torch.nn.functional.conv2d(tx, tw).sum().backward()

    return run_ember, run_torch


def _pool_case(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x).permute(0, 3, 1, 2).contiguous().requires_grad_(True)

    def run_ember():
        ex.grad = None
        ops.max_pool(ex, 2).sum().backward()

    def run_torch():
        tx.grad = None
        torch.nn.functional.max_pool2d(tx, 2).sum().backward()

    return run_ember, run_torch


def main(rounds: int = 5, repeats: int = 20) -> list[dict]:
    cases = {
        "conv1 [64,28,28,1] -> 32 3x3 fwd+bwd (kernel grad)": _conv_case((64, 28, 28, 1), 32, False),
        "conv2 [64,13,13,32] -> 64 3x3 fwd+bwd (input+kernel grads)": _conv_case((64, 13, 13, 32), 64, True),
        "maxpool1 [64,26,26,32] 2x2 fwd+bwd": _pool_case((64, 26, 26, 32)),
        "maxpool2 [64,11,11,64] 2x2 fwd+bwd": _pool_case((64, 11, 11, 64)),
    }
    results = []
    for name, (run_ember, run_torch) in cases.items():
        e, t = [], []
        for _ in range(rounds):
            e.append(_time(run_ember, repeats))
            t.append(_time(run_torch, repeats))
        # median of the per-round medians (BENCHMARKS.md), plus the best single call: on a shared
        # machine the minimum is the figure least disturbed by other processes.
        row = {
            "case": name,
            "ember_ms": statistics.median(statistics.median(r) for r in e),
            "torch_ms": statistics.median(statistics.median(r) for r in t),
        }
        row["ratio"] = row["ember_ms"] / row["torch_ms"]
        row["ember_min_ms"], row["torch_min_ms"] = min(map(min, e)), min(map(min, t))
        row["min_ratio"] = row["ember_min_ms"] / row["torch_min_ms"]
        row["load_avg_1min"] = os.getloadavg()[0]
        results.append(row)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    return results


if __name__ == "__main__":
    main()
