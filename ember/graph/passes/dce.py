"""Dead-code elimination: drop nodes whose outputs reach no output, effect, ``.grad`` or backward node.

A backwards sweep keeps a node when one of its outputs is live; effects (in-place updates),
``callback`` nodes (optimizer updates), ``.grad`` writes and RNG draws are always kept (an RNG
draw advances the generator, so removing it would change every later draw). An op node whose value is dead but whose
backward runs stays (its ctx slot is live). Unused captured tensors and constants go too.
"""

from __future__ import annotations

_ROOTS = ("effect", "leafgrad", "setgrad", "random", "callback")


def eliminate_dead_code(graph):
    """Remove dead nodes from ``graph`` in place; returns ``(graph, number removed)``."""
    live = set(graph.output_slots)
    kept = []
    for node in reversed(graph.nodes):
        if node.kind in _ROOTS or any(s in live for s in node.outputs if s is not None):
            live.update(node.inputs)
            if node.kind == "effect":
                live.add(node.attrs["target"])
            kept.append(node)
    removed = len(graph.nodes) - len(kept)
    graph.nodes = kept[::-1]
    graph.captured = {s: t for s, t in graph.captured.items() if s in live or _leaf_target(graph, s)}
    graph.constants = {s: a for s, a in graph.constants.items() if s in live}
    return graph, removed


def _leaf_target(graph, slot) -> bool:
    return any(n.attrs.get("leaf") == slot for n in graph.nodes if n.kind in ("leafgrad", "setgrad"))
