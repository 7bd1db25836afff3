"""The measurement rules of ../shared/BENCHMARKS.md, written for ember's side (stdlib + NumPy only).

Everything a peer's numbers depend on is fixed here exactly as the spec states it:
the workload constants, the synthetic data (``numpy.random.default_rng(0)``, 64 batches,
``standard_normal`` inputs, ``integers(0, 10)`` labels, channels-last), the timing loop
(20 untimed warm-up steps, then single steps until >= 200 steps and >= 2 s, or >= 10 s),
the contention counters and the JSON-line fields. ``runner.check_peer_harness`` compares
these constants and the data bytes with the peers' ``_common.py`` before every run, so the
two cannot drift apart silently.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

WARMUP_STEPS = 20
MIN_STEPS = 200  # stop once >= MIN_STEPS steps AND >= MIN_TIME_S, or at MAX_TIME_S (>= FLOOR_STEPS)
MIN_TIME_S = 2.0
MAX_TIME_S = 10.0
FLOOR_STEPS = 10
POOL = 64
SEED = 0

TRAIN_WORKLOADS = ["W1", "W2", "W3", "W4", "W5"]
INFER_WORKLOADS = ["W6_mlp_b1", "W6_mlp_b256", "W6_cnn_b1", "W6_cnn_b256"]
E2E_WORKLOADS = ["W7_mlp", "W7_cnn"]
ALL_WORKLOADS = ["W0"] + TRAIN_WORKLOADS + INFER_WORKLOADS + E2E_WORKLOADS + ["import"]
GROUPS = {"W6": INFER_WORKLOADS, "W7": E2E_WORKLOADS, "train": TRAIN_WORKLOADS, "all": ALL_WORKLOADS}
BATCH = {"W1": 4, "W2": 128, "W3": 64, "W4": 100, "W5": 32, "W6_mlp_b1": 1, "W6_mlp_b256": 256,
         "W6_cnn_b1": 1, "W6_cnn_b256": 256, "W7_mlp": 100, "W7_cnn": 100}  # fmt: skip

SGEMM_N = 1024
W5_SEQ, W5_D, W5_HEADS, W5_FF, W5_LAYERS = 64, 128, 4, 512, 2
W4_SEQ, W4_HIDDEN = 40, 128
W7_STEPS = 6000
W7_LR = 1e-3
LR = 1e-3
ADAM_EPS = 1e-7
LN_EPS = 1e-5
XOR_LR = 0.5

# Names compared with the peers' _common.py before a run (runner.check_peer_harness).
SHARED_CONSTANTS = ["WARMUP_STEPS", "MIN_STEPS", "MIN_TIME_S", "MAX_TIME_S", "FLOOR_STEPS", "POOL", "SEED",
                    "BATCH", "SGEMM_N", "W5_SEQ", "W5_D", "W5_HEADS", "W5_FF", "W5_LAYERS", "W4_SEQ",
                    "W4_HIDDEN", "W7_STEPS", "W7_LR", "LR", "ADAM_EPS", "LN_EPS", "XOR_LR"]  # fmt: skip


# ---------------------------------------------------------------- data
def xor_data():
    """The 4 XOR rows ``(4, 2)`` and targets ``(4, 1)``, float32."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return x, y


def synthetic_pool(workload: str, pool: int = POOL, seed: int = SEED):
    """``(xs, ys)``: float32 ``(pool, B, ...)`` channels-last inputs and int32 ``(pool, B)`` labels."""
    rng = np.random.default_rng(seed)
    base = workload.split("_")[0]
    if base == "W6":
        base = "W2" if workload.split("_")[1] == "mlp" else "W3"
    b = BATCH[workload]
    feat = {"W2": (784,), "W3": (28, 28, 1), "W4": (W4_SEQ, 1), "W5": (W5_SEQ, W5_D)}[base]
    xs = rng.standard_normal((pool, b) + feat, dtype=np.float32)
    ys = rng.integers(0, 10, size=(pool, b)).astype(np.int32)
    return xs, ys


@functools.lru_cache(maxsize=1)
def mnist1d_data():
    """MNIST-1D with the paper's defaults: ``(x_train, y_train, x_test, y_test)``, 4000/1000 x 40 (once per process)."""
    import mnist1d.data

    d = mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())
    return (d["x"].astype(np.float32), d["y"].astype(np.int32),
            d["x_test"].astype(np.float32), d["y_test"].astype(np.int32))  # fmt: skip


def w7_batch_indices(n_train: int, batch: int, steps: int, seed: int) -> np.ndarray:
    """Epoch-wise shuffled minibatch indices ``(steps, batch)``, the same for every framework."""
    rng = np.random.default_rng(seed)
    per_epoch = n_train // batch
    out = []
    while len(out) < steps:
        perm = rng.permutation(n_train)
        for i in range(per_epoch):
            out.append(perm[i * batch : (i + 1) * batch])
            if len(out) == steps:
                break
    return np.stack(out).astype(np.int64)


# ---------------------------------------------------------------- timing
def time_steps(step, warmup: int = WARMUP_STEPS, quick: bool = False, smoke: bool = False):
    """Run ``warmup`` untimed steps, then time single steps until the stop rule holds.

    Returns ``(per-step seconds, warm-up seconds, first-step seconds)``. ``quick``
    shortens the windows as the peers' ``--quick`` does; ``smoke`` runs 1 + 1 steps.
    """
    min_steps, min_time, max_time, floor = MIN_STEPS, MIN_TIME_S, MAX_TIME_S, FLOOR_STEPS
    if quick:
        min_steps, min_time, max_time = 30, 0.3, 2.0
    if smoke:
        warmup, min_steps, min_time, max_time, floor = min(warmup, 1), 1, 0.0, 0.0, 1
    t0 = time.perf_counter()
    first = None
    for i in range(warmup):
        step(i)
        if i == 0:
            first = time.perf_counter() - t0
    warm = time.perf_counter() - t0
    times = []
    start = time.perf_counter()
    i = warmup
    while True:
        a = time.perf_counter()
        step(i)
        b = time.perf_counter()
        times.append(b - a)
        i += 1
        elapsed = b - start
        if (len(times) >= min_steps and elapsed >= min_time) or (elapsed >= max_time and len(times) >= floor):
            return times, warm, first


def pct(xs, q: float) -> float:
    """Linear-interpolated ``q`` quantile of ``xs``."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize_runs(runs: list[dict], batch: int | None) -> dict:
    """The timing fields of a JSON line from runs of ``{'times', 'warm', 'first'}``."""
    meds = [statistics.median(r["times"]) * 1e3 for r in runs]
    med = statistics.median(meds)
    allt = [t for r in runs for t in r["times"]]
    out = {
        "median_ms": round(med, 4),
        "repeat_median_ms": [round(m, 4) for m in meds],
        "spread_ms": [round(min(meds), 4), round(max(meds), 4)],
        "step_p10_ms": round(pct(allt, 0.10) * 1e3, 4),
        "step_p90_ms": round(pct(allt, 0.90) * 1e3, 4),
        "steps_timed": [len(r["times"]) for r in runs],
        "warmup_s": [round(r.get("warm", float("nan")), 3) for r in runs],
        "first_step_s": [round(r["first"], 3) if r.get("first") is not None else None for r in runs],
    }
    if batch:
        out["samples_per_s"] = round(batch / (med / 1e3), 1)
    return out


def sgemm_gflops(matmul_once, n: int = SGEMM_N, iters: int = 50, repeat: int = 3) -> dict:
    """W0: 5 untimed calls, then ``repeat`` x ``iters`` timed ones; GFLOP/s = 2 n^3 / median."""
    for _ in range(5):
        matmul_once()
    runs = []
    for _ in range(repeat):
        ts = []
        for _ in range(iters):
            t = time.perf_counter()
            matmul_once()
            ts.append(time.perf_counter() - t)
        runs.append(ts)
    meds = [statistics.median(r) for r in runs]
    g = [2 * n**3 / m / 1e9 for m in meds]
    return {"gflops": round(statistics.median(g), 1), "repeat_gflops": [round(x, 1) for x in g],
            "median_ms": round(statistics.median(meds) * 1e3, 4),
            "best_gflops": round(2 * n**3 / min(min(r) for r in runs) / 1e9, 1)}  # fmt: skip


def import_time(stmts: dict, n: int = 5) -> dict:
    """Median wall time of ``python -c STMT`` in fresh interpreters, with a ``pass`` baseline."""

    def run(stmt):
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
            ts.append(time.perf_counter() - t)
        return ts

    base = statistics.median(run("pass"))
    res = {"baseline_python_s": round(base, 3)}
    for name, stmt in stmts.items():
        ts = run(stmt)
        res[name] = {"median_s": round(statistics.median(ts), 3), "spread_s": [round(min(ts), 3), round(max(ts), 3)],
                     "minus_baseline_s": round(statistics.median(ts) - base, 3)}  # fmt: skip
    return res


# ---------------------------------------------------------------- contention and output
_MARK = None


def _cpu_snapshot():
    """(wall, busy jiffies of the machine, steal jiffies, own CPU seconds incl. children)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq
        steal = v[7] if len(v) > 7 else 0
    except OSError:
        busy = steal = 0
    ru, ruc = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own = ru.ru_utime + ru.ru_stime + ruc.ru_utime + ruc.ru_stime
    return time.perf_counter(), busy, steal, own


def mark() -> None:
    """Start of a workload: remember the CPU counters for :func:`contention`."""
    global _MARK
    _MARK = _cpu_snapshot()


def contention() -> dict:
    """Shares of the machine's CPU used by other processes, by steal, and by this process since :func:`mark`."""
    if _MARK is None:
        return {}
    t1, b1, s1, o1 = _cpu_snapshot()
    t0, b0, s0, o0 = _MARK
    hz = os.sysconf("SC_CLK_TCK")
    cap = max(1e-9, (t1 - t0) * (os.cpu_count() or 1))
    other = ((b1 - b0) / hz - (o1 - o0)) / cap
    return {"other_cpu_frac": round(max(0.0, other), 3), "steal_frac": round((s1 - s0) / hz / cap, 3),
            "own_cpu_frac": round((o1 - o0) / cap, 3)}  # fmt: skip


def emit(framework: str, version: str, variant: str, workload: str, payload: dict, extra: dict | None = None) -> dict:
    """Print one JSON line (the fields of BENCHMARKS.md) and return it."""
    rec = {"framework": framework, "version": version, "variant": variant, "workload": workload,
           "batch": BATCH.get(workload)}  # fmt: skip
    rec.update(payload)
    rec.update(contention())
    rec["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    rec["python"] = platform.python_version()
    rec["time"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    if extra:
        rec.update(extra)
    print(json.dumps(rec), flush=True)
    return rec


def blas_info() -> list[dict]:
    """threadpoolctl's view of the loaded BLAS (kernel, version, threads), if installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"error": "threadpoolctl not installed"}]
    keys = ("internal_api", "version", "architecture", "num_threads")
    return [{k: d.get(k) for k in keys} for d in threadpool_info()]


def parse_args(framework: str, variants: list[str], default_variant: str, argv=None):
    """The peers' command line (``--workload``, ``--variant``, ``--repeat``, ``--quick``, W7 options) + ``--smoke``."""
    p = argparse.ArgumentParser(description=f"benchmark: {framework}")
    p.add_argument(
        "--workload", "-w", nargs="+", default=["all"], help="W0 W1..W5 W6 W6_mlp_b1 ... W7 import train all"
    )
    p.add_argument("--variant", "-v", default=default_variant, help=f"one of {variants} or 'all'")
    p.add_argument("--repeat", "-r", type=int, default=3, help="timed repetitions in this process")
    p.add_argument("--quick", action="store_true", help="short timing windows")
    p.add_argument("--smoke", action="store_true", help="a few steps each (CI); numbers mean nothing")
    p.add_argument("--w7-steps", type=int, default=W7_STEPS)
    p.add_argument("--w7-lr", type=float, default=W7_LR)
    p.add_argument("--seed", type=int, default=SEED)
    a = p.parse_args(argv)
    wl = []
    for w in a.workload:
        for x in GROUPS.get(w, [w]):
            if x not in ALL_WORKLOADS:
                p.error(f"unknown workload {x}")
            if x not in wl:
                wl.append(x)
    a.workloads = wl
    a.variants = list(variants) if a.variant == "all" else a.variant.split(",")
    for v in a.variants:
        if v not in variants:
            p.error(f"unknown variant {v}; choose from {variants}")
    return a
