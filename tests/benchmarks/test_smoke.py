"""The benchmark suite runs end to end (``python -m benchmarks --smoke``: ember alone, a few steps each).

No timing is asserted: only that every workload produced a sane record and the report renders.
"""

import json
import math
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# NOTE: pytest puts tests/ on sys.path, where tests/benchmarks would shadow the repo's benchmarks package.
sys.path.insert(0, REPO)
from benchmarks import harness, report  # noqa: E402


def test_smoke_run_covers_every_workload(tmp_path):
    out = tmp_path / "smoke.jsonl"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [r for r in recs if "error" in r]
    assert not errors, errors
    got = {(r["variant"], r["workload"]) for r in recs}
    for w in harness.TRAIN_WORKLOADS + harness.INFER_WORKLOADS:
        assert ("eager", w) in got, w
    assert {("tob", "W1"), ("tob", "W2"), ("tob", "W6_mlp_b1")} <= got
    for w in harness.E2E_WORKLOADS + ["W0", "import"]:
        assert any(k[1] == w for k in got), w
    for r in recs:
        if r["workload"] in harness.TRAIN_WORKLOADS:
            assert r["median_ms"] > 0 and math.isfinite(r["final_loss"]), r
            assert r["batch"] == harness.BATCH[r["workload"]]
            assert "other_cpu_frac" in r and r["maxrss_mb"] > 0
        if r["workload"] in harness.E2E_WORKLOADS:
            assert 0.0 <= r["test_acc"] <= 1.0 and r["steps"] == 20
    assert "| W2 (128) |" in proc.stdout and "ember / torch eager" in proc.stdout


def _rec(fw, variant, workload, ms, other=0.0):
    return {"framework": fw, "variant": variant, "workload": workload, "median_ms": ms, "other_cpu_frac": other,
            "maxrss_mb": 100.0}  # fmt: skip


def test_report_ratios_medians_and_disturbed_flag():
    recs = [_rec("ember", "eager", "W2", ms) for ms in (2.0, 3.0, 10.0)]
    recs += [_rec("torch", "eager", "W2", 4.0, other=0.5), _rec("keras", "custom", "W2", 1.0)]
    text = report.render(recs)
    assert "| W2 (128) | 3.00 [2.00-10.0] · 42667/s |" in text  # median over rounds, samples/s from it
    assert "4.00 [4.00-4.00]! ·" in text  # torch's round was disturbed
    row = next(line for line in text.splitlines() if line.startswith("| W2 | "))
    assert row.startswith("| W2 | 0.75 | 3.00 | keras tf.function loop |")


def test_synthetic_pool_is_the_specified_stream():
    xs, ys = harness.synthetic_pool("W6_cnn_b1")
    assert xs.shape == (64, 1, 28, 28, 1) and xs.dtype == "float32" and ys.dtype == "int32"
    import numpy as np

    rng = np.random.default_rng(0)
    assert np.array_equal(xs, rng.standard_normal((64, 1, 28, 28, 1), dtype=np.float32))
    assert np.array_equal(ys, rng.integers(0, 10, size=(64, 1)))
