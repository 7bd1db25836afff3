"""Each graph-mode optimisation pass's measured effect (issue 14): ``python -m benchmarks.graph_passes``.

In one process, for each training workload, the eager step and graph-mode steps (``graph``: the
default passes; ``graph-no-X``: a default pass turned off; ``graph-with-X``: a pass that is off by
default, ``buffers``, turned on) run interleaved for ``--rounds`` rounds of ``--steps`` steps;
reported per configuration: median over rounds of the mean step time (wall and this process's
CPU time, the latter less sensitive to other processes on a shared machine), nodes in the
replayed graph, and the machine's ``other_cpu_frac`` during the run. ``--configs`` limits the
configurations (e.g. ``eager graph graph-with-buffers``); ``--memory`` also reports each one's
``peak_kib``: the largest tracemalloc peak above the baseline over one step (after the timing), and
``buffers_kib``: the preallocated buffers the replay keeps between steps (not in ``peak_kib``).

Workload ``W2ops`` (not in ../shared/BENCHMARKS.md): W2's data and layer sizes (784 -> 256 -> 128 -> 10)
written as a user's custom layers would be, ``ops.matmul(x, w) + b`` then an activation (ReLU, then a
tanh-GELU written with elementwise ops), so the graph holds what the fusion passes rewrite (the W1-W5
models use ``Dense``/``Conv`` layers, which already record fused nodes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import tracemalloc

from benchmarks import bench_ember as B
from benchmarks import harness as H

_THREADS = int(os.environ.get("BENCH_THREADS", "2"))


_DEFAULTS: dict = {}  # each pass's default on/off, read before any configuration changes it


def _defaults() -> dict:
    from ember.graph import passes

    if not _DEFAULTS:
        _DEFAULTS.update({name: passes.is_enabled(name) for name in passes.PASSES})
    return _DEFAULTS


def _configs():
    """``graph`` runs the default passes; ``graph-no-X`` turns a default pass off, ``graph-with-X`` one that is
    off by default (``buffers``) on."""
    defaults = _defaults()
    return (["eager", "graph"] + [f"graph-no-{name}" for name, on in defaults.items() if on]
            + [f"graph-with-{name}" for name, on in defaults.items() if not on])  # fmt: skip


def _make_step(config, model, loss_fn, opt):
    from ember.graph import passes

    if config == "eager":
        return B.eager_train_step(model, loss_fn, opt), None
    off = config.removeprefix("graph-no-") if config.startswith("graph-no-") else None
    extra = config.removeprefix("graph-with-") if config.startswith("graph-with-") else None
    for name, on in _defaults().items():
        passes.set_enabled(name, (on and name != off) or name == extra)
    step = B.graph_train_step(model, loss_fn, opt)
    return step, off


def _peak_kib(step, X, Y, steps: int) -> float:
    """Largest tracemalloc peak above the start of a step, over ``steps`` steps (KiB)."""
    peak = 0
    tracemalloc.start()
    try:
        for i in range(steps):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            step(X[i % len(X)], Y[i % len(Y)])
            peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    return round(peak / 1024, 1)


def _ops_mlp():
    """W2's MLP written with ops: ``relu(x @ w1 + b1)``, ``gelu_tanh(h @ w2 + b2)``, ``h @ w3 + b3``."""
    import ember
    from ember import layers, ops

    class OpsDense(layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation = units, activation

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

        def call(self, x):
            z = ops.matmul(x, self.w) + self.b
            if self.activation == "relu":
                return ops.relu(z)
            if self.activation == "gelu":  # tanh approximation, as elementwise ops
                return 0.5 * z * (1.0 + ops.tanh(0.7978845608 * (z + 0.044715 * (z * z * z))))
            return z

    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([layers.Input((784,)), OpsDense(256, "relu"), OpsDense(128, "gelu"),
                                     OpsDense(10)])  # fmt: skip
    return model


def run(workload: str, rounds: int, steps: int, configs=None, memory: bool = False) -> list[dict]:
    import ember
    from ember.graph import passes

    xs, ys = B._train_data("W2" if workload == "W2ops" else workload)
    X, Y = [ember.tensor(a) for a in xs], [ember.tensor(a) for a in ys]
    model = _ops_mlp() if workload == "W2ops" else B._build(workload, 0)[0]
    loss_fn, opt = B._loss_and_optimizer(workload)
    steps_by = {}
    for config in configs or _configs():
        step, _ = _make_step(config, model, loss_fn, opt)
        for i in range(3):  # trace (graph configs) and warm up, with this configuration's passes
            step(X[i % len(X)], Y[i % len(Y)])
        steps_by[config] = step
    for name, on in _defaults().items():
        passes.set_enabled(name, on)
    wall = {c: [] for c in steps_by}
    cpu = {c: [] for c in steps_by}
    H.mark()
    for _ in range(rounds):
        for config, step in steps_by.items():
            t, c = time.perf_counter(), time.process_time()
            for i in range(steps):
                step(X[i % len(X)], Y[i % len(Y)])
            wall[config].append((time.perf_counter() - t) / steps * 1e3)
            cpu[config].append((time.process_time() - c) / steps * 1e3)
    load = H.contention()
    peaks = {c: _peak_kib(step, X, Y, 3) for c, step in steps_by.items()} if memory else {}
    out = []
    for config in steps_by:
        fn = getattr(getattr(steps_by[config], "__wrapped__", steps_by[config]), "__closure__", None)
        nodes = stats = held = None
        for cell in fn or ():
            f = cell.cell_contents
            if hasattr(f, "_cache") and f._cache:
                concrete = next(iter(f._cache.values()))
                nodes, stats = len(concrete.graph.nodes), concrete.pass_stats
                held = round(sum(b.nbytes for b in concrete.program.buffers) / 1024, 1)  # preallocated, kept
        out.append({"workload": workload, "config": config, "wall_ms": round(statistics.median(wall[config]), 3),
                    "cpu_ms": round(statistics.median(cpu[config]), 3), "nodes": nodes, "pass_stats": stats,
                    "threads": _THREADS, **load})  # fmt: skip
        if memory:
            out[-1].update(peak_kib=peaks[config], buffers_kib=held)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workload", nargs="*", default=["W1", "W2", "W3", "W4", "W5"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--configs", nargs="*", default=None, help="a subset of: eager graph graph-no-<pass>")
    ap.add_argument("--memory", action="store_true", help="also report each configuration's peak_kib per step")
    args = ap.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(_THREADS)
    except ImportError:
        pass
    for w in args.workload:
        for rec in run(w, args.rounds, args.steps, args.configs, args.memory):
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
