"""W6 inference exported to ONNX: onnxruntime next to ember (predict and a plain call) and PyTorch, one process.

    PYTHONPATH=. python -m benchmarks.bench_onnx [--rounds 3] [--threads 2]

The W2 MLP and the W3 CNN of benchmarks/models.py (fresh Keras-default weights), batches 1 and 256
(``W6_mlp_b1`` ... ``W6_cnn_b256``, inputs from ``harness.synthetic_pool``). Each model is exported with
``ember.interop.onnx.export`` and run by onnxruntime (CPU provider, ``intra_op_num_threads = threads``); the same
weights are copied into a PyTorch model (``eval()`` + ``inference_mode``). The outputs are checked against ember's
first. Configurations are interleaved round by round; a cell is the median over rounds of each round's median
time per call (ms), ``[min-max]`` over rounds; ratios are against onnxruntime, from the medians and (less sensitive
to other processes on a shared machine) from the best rounds. Prints a Markdown table and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from benchmarks import harness as H
from benchmarks import models as M

CASES = ["W6_mlp_b1", "W6_mlp_b256", "W6_cnn_b1", "W6_cnn_b256"]
APIS = ["onnxruntime", "ember predict", "ember model(x)", "torch eager"]


def _torch_model(kind, model):
    import torch
    from torch import nn

    w = [np.asarray(v.numpy()) for v in model.weights]
    if kind == "mlp":
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        linears = [net[0], net[2], net[4]]
        for k, lin in enumerate(linears):
            lin.weight.data = torch.from_numpy(w[2 * k].T.copy())
            lin.bias.data = torch.from_numpy(w[2 * k + 1].copy())
        return net, lambda x: x
    net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))  # fmt: skip
    for conv, (kernel, bias) in zip([net[0], net[3]], [(w[0], w[1]), (w[2], w[3])], strict=True):
        conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
        conv.bias.data = torch.from_numpy(bias.copy())
    # Keras flattens (h, w, c); torch (c, h, w): permute the first Dense's rows to match.
    rows = np.arange(1600).reshape(5, 5, 64).transpose(2, 0, 1).reshape(-1)
    net[7].weight.data = torch.from_numpy(w[4][rows].T.copy())
    net[7].bias.data = torch.from_numpy(w[5].copy())
    net[9].weight.data = torch.from_numpy(w[6].T.copy())
    net[9].bias.data = torch.from_numpy(w[7].copy())
    return net, lambda x: x.transpose(0, 3, 1, 2).copy()


def _setup(case, threads, folder):
    import onnxruntime as ort
    import torch

    from ember.interop.onnx import export

    kind = case.split("_")[1]
    model = M.mlp_model()[0] if kind == "mlp" else M.cnn_model()[0]
    xs, _ = H.synthetic_pool(case, pool=8)
    model(xs[0])  # builds a Sequential given input_dim
    path = os.path.join(folder, f"{case}.onnx")
    export(model, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    sess = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    net, to_torch = _torch_model(kind, model)
    net.eval()
    txs = [torch.from_numpy(to_torch(x)) for x in xs]

    def run_torch(i):
        with torch.inference_mode():
            return net(txs[i]).numpy()

    calls = {
        "onnxruntime": lambda i: sess.run(None, {name: xs[i]})[0],
        "ember predict": lambda i: model.predict(xs[i], batch_size=len(xs[i]), verbose=0),
        "ember model(x)": lambda i: model(xs[i], training=False).numpy(),
        "torch eager": run_torch,
    }
    reference = calls["ember predict"](0)
    for api, fn in calls.items():
        np.testing.assert_allclose(fn(0), reference, rtol=1e-4, atol=1e-4, err_msg=f"{case} {api}")
    return calls


def _time(fn, min_calls=20, min_time=0.5, warmup=5) -> float:
    for i in range(warmup):
        fn(i % 8)
    times, start = [], time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn(len(times) % 8)
        times.append(time.perf_counter() - t)
        if len(times) >= 2000:
            break
    return statistics.median(times) * 1e3


def main(rounds: int = 3, threads: int = 2) -> list[dict]:
    import contextlib

    import onnxruntime as ort
    import torch

    import ember

    try:  # BLAS threads for ember (NumPy); without threadpoolctl, OpenBLAS's default
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        def threadpool_limits(limits):
            return contextlib.nullcontext()

    torch.set_num_threads(threads)
    folder = tempfile.mkdtemp(prefix="ember-bench-onnx-")
    with threadpool_limits(limits=threads):
        setups = {case: _setup(case, threads, folder) for case in CASES}
        samples = {(c, a): [] for c in CASES for a in APIS}
        for _ in range(rounds):
            for case in CASES:
                for api in APIS:
                    samples[(case, api)].append(_time(setups[case][api]))
    rows = []
    print(f"ember {ember.__version__}, onnxruntime {ort.__version__}, torch {torch.__version__}, {threads} threads, "
          f"{rounds} rounds, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("\n| case | " + " | ".join(f"{a} (ms)" for a in APIS) + " | ember predict / ort | ember call / ort | "
          "torch / ort | same, best rounds |")  # fmt: skip
    print("|---" * (len(APIS) + 5) + "|")
    for case in CASES:
        med = {a: statistics.median(samples[(case, a)]) for a in APIS}
        span = {a: (min(samples[(case, a)]), max(samples[(case, a)])) for a in APIS}
        cells = [f"{med[a]:.3f} [{span[a][0]:.3f}-{span[a][1]:.3f}]" for a in APIS]
        ort_ms = med["onnxruntime"]
        ratios = [med["ember predict"] / ort_ms, med["ember model(x)"] / ort_ms, med["torch eager"] / ort_ms]
        best = [span[a][0] / span["onnxruntime"][0] for a in APIS[1:]]
        print(f"| {case} | " + " | ".join(cells) + " | " + " | ".join(f"{r:.1f}x" for r in ratios) + " | "
              + " / ".join(f"{r:.1f}x" for r in best) + " |")  # fmt: skip
        rows.append({"case": case, **med})
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 2)))
    args = parser.parse_args()
    main(args.rounds, args.threads)
