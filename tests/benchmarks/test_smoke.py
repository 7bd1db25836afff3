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
from benchmarks import harness, report, runner  # noqa: E402


def test_smoke_run_covers_every_workload(tmp_path):
    out = tmp_path / "smoke.jsonl"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["meta"] for r in lines if "meta" in r] == ["start", "end"]  # the run's plan and its end time
    recs = [r for r in lines if "meta" not in r]
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


def test_plan_runs_every_peer_config_of_issue_14():
    a = runner.parse(["--peers", REPO, "--torch-python", "t", "--keras-python", "k", "--tinygrad-python", "g"])
    configs, pys = runner._plan(a)
    got = {f"{fw}:{v}" for fw, v, _ in configs}
    assert {"ember:eager", "ember:graph", "torch:eager", "torch:compile", "keras:fit", "keras:tob", "keras:custom",
            "tinygrad:jit"} <= got  # fmt: skip
    assert runner._cmd(pys, "tinygrad", ["W2"], "jit", a, 1)[:2] == ["g", "bench_tinygrad.py"]
    configs, _ = runner._plan(runner.parse(["--peers", REPO, "--tinygrad-python", ""]))
    assert not any(fw == "tinygrad" for fw, _, _ in configs)  # no interpreter: skipped, not failed


def test_report_issue14_table_best_peer_and_sgemm_share():
    recs = [{"meta": "start", "quick": True}]
    recs += [_rec("ember", "eager", "W2", 4.0), _rec("ember", "graph", "W2", 1.5), _rec("torch", "eager", "W2", 5.0)]
    recs += [_rec("torch", "compile", "W2", 3.0), _rec("tinygrad", "jit", "W2", 2.0)]
    recs += [_rec("torch", "eager_mallopt", "W2", 1.0)]  # a tuned variant, not one of the issue's peers
    recs += [{"framework": "ember", "workload": "W0", "gflops": 150.0, "numpy_gflops": 150.0},
             {"framework": "torch", "workload": "W0", "gflops": 240.0}]  # fmt: skip
    text = report.render(recs)
    assert text.startswith("**quick run:")
    assert "| W2 | graph | 0.30 | 0.50 | 0.75 |" in text  # graph / torch eager, torch.compile, tinygrad jit
    assert "| W2 | 4.00 | 1.50 | 2.00 | tinygrad TinyJit | 0.75 | 0.80 | 0.38 |" in text
    # 180.3 MFLOP in 1.5 ms = 120.2 GFLOP/s: 80 % of numpy's 150, 50 % of torch's 240 (the run's best sgemm)
    assert "| ember graph mode (ember.function) | 1.50 | 120.2 | 80% | 50% |" in text
