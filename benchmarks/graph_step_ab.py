"""CPU time of one graph-mode training step under several commits, interleaved: ``python -m benchmarks.graph_step_ab``.

Each ``--commits`` entry is exported (``git archive COMMIT ember benchmarks``) to a temporary
directory; then ``--processes`` rounds each start one fresh interpreter per commit (alternating,
``PYTHONPATH`` = that export, working directory outside the repository so the checkout is not
imported) that warms up and reports its best of 5 windows of ``--steps`` steps of process CPU
time (1 BLAS thread). Printed per commit: min and median over processes, ms per step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

_CHILD = r"""
import sys, time, ember
from threadpoolctl import threadpool_limits
threadpool_limits(1)
from benchmarks import bench_ember as B
w, steps = sys.argv[1], int(sys.argv[2])
xs, ys = B._train_data(w)
X, Y = ember.tensor(xs[0]), ember.tensor(ys[0])
model, _ = B._build(w, 0)
loss_fn, opt = B._loss_and_optimizer(w)
step = B.graph_train_step(model, loss_fn, opt)
for _ in range(20):
    step(X, Y)
best = []
for _ in range(5):
    c = time.process_time()
    for _ in range(steps):
        step(X, Y)
    best.append((time.process_time() - c) / steps * 1e3)
print(min(best))
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--commits", nargs="+", default=["HEAD"])
    ap.add_argument("--workload", default="W1")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=5)
    args = ap.parse_args(argv)
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for c in args.commits:
            paths[c] = os.path.join(tmp, c.replace("/", "_"))
            os.makedirs(paths[c])
            archive = subprocess.run(["git", "-C", root, "archive", c, "ember", "benchmarks"], capture_output=True,
                                     check=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", paths[c]], input=archive, check=True)
        res = {c: [] for c in paths}
        for _ in range(args.processes):
            for c, p in paths.items():
                out = subprocess.run([sys.executable, "-c", _CHILD, args.workload, str(args.steps)], cwd=tmp,
                                     env={**os.environ, "PYTHONPATH": p}, capture_output=True, text=True, check=True)
                res[c].append(float(out.stdout))
    for c, v in res.items():
        print(f"{args.workload} {c}: min {min(v):.4f} median {statistics.median(v):.4f} ms/step CPU")


if __name__ == "__main__":
    main()
