"""Graph optimisation passes, each a function ``Graph -> (Graph, int changed)`` in its own module.

:func:`optimize` runs them in order on a copy of the traced graph:
constant folding (:mod:`.constant_folding`), common-subexpression elimination (:mod:`.cse`),
dead-code elimination (:mod:`.dce`), matmul/conv + bias + activation fusion (:mod:`.bias_act_fusion`),
``Add -> ReLU`` fusion (:mod:`.fusion`), elementwise-chain fusion (:mod:`.elementwise_fusion`), then the liveness
analysis (:mod:`.liveness`) that lets the replay release each value after its last use, then
buffer planning (:mod:`.buffers`, off by default): preallocated output buffers shared by values
whose lifetimes do not overlap. Each pass
keeps the program's observable behaviour: outputs, in-place effects, ``.grad`` updates and the
order of RNG draws.
"""

from __future__ import annotations

import dataclasses

from ember.graph.passes.bias_act_fusion import fuse_bias_activation
from ember.graph.passes.buffers import plan_buffers
from ember.graph.passes.constant_folding import fold_constants
from ember.graph.passes.cse import eliminate_common_subexpressions
from ember.graph.passes.dce import eliminate_dead_code
from ember.graph.passes.elementwise_fusion import fuse_elementwise_chains
from ember.graph.passes.fusion import fuse_add_relu
from ember.graph.passes.liveness import analyse as analyse_liveness

PASSES = {
    "constant_folding": fold_constants,
    "cse": eliminate_common_subexpressions,
    "dce": eliminate_dead_code,
    "bias_act_fusion": fuse_bias_activation,
    "fusion": fuse_add_relu,
    "elementwise_fusion": fuse_elementwise_chains,
    "liveness": analyse_liveness,
    "buffers": plan_buffers,
}
_ENABLED = dict.fromkeys(PASSES, True)
_ENABLED["buffers"] = False  # off by default: no CPU-time gain on W1-W5, more memory held (docs/graph_mode.md)


def copy_graph(graph):
    """A copy whose node list and slot tables can be changed without touching ``graph``."""
    nodes = [dataclasses.replace(n, inputs=list(n.inputs), outputs=list(n.outputs), attrs=dict(n.attrs))
             for n in graph.nodes]  # fmt: skip
    return dataclasses.replace(graph, nodes=nodes, inputs=dict(graph.inputs), captured=dict(graph.captured),
                               constants=dict(graph.constants), output_slots=list(graph.output_slots))  # fmt: skip


def set_enabled(name: str, enabled: bool) -> None:
    """Turn one pass on or off (for measuring each pass's effect).

    Raises:
        ValueError: for an unknown pass name, listing the known ones.
    """
    if name not in PASSES:
        raise ValueError(f"set_enabled: unknown pass. Expected one of {sorted(PASSES)}. Received: name={name!r}")
    _ENABLED[name] = bool(enabled)


def is_enabled(name: str) -> bool:
    """Whether pass ``name`` runs (all do by default except ``"buffers"``).

    Raises:
        KeyError: for an unknown pass name.
    """
    return _ENABLED[name]


def optimize(graph, born_ids: set = frozenset()):
    """Run every enabled pass on a copy of ``graph``; returns ``(graph, {pass: nodes changed})``."""
    graph = copy_graph(graph)
    stats = {}
    for name, fn in PASSES.items():
        if not _ENABLED[name]:
            continue
        graph, changed = fn(graph, born_ids) if name == "constant_folding" else fn(graph)
        stats[name] = changed
    return graph, stats


__all__ = ["optimize", "set_enabled", "is_enabled", "copy_graph", "PASSES"]
