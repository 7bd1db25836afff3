"""Metric results over all ranks: sum the metric *states* (totals, counts), then compute each result once.

Averaging each rank's accuracy would weigh a rank's 10 last samples like another's
1,000; summing ``total`` and ``count`` (or confusion counts) first gives exactly the
result one process would compute over all the samples. The summed states are then
broadcast from rank 0 so every rank holds bit-identical numbers (callbacks decide
identically), whatever order the allreduce added them in.
"""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.distributed import comm

# State attributes of ember's metrics that add up across samples (Mean/Sum, confusion counts, AUC, F-beta, R2).
_ADDITIVE = ("total", "count", "counts", "sums")


def _parts(value) -> list | None:
    """The arrays of one state attribute, in a fixed order; ``None`` if it cannot be summed."""
    if isinstance(value, (int, float, np.floating, np.integer)):
        return [np.asarray(value, dtype=np.float64)]
    if isinstance(value, dict):
        return [backend.to_numpy(value[k]) for k in sorted(value)]
    if isinstance(value, tuple):
        return [backend.to_numpy(v) for v in value]
    if value is not None and hasattr(value, "shape"):
        return [backend.to_numpy(value)]
    return None


def _rebuild(old, arrays: list):
    if isinstance(old, (int, float, np.floating, np.integer)):
        return float(arrays[0])
    if isinstance(old, dict):
        return {k: backend.asarray(a.astype(backend.to_numpy(old[k]).dtype)) for k, a in zip(sorted(old), arrays,
                                                                                           strict=True)}  # fmt: skip
    if isinstance(old, tuple):
        return tuple(backend.asarray(a.astype(backend.to_numpy(o).dtype)) for a, o in zip(arrays, old, strict=True))
    return backend.asarray(arrays[0].astype(backend.to_numpy(old).dtype))


def _layout(metrics: list):
    """``[(metric, attr, parts)]`` of every additive state, and the metrics whose state is not additive."""
    layout, others = [], []
    for m in metrics:
        attrs = [(a, _parts(getattr(m, a))) for a in _ADDITIVE if hasattr(m, a)]
        if attrs and all(p is not None for _, p in attrs):
            layout += [(m, a, p) for a, p in attrs]
        else:
            others.append(m)
    return layout, others


def reduce_metrics(metrics: list) -> dict:
    """Sum each metric's state over all ranks (in place) and return ``{name: result}``, the same on every rank.

    Metrics without an additive state (a custom metric, or an AUC that saw no batch on
    some rank) get the mean of the ranks' results instead.

    Raises:
        ValueError: if the ranks' metric states have different layouts.
    """
    layout, others = _layout(metrics)
    flat = [p.astype(np.float64).reshape(-1) for _, _, parts in layout for p in parts]
    vector = np.concatenate(flat + [np.array([float(m.result()) for m in others], dtype=np.float64)])
    lengths = comm.allgather(np.array([len(vector), len(others)], dtype=np.int64))
    if len({tuple(row) for row in lengths.tolist()}) > 1:
        raise ValueError(f"ember.distributed: metric states differ in layout across ranks: "
                         f"{lengths.tolist()} (state length, metrics averaged by result); "
                         "every rank must compile the same metrics")
    summed = comm.broadcast(comm.allreduce(vector, op="sum"), root=0)
    offset = 0
    for m, attr, parts in layout:
        arrays = []
        for p in parts:
            arrays.append(summed[offset : offset + p.size].reshape(p.shape))
            offset += p.size
        setattr(m, attr, _rebuild(getattr(m, attr), arrays))
    averaged = dict(zip([m.name for m in others], (summed[offset:] / comm.size()).tolist(), strict=True))
    return {m.name: averaged[m.name] if m in others else m.result() for m in metrics}
