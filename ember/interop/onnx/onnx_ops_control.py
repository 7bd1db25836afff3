"""ONNX ``Loop`` and ``Scan``: a subgraph run repeatedly with ember ops (gradients flow through iterations).

``Loop(M, cond, v...)`` runs ``body(i, cond, v...) -> (cond, v..., scan...)`` while ``i < M`` (if ``M``
is given) and ``cond`` holds (if ``cond`` is given); it returns the final ``v`` and each scan output
stacked on a new first axis. ``Scan(state..., x...)`` runs ``body(state..., x_t...) -> (state...,
y_t...)`` over slices of the scan inputs along their axes (optionally reversed) and stacks the ``y_t``.
Reference: ONNX operator specification (Loop, Scan).
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _stack(node, values, axis=0, reverse=False):
    if not values:
        raise node.unsupported("a scan output of zero iterations")
    values = values[::-1] if reverse else values
    if all(v.data.dtype.kind == "f" for v in values):
        return ops.stack(values, axis=axis)
    return constant(np.stack([v.data for v in values], axis=axis))


def loop(node, inputs):
    """``Loop``: see the module docstring."""
    trip = inputs[0] if inputs and inputs[0] is not None else None
    cond_in = inputs[1] if len(inputs) > 1 and inputs[1] is not None else None
    max_trip = None if trip is None else int(np.asarray(trip.data).reshape(-1)[0])
    carried = list(inputs[2:])
    keep_going = True if cond_in is None else bool(np.asarray(cond_in.data).reshape(-1)[0])
    if max_trip is None and cond_in is None:
        raise node.unsupported("a Loop with neither trip count nor condition (it never ends)")
    scans, i = None, 0
    while (max_trip is None or i < max_trip) and keep_going:
        cond = constant(np.asarray(keep_going))
        outs = node.runner.run_subgraph(node, "body", node.runner._env, [constant(np.asarray(i, np.int64)), cond,
                                                                          *carried])  # fmt: skip
        carried = outs[1 : 1 + len(carried)]
        step_scans = outs[1 + len(carried) :]
        scans = [[] for _ in step_scans] if scans is None else scans
        for acc, value in zip(scans, step_scans, strict=True):
            acc.append(value)
        if cond_in is not None:
            keep_going = bool(np.asarray(outs[0].data).reshape(-1)[0])
        i += 1
    n_scans = len(node.outputs) - len(carried)
    return [*carried, *(_stack(node, acc) for acc in (scans or [[]] * n_scans))]


def scan(node, inputs):
    """``Scan`` (opset 9+): see the module docstring."""
    if node.opset < 9:
        raise node.unsupported("Scan-8 (batched, with sequence_lens)")
    n_scan = int(node.get("num_scan_inputs"))
    states, xs = list(inputs[: len(inputs) - n_scan]), inputs[len(inputs) - n_scan :]
    in_axes = [a % x.ndim for a, x in zip(node.get("scan_input_axes", [0] * n_scan), xs, strict=True)]
    in_dirs = node.get("scan_input_directions", [0] * n_scan)
    steps = xs[0].shape[in_axes[0]]
    ys = None
    for t in range(steps):
        slices = []
        for x, axis, direction in zip(xs, in_axes, in_dirs, strict=True):
            index = steps - 1 - t if direction else t
            slices.append(ops.getitem(x, (slice(None),) * axis + (index,)))
        outs = node.runner.run_subgraph(node, "body", node.runner._env, [*states, *slices])
        states, step_ys = outs[: len(states)], outs[len(states) :]
        ys = [[] for _ in step_ys] if ys is None else ys
        for acc, y in zip(ys, step_ys, strict=True):
            acc.append(y)
    n_out = len(ys or [])
    out_axes = node.get("scan_output_axes", [0] * n_out)
    out_dirs = node.get("scan_output_directions", [0] * n_out)
    stacked = [
        _stack(node, acc, axis=a % (acc[0].ndim + 1), reverse=bool(d))
        for acc, a, d in zip(ys or [], out_axes, out_dirs, strict=True)
    ]
    return [*states, *stacked]
