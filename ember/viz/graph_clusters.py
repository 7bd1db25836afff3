"""Which ops of an autograd graph belong to which layer call (for ``draw_graph``'s clusters).

``Layer.__call__`` appends ``(layer, inputs)`` to the ``layer_calls`` list of the node that made its output. The ops of
that call are the ones reachable backwards from the output without passing through the call's inputs;
nested layers give nested clusters, and each op belongs to the smallest cluster that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cluster:
    """One layer call: its layer, output tensor, member op tensors (ids) and weights."""

    layer: object
    output: object
    label: str
    members: set = field(default_factory=set)
    weights: list = field(default_factory=list)
    parent: Cluster | None = None
    key: str = ""


def _is_model(layer) -> bool:
    from ember.models import Model  # a model's call spans the whole graph: no cluster for it

    return isinstance(layer, Model)


def find_clusters(ops: list) -> list[Cluster]:
    """The layer-call clusters among ``ops`` (op tensors in topological order), outermost first."""
    clusters, calls = [], {}
    op_ids = {id(t) for t in ops}
    tagged = [(t, tag) for t in ops for tag in getattr(t._ctx, "__dict__", {}).get("layer_calls", ())]
    for t, (layer, inputs) in tagged:
        if _is_model(layer):
            continue
        stop = {id(x) for x in _flatten(inputs)}
        members, weights, stack, seen = set(), [], [t], set()
        own = {id(w) for w in layer.weights}
        while stack:
            node = stack.pop()
            if id(node) in seen or id(node) in stop:
                continue
            seen.add(id(node))
            if id(node) in op_ids:
                members.add(id(node))
                stack.extend(node._ctx.parents)
            elif id(node) in own:
                weights.append(node)
        calls[layer.name] = calls.get(layer.name, 0) + 1
        label = f"{layer.name} ({type(layer).__name__})"
        if calls[layer.name] > 1:
            label += f" call {calls[layer.name]}"
        clusters.append(Cluster(layer, t, label, members, weights, key=f"cluster_{len(clusters)}"))
    clusters.sort(key=lambda c: -len(c.members))
    for i, c in enumerate(clusters):  # parent: the smallest earlier (larger) cluster containing it
        for outer in reversed(clusters[:i]):
            if c.members <= outer.members and c.members != outer.members:
                c.parent = outer
                break
    return clusters


def innermost(clusters: list[Cluster]) -> dict[int, Cluster]:
    """``id(op tensor) -> smallest cluster`` holding it."""
    owner = {}
    for c in clusters:  # larger first, so smaller clusters overwrite
        for m in c.members:
            owner[m] = c
        for w in c.weights:
            owner[id(w)] = c
    return owner


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    elif isinstance(x, dict):
        for item in x.values():
            yield from _flatten(item)
    elif x is not None:
        yield x
