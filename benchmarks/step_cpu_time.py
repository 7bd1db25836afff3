"""Process CPU time per eager step of one workload (less sensitive than wall time to other jobs on the machine).

Usage: ``BENCH_THREADS=1 PYTHONPATH=. python -m benchmarks.step_cpu_time W5 [--steps 5] [--profile]``
(W3, W5: a training step as ``bench_ember``'s eager variant; W6_cnn_b1 / W6_cnn_b256 / W6_mlp_*: one forward
under ``no_grad``). Prints the 5 timings (ms, sorted; each the mean over ``--steps`` steps), or with
``--profile`` the cProfile table of ``--steps`` steps. Used for the before/after rows of issue 14's
kernel work in RESULTS.md (two checkouts run alternately).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time


def _step(workload: str):
    import ember
    from benchmarks import bench_ember as B
    from benchmarks import harness as H

    xs, ys = H.synthetic_pool(workload, pool=4)
    model, _ = B._build(workload, 0)
    X = [ember.tensor(a) for a in xs]
    if workload.startswith("W6"):

        def step(i):
            with ember.no_grad():
                model(X[i % len(X)], training=False)

        return step
    loss_fn, optimizer = B._loss_and_optimizer(workload)
    Y = [ember.tensor(a) for a in ys]
    train = B.eager_train_step(model, loss_fn, optimizer)
    return lambda i: train(X[i % len(X)], Y[i % len(Y)])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("BENCH_THREADS", "1"))
    step = _step(args.workload)
    for i in range(5):  # warm-up
        step(i)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(args.steps):
            step(i)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return
    times = []
    for _ in range(5):
        t0 = time.process_time()
        for i in range(args.steps):
            step(i)
        times.append((time.process_time() - t0) / args.steps * 1e3)
    print(args.workload, "cpu ms/step", " ".join(f"{t:.3f}" for t in sorted(times)))


if __name__ == "__main__":
    main()
