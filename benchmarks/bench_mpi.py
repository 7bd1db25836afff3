"""Data-parallel scaling of W2 and W3 over MPI, with the step split into compute and communication.

Weak scaling as Horovod reports it: each rank keeps the workload's batch (W2 128,
W3 64; BENCHMARKS.md), so N ranks train on N times the samples per step. Each timed
step is split into ``compute`` (forward, loss, backward), ``wait`` (a barrier: time
a rank idles because the other is slower, load imbalance), ``allreduce`` (the fused
gradient average of ember.distributed, on the wire) and ``update`` (the optimizer).
With 2 ranks it also runs an OSU-style micro-benchmark: ping-pong latency and
bandwidth between ranks 0 and 1, and allreduce times per message size. The launcher
(default mode) runs 1 rank, 2 ranks, and 2 ranks over TCP (``--mca btl tcp,self``),
prints the tables and the ring-allreduce cost model of docs/distributed.md.

Usage:
    python -m benchmarks.bench_mpi                  # launches the runs itself (needs mpirun)
    mpirun -n 2 python -m benchmarks.bench_mpi --worker   # one run, JSON lines on stdout
One BLAS thread per rank (OMP/OPENBLAS_NUM_THREADS=1), so 2 ranks use the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = {"W2": 128, "W3": 64}
PARAMS = {"W2": 235_146, "W3": 225_034, "MobileNetV2": 3_504_872}
# Training FLOPs per sample (forward multiply-adds x 2 x 3 for forward + backward):
# W2 784*256 + 256*128 + 128*10 MACs; W3 26*26*32*9 + 11*11*64*9*32 + 1600*128 + 128*10 MACs;
# MobileNetV2 (224x224, width 1.0) 300 M MACs (Sandler et al. 2018, Table 4), per-worker batch 32.
FLOP_PER_SAMPLE = {"W2": 6 * 234_752, "W3": 6 * 2_631_040, "MobileNetV2": 6 * 300e6}
MOBILENET_BATCH = 32


def _step_parts(model, optimizer, loss_fn, x, y, dist):
    from ember.distributed import average_gradients

    t0 = time.perf_counter()
    loss = loss_fn(y, model(x, training=True))
    loss.backward()
    t1 = time.perf_counter()
    dist.barrier()
    t2 = time.perf_counter()
    variables = model.trainable_weights
    grads = average_gradients([v.grad for v in variables])
    t3 = time.perf_counter()
    optimizer.apply(grads, variables)
    for v in variables:
        v.grad = None
    t4 = time.perf_counter()
    return {"compute": t1 - t0, "wait": t2 - t1, "allreduce": t3 - t2, "update": t4 - t3}


def workload(name: str, steps: int) -> dict:
    import ember
    import ember.distributed as dist
    from benchmarks import harness as H
    from benchmarks.models import BUILDERS

    ember.utils.set_random_seed(0)
    model, _ = BUILDERS[name]()
    xs, ys = H.synthetic_pool(name)
    model(ember.tensor(xs[0][:1]))
    optimizer = ember.optimizers.Adam(1e-3, epsilon=1e-7)
    dist.broadcast_variables(model.weights)
    loss_fn = ember.losses.SparseCategoricalCrossentropy(from_logits=True)
    parts = []
    H.mark()
    for i in range(10 + steps):
        j = (i * dist.size() + dist.rank()) % len(xs)
        p = _step_parts(model, optimizer, loss_fn, ember.tensor(xs[j]), ember.tensor(ys[j]), dist)
        if i >= 10:
            parts.append(p)
    load = H.contention()
    own = dist.allgather(np.array([load.get("own_cpu_frac", 0.0)]))[:, 0]
    # CPU share taken by processes outside this job (the harness counts the other ranks as "other")
    outside = round(max(0.0, load.get("other_cpu_frac", 0.0) - float(own.sum() - own[dist.rank()])), 3)
    med = {k: statistics.median(p[k] for p in parts) * 1e3 for k in parts[0]}
    step = statistics.median(sum(p.values()) for p in parts) * 1e3
    return {"workload": name, "ranks": dist.size(), "batch_per_rank": BATCH[name], "step_ms": step,
            "samples_per_s": BATCH[name] * dist.size() / step * 1e3, **{f"{k}_ms": v for k, v in med.items()},
            "outside_cpu_frac": outside}


def micro() -> dict:
    """Ping-pong half round trip (ranks 0 and 1) and allreduce time per size: min and median in microseconds.

    The minimum is what the transport can do; the median shows the contention of a shared machine.
    """
    from mpi4py import MPI

    import ember.distributed as dist

    comm, rank = MPI.COMM_WORLD, dist.rank()
    out = {"pingpong_us": {}, "allreduce_us": {}}
    for nbytes in (8, 8, 1024, 65536, 1 << 20, 16 << 20):  # 8 B twice: the first round warms the connection up
        buf = np.zeros(nbytes, dtype=np.uint8)
        times = []
        for _ in range(100 if nbytes <= 65536 else 15):
            comm.Barrier()
            t = time.perf_counter()
            if rank == 0:
                comm.Send(buf, dest=1)
                comm.Recv(buf, source=1)
            elif rank == 1:
                comm.Recv(buf, source=0)
                comm.Send(buf, dest=0)
            times.append((time.perf_counter() - t) / 2 * 1e6)
        out["pingpong_us"][nbytes] = [min(times), statistics.median(times)]
        arr = np.zeros(max(nbytes // 4, 1), dtype=np.float32)
        times = []
        for _ in range(50 if nbytes <= 65536 else 15):
            dist.barrier()
            t = time.perf_counter()
            dist.average_gradients([arr])
            times.append((time.perf_counter() - t) * 1e6)
        out["allreduce_us"][nbytes] = [min(times), statistics.median(times)]
    return out


def worker(steps: int) -> None:
    import ember.distributed as dist

    dist.init()
    rows = [workload(name, steps) for name in BATCH]
    if dist.size() == 2:
        rows.append({"micro": micro()})
    if dist.rank() == 0:
        for row in rows:
            print(json.dumps(row), flush=True)


def _launch(n: int, tcp: bool, steps: int) -> list[dict]:
    here = os.path.dirname(sys.executable)
    mpirun = os.path.join(here, "mpirun") if os.path.exists(os.path.join(here, "mpirun")) else "mpirun"
    cmd = [mpirun, "-n", str(n), "--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    cmd += ["--mca", "btl", "tcp,self"] if tcp else []
    cmd += ["-x", "OMP_NUM_THREADS=1", "-x", "OPENBLAS_NUM_THREADS=1", "-x", "PYTHONPATH",
            sys.executable, "-m", "benchmarks.bench_mpi", "--worker", "--steps", str(steps)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def ring_allreduce_s(n: int, nbytes: float, alpha: float, beta: float) -> float:
    """Ring allreduce: ``2(N-1)`` steps of latency ``alpha`` moving ``2(N-1)/N * M`` bytes at ``beta`` B/s."""
    return 0.0 if n == 1 else 2 * (n - 1) * alpha + 2 * (n - 1) / n * nbytes / beta


def report(runs: dict) -> None:
    print("| run | workload | step ms | compute | wait | allreduce | update | samples/s | speed-up | outside CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = {r["workload"]: r for r in runs["1 rank"] if "workload" in r}
    for label, rows in runs.items():
        for r in rows:
            if "workload" in r:
                speed = r["samples_per_s"] / base[r["workload"]]["samples_per_s"]
                print(f"| {label} | {r['workload']} | {r['step_ms']:.1f} | {r['compute_ms']:.1f} "
                      f"| {r['wait_ms']:.1f} | {r['allreduce_ms']:.2f} | {r['update_ms']:.1f} "
                      f"| {r['samples_per_s']:.0f} | {speed:.2f}x | {r['outside_cpu_frac']:.0%} |")
    for label in ("2 ranks", "2 ranks TCP"):
        mic = next(r["micro"] for r in runs[label] if "micro" in r)
        for kind in ("pingpong_us", "allreduce_us"):
            cells = ", ".join(f"{int(k)} B {v[0]:.1f} ({v[1]:.1f})" for k, v in mic[kind].items())
            print(f"{label}: {kind[:-3]} min (median) us: {cells}")
    mic = next(r["micro"] for r in runs["2 ranks TCP"] if "micro" in r)
    alpha = mic["pingpong_us"]["8"][0] * 1e-6  # minimum: what the transport does when both ranks are running
    beta = (16 << 20) / (mic["pingpong_us"][str(16 << 20)][0] * 1e-6)
    rate = statistics.median(FLOP_PER_SAMPLE[w] * BATCH[w] / ((base[w]["compute_ms"] + base[w]["update_ms"]) / 1e3)
                             for w in BATCH)  # fmt: skip
    print(f"\nCost model (TCP here): alpha = {alpha * 1e6:.1f} us, beta = {beta / 1e9:.2f} GB/s; "
          f"ember compute rate {rate / 1e9:.1f} GFLOP/s per rank (median of W2, W3)")  # fmt: skip
    print("| workload | params | compute ms | allreduce ms at N=2 / 8 / 64 / 256 | efficiency N=2 / 8 / 64 / 256 |")
    print("|---|---|---|---|---|")
    for w in ("W2", "W3", "MobileNetV2"):
        comp = (base[w]["compute_ms"] + base[w]["update_ms"]) / 1e3 if w in base else \
            FLOP_PER_SAMPLE[w] * MOBILENET_BATCH / rate  # fmt: skip
        ts = [ring_allreduce_s(n, 4 * PARAMS[w], alpha, beta) for n in (2, 8, 64, 256)]
        eff = [comp / (comp + t) for t in ts]
        print(f"| {w} | {PARAMS[w]:,} | {comp * 1e3:.1f} | " + " / ".join(f"{t * 1e3:.2f}" for t in ts) + " | "
              + " / ".join(f"{e:.0%}" for e in eff) + " |")  # fmt: skip
    for label in ("2 ranks", "2 ranks TCP"):
        for r in runs[label]:
            if "workload" in r:
                model_ms = ring_allreduce_s(2, 4 * PARAMS[r["workload"]], alpha, beta) * 1e3
                pred = r["compute_ms"] + r["update_ms"] + model_ms
                print(f"check {label} {r['workload']}: allreduce predicted {model_ms:.2f} ms, measured "
                      f"{r['allreduce_ms']:.2f} ms; step predicted {pred:.1f} ms (this run's compute + update + "
                      f"model), measured {r['step_ms']:.1f} ms of which {r['wait_ms']:.1f} ms waiting for the "
                      "slower rank")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="run one measurement (under mpirun)")
    parser.add_argument("--steps", type=int, default=40, help="timed steps per workload")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.steps)
        return
    runs = {"1 rank": _launch(1, False, args.steps), "2 ranks": _launch(2, False, args.steps),
            "2 ranks TCP": _launch(2, True, args.steps)}  # fmt: skip
    runs = json.loads(json.dumps(runs))  # int keys of the micro-benchmark become strings, as in saved JSON
    print(json.dumps(runs))
    report(runs)


if __name__ == "__main__":
    main()
