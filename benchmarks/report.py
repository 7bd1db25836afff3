"""JSON lines (ember and peers, possibly several rounds) -> the Markdown tables of RESULTS.md.

Per (framework, variant, workload): the median over rounds of each round's median ms/step,
``[min-max]`` over rounds, and a ``!`` when some round ran with ``other_cpu_frac`` above
:data:`DISTURBED` (other processes used that share of the machine: the number is suspect).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

from benchmarks import harness as H

DISTURBED = 0.10
ORDER = [("ember", "eager"), ("ember", "graph"), ("ember", "tob"), ("ember", "eager_mallopt"), ("torch", "eager"),
         ("torch", "eager_mallopt"), ("torch", "compile"), ("keras", "fit"), ("keras", "tob"), ("keras", "custom"),
         ("keras", "eager"), ("tinygrad", "jit")]  # fmt: skip
LABEL = {("ember", "eager"): "ember eager loop", ("ember", "graph"): "ember graph mode (ember.function)",
         ("ember", "tob"): "ember train_on_batch / predict_on_batch",
         ("ember", "eager_mallopt"): "ember eager + mallopt", ("torch", "eager"): "torch eager",
         ("torch", "eager_mallopt"): "torch eager + mallopt", ("torch", "compile"): "torch.compile",
         ("keras", "fit"): "keras fit / predict", ("keras", "tob"): "keras train_on_batch / predict_on_batch",
         ("keras", "custom"): "keras tf.function loop", ("keras", "eager"): "keras eager call",
         ("tinygrad", "jit"): "tinygrad TinyJit"}  # fmt: skip
# Issue 14's peers (those of ../shared/bench-peers/run_all.py CONFIGS): "best peer" is the fastest of them.
PEERS = [("torch", "eager"), ("torch", "compile"), ("keras", "fit"), ("keras", "tob"), ("keras", "custom"),
         ("keras", "eager"), ("tinygrad", "jit")]  # fmt: skip
SHORT = {("torch", "eager"): "torch eager", ("torch", "compile"): "torch.compile", ("keras", "fit"): "keras fit",
         ("keras", "tob"): "keras tob", ("keras", "custom"): "keras tf.function", ("keras", "eager"): "keras eager",
         ("tinygrad", "jit"): "tinygrad jit"}  # fmt: skip
TIMED = H.TRAIN_WORKLOADS + H.INFER_WORKLOADS
# W2 FLOPs per training step: forward 2*B*(784*256 + 256*128 + 128*10), backward twice that.
W2_FLOP = 3 * 2 * 128 * (784 * 256 + 256 * 128 + 128 * 10)


def load(paths) -> list[dict]:
    """All JSON objects of the given ``.jsonl`` files."""
    recs = []
    for p in paths:
        with open(p) as f:
            recs += [json.loads(line) for line in f if line.startswith("{")]
    return recs


def fmt(x, nd=None) -> str:
    if x is None:
        return "-"
    if nd is None:
        nd = 3 if abs(x) < 1 else (2 if abs(x) < 10 else (1 if abs(x) < 1000 else 0))
    return f"{x:.{nd}f}"


class Table:
    """Index of the records by (framework, variant, workload)."""

    def __init__(self, recs: list[dict]):
        self.recs = recs
        self.by = defaultdict(list)
        self.errors = defaultdict(list)
        for r in recs:
            key = (r.get("framework"), r.get("variant"), r.get("workload"))
            if "error" in r:
                self.errors[key].append(r["error"])
            elif "median_ms" in r and r.get("workload") in TIMED:
                self.by[key].append(r)
        self.present = [k for k in ORDER if any((*k, w) in self.by or (*k, w) in self.errors for w in TIMED)]
        self.workloads = [w for w in TIMED if any((*k, w) in self.by or (*k, w) in self.errors for k in ORDER)]

    def median(self, fw, v, w):
        rs = self.by.get((fw, v, w))
        return statistics.median(r["median_ms"] for r in rs) if rs else None

    def cell(self, fw, v, w) -> str:
        rs = self.by.get((fw, v, w))
        if not rs:
            err = self.errors.get((fw, v, w))
            return f"unavailable: {err[0][:80]}" if err else "-"
        meds = [r["median_ms"] for r in rs]
        flag = "!" if any(r.get("other_cpu_frac", 0) > DISTURBED for r in rs) else ""
        sps = H.BATCH[w] / (statistics.median(meds) / 1e3)
        return f"{fmt(statistics.median(meds))} [{fmt(min(meds))}-{fmt(max(meds))}]{flag} · {fmt(sps, 0)}/s"

    def best_peer(self, w):
        """``(median ms, label)`` of the fastest of :data:`PEERS` on ``w`` (mallopt/XLA variants are not peers)."""
        cands = [(self.median(fw, v, w), LABEL[(fw, v)]) for fw, v in self.present if (fw, v) in PEERS]
        cands = [c for c in cands if c[0] is not None]
        return min(cands) if cands else (None, None)


def timing_section(t: Table) -> list[str]:
    out = ["## Training (W1-W5) and inference (W6): ms per step [min-max over rounds] · samples/s", "",
           "`!` = a round ran with other_cpu_frac > 0.10 (disturbed by other processes).", "",
           "| workload (batch) | " + " | ".join(LABEL[k] for k in t.present) + " |",
           "|---|" + "---|" * len(t.present)]  # fmt: skip
    for w in t.workloads:
        out.append(f"| {w} ({H.BATCH[w]}) | " + " | ".join(t.cell(*k, w) for k in t.present) + " |")
    out += ["", "## Ratios: ember eager / peer (median ms; < 1 = ember faster)", "",
            "| workload | ember / torch eager | ember / best peer | best peer | ember tob / keras tob "
            "| max other_cpu_frac |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for w in t.workloads:
        e, tor = t.median("ember", "eager", w), t.median("torch", "eager", w)
        best, who = t.best_peer(w)
        et, kt = t.median("ember", "tob", w), t.median("keras", "tob", w)
        other = [r.get("other_cpu_frac", 0) for k in t.present for r in t.by.get((*k, w), [])]
        out.append(
            f"| {w} | {fmt(e / tor, 2) if e and tor else '-'} | {fmt(e / best, 2) if e and best else '-'} | "
            f"{who or '-'} | {fmt(et / kt, 2) if et and kt else '-'} | {fmt(max(other), 2) if other else '-'} |"
        )
    return out + graph_ratios(t)


def _ratio(a, b) -> str:
    return fmt(a / b, 2) if a and b else "-"


def graph_ratios(t: Table) -> list[str]:
    """Issue 14: ember eager and graph mode against each peer, the best peer and the targets."""
    peers = [k for k in PEERS if k in t.present]
    modes = [m for m in ("eager", "graph") if ("ember", m) in t.present]
    if not peers or "graph" not in modes:
        return []
    out = ["", "## Issue 14: ember / each peer (ratio of median ms; < 1 = ember faster)", "",
           "| workload | ember | " + " | ".join(SHORT[k] for k in peers) + " |",
           "|---|---|" + "---|" * len(peers)]  # fmt: skip
    for w in t.workloads:
        for m in modes:
            e = t.median("ember", m, w)
            out.append(f"| {w} | {m} | " + " | ".join(_ratio(e, t.median(*k, w)) for k in peers) + " |")
    out += ["", "| workload | ember eager ms | ember graph ms | best peer ms | best peer | graph / best peer (target "
            "<= 1) | eager / torch eager (target <= 1) | graph / ember eager | max other_cpu_frac |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for w in t.workloads:
        e, g, tor = (t.median(*k, w) for k in (("ember", "eager"), ("ember", "graph"), ("torch", "eager")))
        best, who = t.best_peer(w)
        other = [r.get("other_cpu_frac", 0) for k in t.present for r in t.by.get((*k, w), [])]
        out.append(f"| {w} | {fmt(e)} | {fmt(g)} | {fmt(best)} | {who or '-'} | {_ratio(g, best)} | "
                   f"{_ratio(e, tor)} | {_ratio(g, e)} | {fmt(max(other), 2) if other else '-'} |")  # fmt: skip
    return out


def w2_fraction(t: Table, sgemm: dict) -> list[str]:
    """W2 GFLOP/s of each configuration as a share of the same run's sgemm rates (issue 14: >= 50 %).

    Two references: NumPy's ``matmul(out=)`` in ember's own process (the BLAS ember calls) and the
    fastest W0 median of any library in the run ("this machine's sgemm rate", the stricter one).
    """
    meds = {k: statistics.median(v) for k, v in sgemm.items()}
    ref = meds.get("numpy (in ember's process, matmul out=)")
    best = max(meds.items(), key=lambda kv: kv[1]) if meds else None
    if not meds or not any(t.median(*k, "W2") for k in t.present):
        return []
    out = ["", f"W2 as a share of the same run's sgemm ({W2_FLOP / 1e6:.0f} MFLOP per training step; best sgemm: "
           f"{best[0]}, {fmt(best[1], 1)} GFLOP/s)", "",
           "| API | W2 ms | W2 GFLOP/s | / numpy sgemm in ember's process | / best sgemm of the run |",
           "|---|---|---|---|---|"]  # fmt: skip
    for k in t.present:
        m = t.median(*k, "W2")
        if m:
            rate = W2_FLOP / (m / 1e3) / 1e9
            share = f"{rate / ref:.0%}" if ref else "-"
            out.append(f"| {LABEL[k]} | {fmt(m)} | {fmt(rate, 1)} | {share} | {rate / best[1]:.0%} |")
    return out


def extras_section(t: Table) -> list[str]:
    recs = t.recs
    out = ["", "## W0 sgemm 1024^3 float32 (GFLOP/s, median over rounds) and W2's share of it", ""]
    g = defaultdict(list)
    for r in recs:
        if r.get("workload") == "W0" and "gflops" in r:
            g[r["framework"] + (f" ({r['env_mode']})" if r.get("env_mode") else "")].append(r["gflops"])
            if "numpy_gflops" in r:
                g["numpy (in ember's process, matmul out=)"].append(r["numpy_gflops"])
    out += ["| library | GFLOP/s [min-max] |", "|---|---|"]
    out += [f"| {k} | {fmt(statistics.median(v), 1)} [{fmt(min(v), 1)}-{fmt(max(v), 1)}] |" for k, v in g.items()]
    out += w2_fraction(t, g)
    out += ["", "## Import time (python -c 'import X', median of 5 per round)", "",
            "| statement | wall s | minus bare python s |", "|---|---|---|"]  # fmt: skip
    imp = defaultdict(list)
    for r in recs:
        if r.get("workload") == "import":
            for k, v in r.items():
                if isinstance(v, dict) and "median_s" in v:
                    imp[k].append((v["median_s"], v["minus_baseline_s"]))
    for k, v in imp.items():
        out.append(f"| `{k}` | {fmt(statistics.median(x[0] for x in v))} | {fmt(statistics.median(x[1] for x in v))} |")
    out += ["", "## Peak RSS of the W2 training process (MiB, fresh process, includes the 26 MB data pool)", "",
            "| API | MiB |", "|---|---|"]  # fmt: skip
    for k in t.present:
        rs = t.by.get((*k, "W2"))
        if rs:
            out.append(f"| {LABEL[k]} | {fmt(statistics.median(r['maxrss_mb'] for r in rs), 0)} |")
    return out + w7_section(recs)


def w7_section(recs) -> list[str]:
    out = [
        "",
        "## W7 MNIST-1D end to end (6000 steps, batch 100, Adam 1e-3)",
        "",
        "| framework / API | model | wall s median [min-max] | test acc median [all runs] |",
        "|---|---|---|---|",
    ]
    w7 = defaultdict(list)
    for r in recs:
        if str(r.get("workload", "")).startswith("W7"):
            w7[(r["framework"], r["variant"], r["workload"])].append(r)
    for k in ORDER:
        for w in H.E2E_WORKLOADS:
            rs = w7.get((*k, w))
            if not rs:
                continue
            ok = [r for r in rs if "wall_s" in r]
            if not ok:
                out.append(f"| {LABEL[k]} | {w[3:]} | unavailable: {rs[0].get('error', '?')[:80]} | |")
                continue
            walls = [x for r in ok for x in r["repeat_wall_s"]]
            accs = [x for r in ok for x in r["repeat_test_acc"]]
            steps = {r.get("steps") for r in ok}
            note = "" if steps == {H.W7_STEPS} else f" (steps={sorted(steps)})"
            out.append(
                f"| {LABEL[k]} | {w[3:]}{note} | {fmt(statistics.median(walls))} [{fmt(min(walls))}-"
                f"{fmt(max(walls))}] | {statistics.median(accs):.3f} [{', '.join(f'{a:.3f}' for a in accs)}] |"
            )
    return out


def stand_ins(recs) -> list[str]:
    impl = sorted({s for r in recs if r.get("framework") == "ember" for s in r.get("impl", []) if "stand-in" in s})
    if not impl:
        return []
    return ["", "ember layers not in `ember.layers` yet, replaced by benchmark stand-ins built on `ember.ops`:"] + [
        f"- {s}" for s in impl
    ]


def render(recs: list[dict]) -> str:
    """The full Markdown report."""
    t = Table(recs)
    return "\n".join(run_notes(recs) + timing_section(t) + extras_section(t) + stand_ins(recs)) + "\n"


def run_notes(recs) -> list[str]:
    """A warning line when the run (its ``meta`` start line, see runner) used ``--quick`` or ``--smoke``."""
    starts = [r for r in recs if r.get("meta") == "start"]
    flags = [f for f in ("quick", "smoke") if any(r.get(f) for r in starts)]
    if not flags:
        return []
    return [f"**{' + '.join(flags)} run: shortened timing windows; numbers are for checking the pipeline, "
            "not for targets.**", ""]


if __name__ == "__main__":
    import sys

    print(render(load(sys.argv[1:])))
