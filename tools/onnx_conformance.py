"""Run ONNX's operator test cases through ember's ``onnx.backend`` and write the table in docs/onnx_import.md.

    PYTHONPATH=$PWD python tools/onnx_conformance.py            # all cases of the claimed operators
    PYTHONPATH=$PWD python tools/onnx_conformance.py --no-write # print the summary only

The cases come from ``onnx.backend.test.case.node.collect_testcases()`` (built in memory). A case
belongs to the operator of its node (an ``_expanded`` case to the operator of its unexpanded twin);
ember claims the operators of ``ember.interop.onnx.runtime.supported_ops()``. A case passes when every
output has the expected dtype and shape and agrees within ``rtol = max(case.rtol, 1e-3)``,
``atol = max(case.atol, 1e-5)``.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

DOC = Path(__file__).resolve().parent.parent / "docs" / "onnx_import.md"
BEGIN, END = "<!-- conformance table: begin -->", "<!-- conformance table: end -->"


def cases_by_operator() -> dict:
    """``{op_type: [TestCase, ...]}`` over the ``onnx`` wheel's node cases."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [c for c in collect_testcases() if c.kind == "node"]
    # a case's operator: its single node's type (expanded twins are matched by name below)
    op_of = {c.name: c.model.graph.node[0].op_type for c in cases if "_expanded" not in c.name and c.model.graph.node}
    out = defaultdict(list)
    for c in cases:
        base = re.sub(r"_expanded(_ver\d+)?$", "", c.name)
        op = op_of.get(base)
        if op is not None:
            out[op].append(c)
    return dict(out)


def _compare(got, want, rtol, atol) -> str | None:
    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = np.asarray(g), np.asarray(w)
        if w.dtype.kind in "OSU":
            if not np.array_equal(g.astype(w.dtype), w):
                return f"output {k}: strings differ"
            continue
        if g.dtype != w.dtype:
            return f"output {k}: dtype {g.dtype}, expected {w.dtype}"
        if w.dtype.kind not in "biuf" or w.dtype.itemsize < 2:  # ml_dtypes (bfloat16, float8, int4): as float64
            g, w = g.astype(np.float64), w.astype(np.float64)
        if g.shape != w.shape:
            return f"output {k}: shape {g.shape}, expected {w.shape}"
        if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
            err = np.max(np.abs(g.astype(np.float64) - w.astype(np.float64))) if g.size else 0.0
            return f"output {k}: values differ (max abs error {err:.3g})"
    return None


def _arrays(values) -> list:
    from onnx import TensorProto, numpy_helper

    return [numpy_helper.to_array(v) if isinstance(v, TensorProto) else v for v in values]


def run_case(case) -> str | None:
    """None when ``case`` passes, else a one-line reason."""
    from ember.interop.onnx import backend

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rep = backend.prepare(case.model, check=False)
            for inputs, expected in case.data_sets:
                reason = _compare(
                    rep.run(_arrays(inputs)), _arrays(expected), max(case.rtol, 1e-3), max(case.atol, 1e-5)
                )
                if reason:
                    return reason
    except NotImplementedError as e:
        return _short(str(e).split(" is not supported")[0].replace("ONNX import: ", "not implemented: "))
    except Exception as e:  # noqa: BLE001 - a failing case is reported, whatever the error
        return _short(f"{type(e).__name__}: {e}")
    return None


def _short(text: str) -> str:
    text = re.sub(r"; ember implements: .*", "", text.replace("\n", " ").replace("|", "/"))
    return text[:140]


def run_all(ops=None) -> dict:
    """``{op_type: [(case name, reason or None), ...]}`` for the claimed operators (or ``ops``)."""
    from ember.interop.onnx.runtime import supported_ops

    wanted = set(ops or supported_ops())
    by_op = cases_by_operator()
    return {op: [(c.name, run_case(c)) for c in by_op.get(op, [])] for op in sorted(wanted)}


def table(results: dict) -> str:
    """The Markdown table: operator, cases, passed, failed cases with reasons."""
    total = sum(len(v) for v in results.values())
    passed = sum(r is None for v in results.values() for _, r in v)
    lines = [
        f"{len(results)} operators claimed; {passed} of {total} of their ONNX test cases pass.",
        "",
        "| operator | cases | passed | failed (reason) |",
        "|---|---|---|---|",
    ]
    for op, rows in results.items():
        by_reason = defaultdict(list)
        for n, r in rows:
            if r is not None:
                by_reason[r].append(f"`{n}`")
        fails = "; ".join(f"{r}: {', '.join(names)}" for r, names in by_reason.items())
        lines.append(f"| {op} | {len(rows)} | {sum(r is None for _, r in rows)} | {fails} |")
    return "\n".join(lines)


def write(results: dict) -> None:
    text = DOC.read_text()
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + table(results) + "\n" + text[stop:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print the summary, leave the docs alone")
    parser.add_argument("--op", action="append", help="only this operator (repeatable)")
    args = parser.parse_args(argv)
    results = run_all(args.op)
    print(table(results).splitlines()[0])
    for op, rows in results.items():
        for name, reason in rows:
            if reason is not None:
                print(f"FAIL {op} {name}: {reason}")
    if not args.no_write and not args.op:
        write(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
