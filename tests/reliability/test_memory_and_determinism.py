"""RELIABILITY.md G2 (the graph is freed: live-object counts return to baseline) and C1 (same seed, same
machine: 10 CLI runs give identical SHA-256 of the weights and of the loss history)."""

from __future__ import annotations

import gc
import hashlib
import re
import subprocess
import sys
import weakref

import numpy as np

from ember import layers, models, ops
from ember.autograd import Function, Tensor


def _live() -> tuple[int, int]:
    gc.collect()
    types = [type(o) for o in gc.get_objects()]  # type(), not isinstance: some proxies warn on __class__
    return sum(issubclass(t, Tensor) for t in types), sum(issubclass(t, Function) for t in types)


def test_g2_backward_frees_the_graph_and_counts_return_to_baseline():
    model = models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(4)])
    x = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")
    ops.mean(model(x) ** 2).backward()  # warm-up: weights' .grad exist from now on
    baseline = _live()
    for _ in range(20):
        loss = ops.mean(model(x) ** 2)
        node = weakref.ref(loss._ctx)
        loss.backward()
        del loss
        gc.collect()
        assert node() is None, "a graph node outlived backward() and del"
    assert _live() == baseline


def test_g2_train_on_batch_keeps_live_counts_flat():
    model = models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(4)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 8)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")
    model.train_on_batch(x, y)
    baseline = _live()
    for _ in range(200):
        model.train_on_batch(x, y)
    assert _live() == baseline


def test_c1_ten_cli_runs_are_bit_identical(tmp_path):
    digests = set()
    for run in range(10):
        out = tmp_path / f"run{run}"
        proc = subprocess.run([sys.executable, "-m", "ember", "train", "--epochs", "2", "--verbose", "2",
                               "--output", str(out)], capture_output=True, text=True, check=True)  # fmt: skip
        # the weight values, not the file bytes: safetensors writes its metadata map in a random order
        from safetensors.numpy import load_file

        tensors = load_file(str(next(out.iterdir())))
        weights = b"".join(k.encode() + tensors[k].tobytes() for k in sorted(tensors))
        losses = re.findall(r"loss: ([0-9.e+-]+)", proc.stdout)
        assert len(losses) >= 2
        digests.add((hashlib.sha256(weights).hexdigest(), hashlib.sha256(" ".join(losses).encode()).hexdigest()))
    assert len(digests) == 1, f"{len(digests)} different results in 10 runs"
