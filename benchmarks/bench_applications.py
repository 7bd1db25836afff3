"""MobileNetV2 (ImageNet weights) predict time in ember against the same network in torch, same run.

Cases: ``predict`` on batch 1 and batch 32 of 224x224x3 images (the 20 foolbox ImageNet images, tiled).
ember runs ``model.predict(x, batch_size=len(x))`` channels-last; torch runs the plain-``torch.nn``
torchvision architecture of ``tests/applications/mobilenet_v2_reference.py`` under ``torch.no_grad()``
in eval mode on NCHW input (transposed once, outside the timing). Rounds alternate ember/torch; the
median and best seconds per call and the ratio ember/torch are printed, with the 1-minute load average
(a shared machine: ratios under load are suspect). Threads: 2 (``BENCH_THREADS``).
Run: ``PYTHONPATH=$PWD python benchmarks/bench_applications.py`` (about two minutes).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np
import torch

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "applications"))
from mobilenet_v2_reference import foolbox_imagenet, torch_model  # noqa: E402

from ember.applications.mobilenet_v2 import MobileNetV2, preprocess_input  # noqa: E402


def _once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(batch: int, rounds: int) -> dict:
    """Median/best seconds per predict call of ember and torch on ``batch`` images."""
    images, _, _ = foolbox_imagenet()
    x = preprocess_input(np.resize(images, (batch, *images.shape[1:])))
    x_t = torch.tensor(x).permute(0, 3, 1, 2).contiguous()
    model, reference = MobileNetV2(classifier_activation=None), torch_model()

    def run_ember():
        return model.predict(x, batch_size=batch, verbose=0)

    def run_torch():
        with torch.no_grad():
            return reference(x_t)

    run_ember(), run_torch()  # warm-up
    ember_s, torch_s = [], []
    for _ in range(rounds):
        ember_s.append(_once(run_ember))
        torch_s.append(_once(run_torch))
    e, t = statistics.median(ember_s), statistics.median(torch_s)
    return {"batch": batch, "ember_s": e, "ember_best_s": min(ember_s), "torch_s": t, "torch_best_s": min(torch_s),
            "ratio": e / t}  # fmt: skip


def main() -> None:
    print(f"MobileNetV2 predict, 224x224x3, {THREADS} threads, load average {os.getloadavg()[0]:.2f}")
    print(f"{'batch':>5} {'ember s':>9} {'(best)':>8} {'torch s':>9} {'(best)':>8} {'ember/torch':>12}")
    for batch, rounds in ((1, 5), (32, 3)):
        r = bench(batch, rounds)
        print(f"{r['batch']:>5} {r['ember_s']:>9.3f} {r['ember_best_s']:>8.3f} {r['torch_s']:>9.3f} "
              f"{r['torch_best_s']:>8.3f} {r['ratio']:>11.1f}x")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
