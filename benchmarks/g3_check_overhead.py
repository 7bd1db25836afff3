"""The cost of RELIABILITY.md G3's freed-input check in ``Function.apply``: ``python -m benchmarks.g3_check_overhead``.

In one process, ``Function.apply`` without the check (the code before G3, kept here) and with it
run interleaved: (1) ``Add.apply`` on two tensors that require grad, ``--op-rounds`` rounds of
100,000 calls; (2) the W1 eager training step, ``--rounds`` rounds of ``--steps`` steps.
Reported: medians over rounds (wall ns per op; process CPU ms per step). Set BENCH_THREADS=1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from benchmarks import bench_ember as B


def _apply_without_check():
    from ember.autograd import function as F
    from ember.autograd import grad_mode, tracing
    from ember.autograd.tensor import Tensor

    def apply(cls, *inputs, **kwargs):
        if F._AUTOCAST[0] is not None and cls is not F._AutoCast[0]:
            inputs = F._AutoCast[1](inputs, F._AUTOCAST[0])
        tracer = tracing._STATE["tracer"]
        if tracer is not None:
            return tracer.apply(cls, inputs, kwargs)
        ctx = cls()
        needs = tuple([t.requires_grad for t in inputs])
        record = True in needs and grad_mode._STATE["enabled"]
        ctx.needs_grad = needs
        out = ctx.forward(*[t.data for t in inputs], **kwargs)
        result = Tensor._wrap(out, record)
        if record:
            ctx.parents = inputs
            result._ctx = ctx
        return result

    return classmethod(apply)


def _interleaved(rounds: int, body, scale: float) -> dict:
    from ember.autograd import function as F

    variants = {"without": _apply_without_check(), "with": F.Function.__dict__["apply"]}
    times = {k: [] for k in variants}
    try:
        for r in range(rounds):
            for name in (("without", "with") if r % 2 == 0 else ("with", "without")):
                F.Function.apply = variants[name]
                t, c = time.perf_counter(), time.process_time()
                body()
                times[name].append(((time.perf_counter() - t), (time.process_time() - c)))
    finally:
        F.Function.apply = variants["with"]
    return {k: (statistics.median(w for w, _ in v) * scale, statistics.median(c for _, c in v) * scale)
            for k, v in times.items()}  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--op-rounds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=500)
    args = ap.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(int(os.environ.get("BENCH_THREADS", "1")))
    except ImportError:
        pass
    import numpy as np

    import ember
    from ember.autograd import Tensor
    from ember.ops.math import Add

    a, b = (Tensor(np.ones(4, "float32"), requires_grad=True) for _ in range(2))
    n = 100_000

    def ops_body():
        for _ in range(n):
            Add.apply(a, b)

    r = _interleaved(args.op_rounds, ops_body, 1e9 / n)
    print(f"Add.apply: without check {r['without'][0]:.0f} ns, with {r['with'][0]:.0f} ns "
          f"({r['with'][0] - r['without'][0]:+.0f} ns/op)")  # fmt: skip
    xs, ys = B._train_data("W1")
    X, Y = [ember.tensor(v) for v in xs], [ember.tensor(v) for v in ys]
    model, _ = B._build("W1", 0)
    loss_fn, opt = B._loss_and_optimizer("W1")
    step = B.eager_train_step(model, loss_fn, opt)
    for i in range(20):
        step(X[i % len(X)], Y[i % len(Y)])

    def step_body():
        for i in range(args.steps):
            step(X[i % len(X)], Y[i % len(Y)])

    r = _interleaved(args.rounds, step_body, 1e3 / args.steps)
    w, c = r["without"][1], r["with"][1]
    print(f"W1 eager step CPU: without check {w:.4f} ms, with {c:.4f} ms ({100 * (c - w) / w:+.2f} %)")


if __name__ == "__main__":
    main()
