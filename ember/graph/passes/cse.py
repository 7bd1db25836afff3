"""Common-subexpression elimination: an op applied twice to the same slots with the same arguments runs once.

Two ``op`` nodes are the same expression when their Function class, input slots, keyword
arguments and ``needs_grad`` agree. The later node is dropped and its value and ctx slots
renamed to the earlier node's (its backward then calls the earlier node's ``backward``,
which saved the same arrays). An in-place effect ends the window (values may have changed).
Nodes with unhashable keyword arguments are left alone.
"""

from __future__ import annotations


def _key(node):
    try:
        kwargs = tuple(sorted(node.attrs["kwargs"].items()))
        key = (node.op, tuple(node.inputs), kwargs, node.attrs["needs"], node.attrs.get("tensor_kwargs"))
        hash(key)
    except TypeError:
        return None
    return key


def eliminate_common_subexpressions(graph):
    """Merge repeated ``op`` nodes of ``graph`` in place; returns ``(graph, number merged)``."""
    seen: dict = {}
    rename: dict = {}
    kept = []
    for node in graph.nodes:
        node.inputs = [rename.get(s, s) for s in node.inputs]
        if node.kind == "callback":  # it may update any variable in place (an optimizer step)
            seen.clear()
        if node.kind == "effect":
            seen.clear()
            node.attrs["target"] = rename.get(node.attrs["target"], node.attrs["target"])
        if node.kind == "op":
            key = _key(node)
            if key is not None and key in seen:
                for old, new in zip(node.outputs, seen[key].outputs, strict=True):
                    rename[old] = new
                continue
            if key is not None:
                seen[key] = node
        kept.append(node)
    merged = len(graph.nodes) - len(kept)
    graph.nodes = kept
    graph.output_slots = [rename.get(s, s) for s in graph.output_slots]
    return graph, merged
