"""``python -m benchmarks``: ember and its peers, one fresh process each, interleaved round by round.

For every round and workload it runs each configuration in turn (ember, torch, keras, ember,
torch, keras, ...), so slow drift or a noisy neighbour hits all of them alike, appends every
JSON line (with ``round``) to ``--out`` and prints the tables of :mod:`benchmarks.report`.
The peers are ../shared/bench-peers (``--peers``), run with their own interpreters
(``--torch-python``, ``--keras-python``, ``--tinygrad-python``; defaults: see :func:`_default_python`).
W0 (sgemm) and import time run once per round for every framework. ``--smoke`` runs ember alone,
a few steps per workload (CI).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

from benchmarks import harness as H
from benchmarks import report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = [["W1"], ["W2"], ["W3"], ["W4"], ["W5"], ["W6"], ["W7"]]
# (framework, variant, scope): scope "all", "train+W6" or "W6"
# The peers are those of ../shared/bench-peers/run_all.py's CONFIGS (issue 14's "best peer" is over them).
CONFIGS = [("ember", "eager", "all"), ("ember", "tob", "train+W6"), ("ember", "graph", "train+W6"),
           ("torch", "eager", "all"), ("torch", "compile", "all"),
           ("keras", "fit", "all"), ("keras", "tob", "train+W6"), ("keras", "custom", "all"), ("keras", "eager", "W6"),
           ("tinygrad", "jit", "all")]  # fmt: skip
OPTIONAL = [("ember", "eager_mallopt", "all"), ("torch", "eager_mallopt", "all")]


def _applies(scope: str, step: list[str]) -> bool:
    return scope == "all" or (scope == "train+W6" and step[0] != "W7") or (scope == "W6" and step[0] == "W6")


def check_peer_harness(peers: str) -> None:
    """Fail loudly if the peers' ``_common.py`` and :mod:`benchmarks.harness` disagree on constants or data."""
    spec = importlib.util.spec_from_file_location("_peer_common", os.path.join(peers, "_common.py"))
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    diff = [n for n in H.SHARED_CONSTANTS if getattr(common, n, None) != getattr(H, n)]
    for w in ("W4", "W6_cnn_b1"):
        (a, b), (c, d) = common.synthetic_pool(w), H.synthetic_pool(w)
        if not (np.array_equal(a, c) and np.array_equal(b, d)):
            diff.append(f"synthetic_pool({w})")
    if diff:
        raise SystemExit(f"benchmarks/harness.py disagrees with {peers}/_common.py on: {diff}. Update harness.py.")


def run(cmd: list[str], cwd: str, out: str, extra: dict, env=None, timeout: int = 1800) -> list[dict]:
    """Run one benchmark process; append its JSON lines (plus ``extra``) to ``out`` and return them."""
    t = time.time()
    print(f"[{time.strftime('%H:%M:%S')}] {' '.join(os.path.basename(c) for c in cmd[1:])} {extra}",
          file=sys.stderr, flush=True)  # fmt: skip
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
        lines, rc, err = p.stdout.splitlines(), p.returncode, p.stderr[-2000:]
    except subprocess.TimeoutExpired as e:
        lines, rc, err = [], "timeout", str(e)[-500:]
    recs = [dict(json.loads(line), **extra) for line in lines if line.startswith("{")]
    if not recs:  # one error record per workload asked for, so the table can say "unavailable"
        wl = cmd[cmd.index("-w") + 1 : cmd.index("-r")] if "-w" in cmd and "-r" in cmd else ["?"]
        fw = "ember" if "benchmarks.bench_ember" in cmd else os.path.basename(cmd[1])[6:-3]
        variant = cmd[cmd.index("-v") + 1] if "-v" in cmd else "-"
        groups = [w2 for w in wl for w2 in H.GROUPS.get(w, [w])]
        recs = [{"framework": fw, "variant": variant, "workload": w, "cmd": cmd[1:], "rc": rc,
                 "error": f"no output (rc={rc}): {err[-300:]}", **extra} for w in groups]  # fmt: skip
    with open(out, "a") as f:
        f.writelines(json.dumps(r) + "\n" for r in recs)
    print(f"    -> {len(recs)} records, rc={rc}, {time.time() - t:.1f}s", file=sys.stderr, flush=True)
    return recs


def _beside_repo(*parts: str) -> str | None:
    """``../<parts>`` beside the repository, else one level up (a worktree in /work/wt/X sees /work/<parts>)."""
    for root in (os.path.dirname(REPO), os.path.dirname(os.path.dirname(REPO))):
        if os.path.exists(os.path.join(root, *parts)):
            return os.path.join(root, *parts)
    return None


def _default_python(name: str) -> str | None:
    """``venvs/<name>/bin/python`` (see :func:`_beside_repo`); for torch, else this interpreter when it
    has torch (torch 2.13 lives in ember's dev venv)."""
    path = _beside_repo("venvs", name, "bin", "python")
    if path:
        return path
    if name == "torch" and importlib.util.find_spec("torch") is not None:
        return sys.executable
    return None


def parse(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers", default=_beside_repo("shared", "bench-peers") or "../shared/bench-peers")
    ap.add_argument("--torch-python", default=_default_python("torch"))
    ap.add_argument("--keras-python", default=_default_python("keras"))
    ap.add_argument("--tinygrad-python", default=_default_python("tinygrad"))
    ap.add_argument("--only", nargs="*", help="workload groups, e.g. W0 import W2 W7")
    ap.add_argument("--configs", nargs="*", help="exactly these framework:variant pairs, e.g. ember:eager torch:eager")
    ap.add_argument("--optional", action="store_true", help="also ember/torch eager_mallopt")
    ap.add_argument("--quick", action="store_true", help="short timing windows (all frameworks)")
    ap.add_argument("--smoke", action="store_true", help="ember only, a few steps per workload, no peers (CI)")
    ap.add_argument("--w7-steps", type=int, default=None, help="override W7's 6000 steps (marked in the table)")
    ap.add_argument("--out", default=None, help="JSON-lines file (default benchmarks/results/<time>.jsonl)")
    ap.add_argument("--markdown", default=None, help="also write the tables to this file")
    return ap.parse_args(argv)


def _plan(a):
    """The list of (framework, variant, scope) to run and the interpreter of each framework."""
    pys = {"ember": sys.executable, "torch": a.torch_python, "keras": a.keras_python, "tinygrad": a.tinygrad_python}
    if not a.smoke and not os.path.isdir(a.peers):
        print(f"peer scripts not found at --peers {a.peers}: running ember alone", file=sys.stderr)
    if a.smoke or not os.path.isdir(a.peers):
        pys["torch"] = pys["keras"] = pys["tinygrad"] = None
    configs = CONFIGS + (OPTIONAL if a.optional else [])
    if a.configs:
        configs = [c for c in CONFIGS + OPTIONAL if f"{c[0]}:{c[1]}" in a.configs]
    return [c for c in configs if pys.get(c[0])], pys


def _cmd(pys, fw, workloads, variant, a, rnd):
    script = ["-m", "benchmarks.bench_ember"] if fw == "ember" else [f"bench_{fw}.py"]
    cmd = [pys[fw], *script, "-w", *workloads, "-r", "1" if variant else "3"]  # W0: 3 x 50 calls, as run_all
    if variant:
        cmd += ["-v", variant, "--seed", str(rnd)]
    if a.quick:
        cmd.append("--quick")
    if a.smoke and fw == "ember":
        cmd.append("--smoke")
    if a.w7_steps and "W7" in workloads:
        cmd += ["--w7-steps", str(a.w7_steps)]
    return cmd


def _smoke(a, pys, out, env) -> None:
    """CI: one ember process for the eager loop on everything, one for train_on_batch on the small models."""
    run(_cmd(pys, "ember", ["all"], "eager", a, 0), REPO, out, {"round": 0}, env=env)
    run(_cmd(pys, "ember", ["W1", "W2", "W6_mlp_b1"], "tob", a, 0), REPO, out, {"round": 0}, env=env)


def _log_plan(a, configs, pys, out) -> None:
    """Print what will run and append it to ``out`` as a ``meta`` line (the report reads the flags)."""
    plan = {"meta": "start", "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "rounds": a.rounds, "quick": a.quick,
            "smoke": a.smoke, "only": a.only, "w7_steps": a.w7_steps, "peers": a.peers,
            "configs": [f"{fw}:{v}" for fw, v, _ in configs],
            "python": {k: v for k, v in pys.items() if v}}  # fmt: skip
    missing = sorted({c[0] for c in CONFIGS} - {k for k, v in pys.items() if v})
    print(f"configs: {' '.join(plan['configs'])}; skipped (no interpreter): {missing or 'none'}", file=sys.stderr)
    with open(out, "a") as f:
        f.write(json.dumps(plan) + "\n")


def main(argv=None) -> str:
    a = parse(argv)
    configs, pys = _plan(a)
    if any(c[0] != "ember" for c in configs):
        check_peer_harness(a.peers)
    out = a.out or os.path.join(REPO, "benchmarks", "results", time.strftime("%Y%m%d-%H%M%S") + ".jsonl")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    only = set(a.only) if a.only else None
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHON", None)  # tinygrad reads PYTHON=... as "use the PYTHON emulator device"
    if a.smoke:  # one BLAS thread: a CI runner is usually busy, and OpenBLAS's 2 threads then stall
        env.setdefault("BENCH_THREADS", "1")
    cwd = {"ember": REPO, "torch": a.peers, "keras": a.peers, "tinygrad": a.peers}
    _log_plan(a, configs, pys, out)
    if a.smoke:
        _smoke(a, pys, out, env)
    for rnd in range(0 if a.smoke else a.rounds):
        wl = [w for w in ("W0", "import") if only is None or w in only]
        for fw in dict.fromkeys(c[0] for c in configs):
            if wl:
                run(_cmd(pys, fw, wl, None, a, rnd), cwd[fw], out, {"round": rnd}, env=env)
        for step in STEPS:
            if only is not None and step[0] not in only:
                continue
            for fw, variant, scope in configs:
                if _applies(scope, step):
                    run(_cmd(pys, fw, step, variant, a, rnd), cwd[fw], out, {"round": rnd}, env=env)
    with open(out, "a") as f:
        f.write(json.dumps({"meta": "end", "time": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
    text = report.render(report.load([out]))
    header = f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.path.basename(out)}\n\n"
    print(header + text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(header + text)
    return out
