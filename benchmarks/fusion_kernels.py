"""The graph-mode fusion passes on large arrays, where allocation and memory traffic show:
``python -m benchmarks.fusion_kernels [--rows 512] [--rounds 7] [--steps 10]``.

Two traced training steps (forward, backward), each replayed with its fusion pass on and off,
interleaved for ``--rounds`` rounds; reported per configuration: median over rounds of the mean
step time (wall and this process's CPU time), and the replayed graph's node count.

- ``bias_act``: ``tanh(x @ w + b)`` with x ``(rows, 784)``, w ``(784, 1024)`` (pass ``bias_act_fusion``);
- ``gelu_chain``: the tanh-GELU of ``z`` ``(rows, 1024)`` written with elementwise ops (pass ``elementwise_fusion``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def _steps(rows):
    import ember
    from ember import ops

    rng = np.random.default_rng(0)
    w = ember.Variable(rng.standard_normal((784, 1024)).astype("float32") * 0.03)
    b = ember.Variable(np.zeros(1024, "float32"))
    x = ember.tensor(rng.standard_normal((rows, 784)).astype("float32"))
    z = ember.tensor(rng.standard_normal((rows, 1024)).astype("float32"), requires_grad=True)

    def bias_act(t):
        loss = ops.tanh(ops.matmul(t, w) + b).mean()
        loss.backward()
        grads = [w.grad, b.grad]
        w.grad = b.grad = None
        return loss, grads

    def gelu_chain(t):
        loss = (0.5 * t * (1.0 + ops.tanh(0.7978845608 * (t + 0.044715 * (t * t * t))))).mean()
        loss.backward()
        g = t.grad
        t.grad = None
        return loss, g

    return {"bias_act": (bias_act, x, "bias_act_fusion"), "gelu_chain": (gelu_chain, z, "elementwise_fusion")}


def main(argv=None) -> None:
    import ember
    from ember.graph import passes

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    fns = {}
    for name, (fn, arg, pass_name) in _steps(args.rows).items():
        for on in (True, False):
            passes.set_enabled(pass_name, on)
            f = ember.function(fn)
            f(arg), f(arg)  # trace, warm up
            fns[(name, on)] = (f, arg)
        passes.set_enabled(pass_name, True)
    wall = {k: [] for k in fns}
    cpu = {k: [] for k in fns}
    for _ in range(args.rounds):
        for key, (f, arg) in fns.items():
            t, c = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                f(arg)
            wall[key].append((time.perf_counter() - t) / args.steps * 1e3)
            cpu[key].append((time.process_time() - c) / args.steps * 1e3)
    for (name, on), (f, _) in fns.items():
        nodes = len(next(iter(f._cache.values())).graph.nodes)
        rec = {"step": name, "fusion": on, "rows": args.rows, "wall_ms": round(statistics.median(wall[(name, on)]), 3),
               "cpu_ms": round(statistics.median(cpu[(name, on)]), 3), "nodes": nodes}  # fmt: skip
        print(json.dumps(rec), flush=True)

if __name__ == "__main__":
    main()
