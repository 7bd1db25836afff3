"""Regenerate RELIABILITY.md: every promise of ../shared/RELIABILITY.md measured on the current checkout.

    pip install -e '.[test,reliability]'        # once: the test extra and atheris
    python tools/reliability.py                 # G-tier tests + N-tier measurements, writes RELIABILITY.md
    python tools/reliability.py --quick         # fewer trials (for trying the tool; figures say so)

G-tier rows are pytest tests that CI runs on every submission; this tool runs them again with a JUnit report
and turns the results into figures. N-tier rows are measured here only: 100 kill-during-save trials (D1),
kill-and-relaunch training trials (D7), 10,000-step RSS drift (G1), the 10,000-flip sweeps (D4), worst
gradcheck error per dtype, and a bounded atheris fuzzing run of the file loaders (D6, tools/fuzz_loaders.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# row -> (tier, pytest node selections, what it measures, target)
ROWS = {
    "A1": ("G", ["tests/ops::test_gradcheck"], "float64 gradcheck of every op", "100 % of ops"),
    "A2": ("G", ["tests/ops::test_double_backward"], "double backward (gradgradcheck)", "100 % of claiming ops"),
    "A3": ("G", ["tests/ops::test_backward_structure"], "backward twice identical, zero in -> zero out, "
                                                         "shapes/dtypes", "100 % of ops"),
    "A5": ("G", ["tests/ops::test_matches_torch"], "forward/backward vs PyTorch CPU", "100 % of ops"),
    "B1": ("G", ["tests/losses/test_loss_reliability.py::test_b1"], "extreme-logit CE, 10,000 trials", "0 NaN/Inf"),
    "B2": ("G", ["tests/losses/test_loss_reliability.py::test_b2"], "BCE from logits at saturation", "rtol 1e-6"),
    "B4": ("G", ["tests/callbacks/test_callbacks_basic.py::test_terminate_on_nan"], "NaN guard", "stops at k"),
    "C1": ("G", ["tests/reliability/test_memory_and_determinism.py::test_c1"], "10 CLI runs, SHA-256", "10/10"),
    "C2": ("G", ["tests/saving/test_optimizer_resume.py", "tests/callbacks/test_backup_and_restore.py"],
           "resume equivalence", "bit-identical"),
    "D1": ("G", ["tests/saving/test_kill_during_save.py"], "SIGKILL during save (CI: 4 trials; N: 100 below)",
           "100/100"),
    "D2": ("G", ["tests/saving/test_model_file.py::test_failed_save",
                 "tests/saving/test_model_file.py::test_write_error"], "error during save keeps the old file", "100 %"),
    "D3": ("G", ["tests/reliability/test_file_sweeps.py::test_d3"], "truncation sweep, every format", "100 %"),
    "D4": ("G", ["tests/reliability/test_file_sweeps.py::test_d4"], "bit-flip sweep, every format", "100 % own"),
    "D5": ("G", ["tests/reliability/test_malicious_corpus.py"], "malicious-file corpus", "0 executions"),
    "D8": ("G", ["tests/layers/test_run_layer_test.py"], "save/load round trip of every layer", "100 %"),
    "E1": ("G", ["tests/reliability/test_bad_input_catalogue.py::test_e1"], "bad-input catalogue", "100 %"),
    "E2": ("G", ["tests/reliability/test_bad_input_catalogue.py::test_e2"], "out-of-range labels, 1,000 trials",
           "0 finite losses"),
    "E3": ("G", ["tests/reliability/test_bad_input_catalogue.py::test_e1_e3"], "failed call leaves no damage",
           "100 %"),
    "E4": ("G", ["tests/reliability/test_bad_input_catalogue.py::test_e4"], "empty dataset", "before step 1"),
    "G2": ("G", ["tests/reliability/test_memory_and_determinism.py::test_g2"], "graph freed, live counts", "baseline"),
    "G3": ("G", ["tests/reliability/test_g3_accumulation.py"], "`total += loss` keeps no graph, warns once",
           "flat over 1,000 steps"),
    "H1": ("G", ["tests/ops::hypothesis", "tests/layers/test_shape_properties.py"], "hypothesis properties",
           "0 failures"),
}


def run_pytest(selections: list[str], report: str, env: dict) -> None:
    """Run pytest on the files of ``selections`` with a JUnit XML report (failures are results, not errors)."""
    files = sorted({s.split("::")[0] for sel in selections for s in [sel]})
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *files]
    subprocess.run(cmd, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)


def parse_junit(report: str) -> list[tuple[str, str, str]]:
    """``[(file, test name with id, outcome)]`` from a JUnit XML report."""
    out = []
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        path = case.get("classname", "").replace(".", "/") + ".py"
        out.append((path, case.get("name", ""), outcome))
    return out


def select(results, selection: str):
    """Results matching ``path[::name prefix]`` (a folder path matches every file under it)."""
    path, _, name = selection.partition("::")
    return [r for r in results if r[0].startswith(path.removesuffix(".py")) and
            (not name or r[1].startswith(name) or (name == "hypothesis" and "hypothesis" in r[1]))]  # fmt: skip


def op_pass_rate(results, function: str) -> tuple[int, int, int]:
    """``(ops passing every case, ops, cases)`` for one op-test function (ids ``[backend-op-k-shapes]``)."""
    ops = defaultdict(list)
    for _, name, outcome in results:
        m = re.match(rf"{function}\[(numpy|cupy)-(.+)-(\d+)-(.*)\]$", name)
        if m and m.group(1) == "numpy":
            ops[m.group(2)].append(outcome)
    passing = sum(all(o == "passed" for o in v) for v in ops.values())
    return passing, len(ops), sum(len(v) for v in ops.values())


def row_figures(results) -> dict:
    """``{row: "k/n passed"}`` for every G-tier row, plus the A1-A3 per-op rates."""
    figures = {}
    for row, (_, selections, _, _) in ROWS.items():
        chosen = [r for sel in selections for r in select(results, sel)]
        passed, skipped = sum(r[2] == "passed" for r in chosen), sum(r[2] == "skipped" for r in chosen)
        ran = len(chosen) - skipped
        figures[row] = f"{passed}/{ran} tests passed" if chosen else "no test found"
        if skipped:
            figures[row] += f" ({skipped} CuPy cases skipped: no GPU)"
    for row, fn in (("A1", "test_gradcheck"), ("A2", "test_double_backward"), ("A3", "test_backward_structure"),
                    ("A5", "test_matches_torch")):
        ok, n, cases = op_pass_rate(results, fn)
        if n:
            figures[row] = f"{ok}/{n} ops ({100 * ok / n:.1f} %) pass all their {cases} cases; " + figures[row]
    sweep = a1_shape_sweep(results)
    if sweep:  # after the per-op figure of test_gradcheck, before the test count
        head, *rest = figures["A1"].split("; ", 1)
        figures["A1"] = "; ".join([head, sweep, *rest])
    return figures


def a1_shape_sweep(results) -> str:
    """The A1 shape sweep (tests/ops/test_a1_shapes.py, one item per op): "k/n ops pass, each on >= 20 shapes"."""
    outcomes = {m.group(1): o for _, name, o in results if (m := re.match(r"test_a1_shapes\[(.+)\]$", name))}
    if not outcomes:
        return ""
    sys.path.insert(0, os.path.join(ROOT, "tests", "ops"))  # the op test modules import ops_harness directly
    from test_a1_shapes import LIMITED, MIN_SHAPES

    need = {name: LIMITED.get(name, (MIN_SHAPES, ""))[0] for name in outcomes}
    ok = [name for name, o in outcomes.items() if o == "passed"]
    limited = "".join(f", {name} on {need[name]} ({LIMITED[name][1]})" for name in sorted(LIMITED) if name in ok)
    return (f"shape sweep: {len(ok)}/{len(outcomes)} ops pass, each on >= {MIN_SHAPES} random shapes{limited} "
            f"(>= {sum(need[name] for name in ok)} op-shape gradchecks)")


# ---------------------------------------------------------------------------------------------- N-tier measurements


def worst_gradcheck_errors() -> dict:
    """Worst ``|analytical - numerical|`` over every op case of tests/ops, in float64 and float32."""
    import importlib
    import pathlib

    import numpy as np

    sys.path.insert(0, os.path.join(ROOT, "tests", "ops"))  # the op test modules import ops_harness directly
    from ops_harness import float64_inputs, sample_case

    from ember.testing import gradient_error

    worst = {"float64": (0.0, ""), "float32": (0.0, "")}
    for path in sorted(pathlib.Path(ROOT, "tests", "ops").glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for op in getattr(module, "OPS", []):
            if not hasattr(op, "cases"):  # test_a1_shapes lists op names: its shapes are random, not table cases
                continue
            for case in op.cases:
                arrays = sample_case(case)
                for dtype, cast in (("float64", float64_inputs(arrays)),
                                    ("float32", [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays])):
                    try:
                        err = gradient_error(op.fn, cast, dtype=np.dtype(dtype))
                    except Exception:  # noqa: BLE001 - ops without gradients (integer outputs) are skipped
                        continue
                    if err > worst[dtype][0]:
                        worst[dtype] = (err, op.name)
    return worst


def kill_during_save(trials: int) -> tuple[int, int]:
    """D1: SIGKILL at a uniform random moment of a save loop, ``trials`` times; returns (intact, trials)."""
    import signal

    import numpy as np

    from ember import models
    from tests.saving.test_kill_during_save import SCRIPT

    rng = np.random.default_rng(0)
    intact = 0
    with tempfile.TemporaryDirectory() as tmp:
        script, path = os.path.join(tmp, "saver.py"), os.path.join(tmp, "model.keras")
        with open(script, "w") as f:
            f.write(SCRIPT)
        for _ in range(trials):
            proc = subprocess.Popen([sys.executable, script, path], stdout=subprocess.PIPE, text=True, cwd=ROOT)
            proc.stdout.readline()
            time.sleep(float(rng.uniform(0.05, 0.4)))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
            try:
                values = {float(v) for w in models.load_model(path).get_weights() for v in np.unique(w)}
                strays = [p for p in os.listdir(tmp) if p.startswith(".ember-")]
                intact += values in ({0.0}, {1.0}) and len(strays) <= 1
            except ValueError:
                pass
    return intact, trials


def kill_and_relaunch(trials: int) -> tuple[int, int, int]:
    """D7: SIGKILL a BackupAndRestore training run at a random moment, relaunch it to the end, compare with an
    uninterrupted run. Returns ``(bit-identical finishes, trials, trials where the kill landed mid-training)``."""
    import signal

    import numpy as np
    from safetensors.numpy import load_file

    from tests.callbacks.test_backup_and_restore import SCRIPT

    def weights(path):
        tensors = load_file(path)
        return [tensors[k] for k in sorted(tensors)]

    rng = np.random.default_rng(0)
    same = interrupted = 0
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "train.py")
        with open(script, "w") as f:
            f.write(SCRIPT)

        def launch(name):
            out = os.path.join(tmp, f"{name}.weights.safetensors")
            cmd = [sys.executable, script, os.path.join(tmp, f"{name}_backup"), out, "-1"]
            return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out

        proc, reference = launch("straight")
        start = time.monotonic()
        proc.wait(timeout=120)
        duration = time.monotonic() - start  # kill moments span the whole run, however fast the machine is
        for trial in range(trials):
            proc, out = launch(f"t{trial}")
            time.sleep(float(rng.uniform(0.1, 0.95)) * duration)
            proc.send_signal(signal.SIGKILL)
            killed = proc.wait(timeout=60) == -signal.SIGKILL and not os.path.exists(out)
            interrupted += killed
            if killed:
                proc, out = launch(f"t{trial}")
                proc.wait(timeout=120)
            try:
                same += all(np.array_equal(a, b) for a, b in zip(weights(reference), weights(out), strict=True))
            except (OSError, ValueError):
                pass
    return same, trials, interrupted


def rss_drift(steps: int = 10_000) -> tuple[float, float, float]:
    """G1: RSS (MB) at step 1,000 and at ``steps`` of MLP training on digits; returns (rss_1000, rss_end, %)."""

    import ember
    from ember import layers, models

    def rss_mb() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    (x, y), _ = ember.datasets.digits.load_data()
    x = x.reshape(len(x), -1).astype("float32") / 16.0
    model = models.Sequential([layers.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    at_1000 = 0.0
    for step in range(1, steps + 1):
        i = (step * 32) % (len(x) - 32)
        model.train_on_batch(x[i:i + 32], y[i:i + 32])
        if step == 1000:
            at_1000 = rss_mb()
    end = rss_mb()
    return at_1000, end, 100 * (end - at_1000) / at_1000


def sweep_counts(env: dict, quick: bool = False) -> list[dict]:
    """D3/D4 at full size (10,000 flips): the per-format outcome counts written by the sweep tests."""
    report = os.path.join(tempfile.mkdtemp(), "sweeps.jsonl")
    env = {**env, "EMBER_RELIABILITY_FULL": "0" if quick else "1", "EMBER_RELIABILITY_REPORT": report}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "tests/reliability/test_file_sweeps.py"], cwd=ROOT, env=env, check=False,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    if not os.path.exists(report):
        return []
    with open(report) as f:
        return [json.loads(line) for line in f]


def fuzz(seconds: int) -> str:
    """D6: ``tools/fuzz_loaders.py all`` for ``seconds`` per target; returns its summary lines."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fuzz_loaders.py"), "all", "--seconds",
                           str(seconds)], cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
    return proc.stdout.strip() or proc.stderr.strip()[-500:]


# ---------------------------------------------------------------------------------------------- the report

NOT_MEASURED = {
    "A4": "random-direction float32 check on >= 1e5 elements: gradcheck_direction exists; no per-op sweep yet",
    "A6": "kink sampling is built into the op test inputs (Uniform(kinks=...)); no separate figure",
    "A7": "view-vs-copy: every A1 gradcheck also runs on strided views (ops_harness.check_gradcheck)",
    "B3": "extremal ufunc inputs: tests/ops test_nan_and_inf_propagate_* cover NaN/Inf, not every ufunc bit-for-bit",
    "B5": "anomaly mode: tests/autograd/test_anomaly.py (names the op); overhead not measured",
    "B6": "loss scaling (mixed_float16): tests/test_mixed_precision.py (injected inf: step skipped, weights "
          "bit-identical, scale halved; Keras's scale trajectory over finite/inf/NaN steps); no 2,000-step N run",
    "C3": "needs a second platform/NumPy build; not available here",
    "C4": "MPI replica consistency: the distributed tests (issue 15)",
    "D7": "N row, in the dashboard above (kill at a random moment, relaunch); in CI: "
          "tests/callbacks/test_backup_and_restore.py (resume bit-identical, corrupted latest falls back)",
    "D9": "ONNX export parity: tests/interop/test_onnx_export*.py (issue 13)",
    "F1": "MPI SIGKILL of a rank: the distributed tests (issue 15)",
    "F2": "MPI exception on a rank: the distributed tests (issue 15)",
    "F3": "MPI relaunch: the distributed tests (issue 15)",
    "F4": "MPI config mismatch: the distributed tests (issue 15)",
    "F5": "MPI collective timeout: the distributed tests (issue 15)",
    "G4": "data-loader soak: ember has no worker processes to kill",
    "G5": "1 h CLI soak: not run here",
}


def render(figures: dict, extra: dict, quick: bool) -> str:
    """RELIABILITY.md's text."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    lines = ["# Reliability figures", "",
             f"Regenerated by `python tools/reliability.py{' --quick' if quick else ''}` on "
             f"{time.strftime('%Y-%m-%d')} at commit `{commit}` ({platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}). The promises are ../shared/RELIABILITY.md's; G rows are tests "
             "that CI runs on every submission, N rows are measured by this command only.", "", "## Dashboard", ""]
    lines += [f"- {k}: {v}" for k, v in extra.items()]
    lines += ["", "### What each format can detect", "",
              "- ember's own files (`.keras` written by ember, `.weights.h5`, `.weights.safetensors`) carry SHA-256 "
              "sums (`ember.json` per member; the 512-byte HDF5 user block of `.weights.h5`; the safetensors "
              "metadata), verified before any parser (zipfile, libhdf5) reads the data: every changed byte is "
              "detected, and zip CRC-32s catch the rest. `.weights.h5` files of older embers (SHA-256 in the "
              "`ember_sha256` root attribute, checked after libhdf5 parsed the file) still load.",
              "- `.keras` files written by Keras have no checksum of Keras's: ember relies on the zip CRC-32 of each "
              "member, which detects every single-bit flip in a member's data; a flip in zip bookkeeping that "
              "leaves the data intact loads the same model (counted as harmless).",
              "- Keras 2 `.h5`, Keras 3's own `.weights.h5`, ONNX and PyTorch's legacy stream carry no checksum at "
              "all: a flipped bit inside a "
              "weight's bytes changes that weight and cannot be detected by any reader (counted as silent, "
              "reported, not gated); flips in their structure are detected. PyTorch's zip format has zip CRC-32s "
              "(detected).",
              "- HDF5 files ember cannot checksum (Keras 2 `.h5`, Keras-written `.weights.h5` and the weights of "
              "Keras-written `.keras` files) are parsed in a child process (`ember.saving.h5_guard`, on by "
              "default, `EMBER_H5_ISOLATE=0` turns it off): a damaged file on which libhdf5 segfaults or loops "
              "gives a ValueError naming the file instead of killing or hanging the user's process (counted as "
              "'contained'; the sweeps re-load each libhdf5 crash/hang with the guard on to count it).", ""]
    lines += ["", "## Every row", "", "| row | tier | what | figure | target |", "| --- | --- | --- | --- | --- |"]
    for row, (tier, selections, what, target) in ROWS.items():
        where = ", ".join(f"`{s}`" for s in selections)
        lines.append(f"| {row} | {tier} | {what} ({where}) | {figures.get(row, '')} | {target} |")
    for row, why in NOT_MEASURED.items():
        lines.append(f"| {row} | | not in this table's tests | {why} | |")
    return "\n".join(lines) + "\n"


class _Clock:
    """Wall time of each section of the run, for the report."""

    def __init__(self):
        self.start, self.laps = time.perf_counter(), {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name], self.start = now - self.start, now

    def summary(self) -> str:
        return ", ".join(f"{k} {v / 60:.1f} min" for k, v in self.laps.items())


def main(argv=None) -> int:
    """Run everything and write RELIABILITY.md; returns 0 when every G-tier test passed."""
    parser = argparse.ArgumentParser(description="Regenerate RELIABILITY.md")
    parser.add_argument("--quick", action="store_true",
                        help="fewer trials (D1 10, D7 5, sweeps at CI size, G1 2,000 steps, fuzz 10 s)")
    parser.add_argument("--output", default=os.path.join(ROOT, "RELIABILITY.md"))
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    report = os.path.join(tempfile.mkdtemp(), "junit.xml")
    selections = [s for _, sel, _, _ in ROWS.values() for s in sel]
    clock = _Clock()
    run_pytest(selections, report, env)
    clock.lap("G-tier tests")
    results = parse_junit(report)
    figures = row_figures(results)
    failed = [r for r in results if r[2] == "failed"]
    extra = {"G-tier tests": f"{sum(r[2] == 'passed' for r in results)} passed, {len(failed)} failed, "
                             f"{sum(r[2] == 'skipped' for r in results)} skipped (CuPy cases skip without a GPU)"}
    for row in ("A1", "A2", "A3"):
        extra[f"{row} ops"] = figures[row].split(";")[0]
    extra["A1 shape sweep"] = a1_shape_sweep(results) or "no test_a1_shapes result"
    worst = worst_gradcheck_errors()
    clock.lap("gradcheck errors")
    extra["worst gradcheck error"] = ", ".join(f"{k} {v[0]:.2e} ({v[1]})" for k, v in worst.items())
    ok, trials = kill_during_save(10 if args.quick else 100)
    clock.lap("D1")
    extra["D1 kill during save"] = f"{ok}/{trials} trials left a complete old-or-new file"
    sweeps = sweep_counts(env, args.quick)
    clock.lap("D3/D4 sweeps")
    for entry in sweeps:
        c, total = entry["counts"], entry["total"]
        detected = c.get("detected", 0)
        contained = f", {c['contained']} contained libhdf5 crashes/hangs" if c.get("contained") else ""
        extra[f"{entry['row']} {entry['format']}"] = (f"{detected}/{total} detected{contained}, {c.get('same', 0)} "
                                                      f"harmless, {c.get('silent', 0)} silent, {c.get('crash', 0)} "
                                                      "uncontained crashes")  # fmt: skip
    corpus = select(results, "tests/reliability/test_malicious_corpus.py")
    extra["D5 malicious corpus"] = (f"{sum(r[2] == 'passed' for r in corpus)}/{len(corpus)} cases rejected, "
                                    "0 code executions" if all(r[2] == "passed" for r in corpus) else
                                    f"FAILED cases: {[r[1] for r in corpus if r[2] != 'passed']}")  # fmt: skip
    extra["E1-E4 catalogue"] = ", ".join(figures[r] for r in ("E1", "E3", "E4"))
    same, trials, interrupted = kill_and_relaunch(5 if args.quick else 100)
    clock.lap("D7")
    extra["D7 kill and relaunch fit"] = (f"{same}/{trials} runs finished bit-identical to an uninterrupted run "
                                         f"({interrupted} killed mid-training, then relaunched)")  # fmt: skip
    at_1000, end, drift = rss_drift(2000 if args.quick else 10_000)
    clock.lap("G1")
    extra["G1 RSS drift"] = f"{at_1000:.1f} MB at step 1,000 -> {end:.1f} MB at the end: {drift:+.2f} %"
    extra["C1 determinism"] = figures["C1"]
    extra["D6 fuzzing"] = fuzz(10 if args.quick else 60).replace("\n", "; ")
    clock.lap("D6 fuzzing")
    extra["run time per section"] = clock.summary()
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(render(figures, extra, args.quick))
    print(f"wrote {args.output}; {len(failed)} G-tier test(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
