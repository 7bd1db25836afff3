"""Liveness analysis: release every value right after its last use during a replay.

The replay keeps its values in one list of slots; without this pass every activation,
Function object (with its saved arrays) and gradient of a step would stay referenced until
the step ends, so the step's peak memory would be the sum of all of them. Eager mode frees
each one as soon as its last reference goes. This pass computes, for each node, the slots
whose last reader (or writer, for values nobody reads) it is; :class:`~ember.graph.replay.Program`
drops them after the node runs, so freed blocks go back to the allocator and are reused by
the next node's output (the same blocks, still in cache). Outputs are never released.
"""

from __future__ import annotations


def release_lists(graph) -> list[list[int]]:
    """``out[i]``: the slots to drop after node ``i`` (their last use); outputs are kept."""
    keep = set(graph.output_slots)
    last: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for s in node.inputs:
            last[s] = i
        for s in node.outputs:
            if s is not None:
                last.setdefault(s, i)
                last[s] = max(last[s], i)
        if node.kind == "effect":
            last[node.attrs["target"]] = i
    out: list[list[int]] = [[] for _ in graph.nodes]
    for slot, i in last.items():
        if slot not in keep:
            out[i].append(slot)
    return out


def analyse(graph):
    """Attach ``graph.release`` (see :func:`release_lists`); returns ``(graph, number of releases)``."""
    graph.release = release_lists(graph)
    return graph, sum(len(r) for r in graph.release)
