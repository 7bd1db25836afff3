"""The traced graph: a flat program of nodes over numbered value slots.

A :class:`Graph` is what :mod:`ember.graph.tracer` records while a function runs eagerly
and what :mod:`ember.graph.replay` executes on arrays. Every value the program touches
lives in a slot ``0 .. num_slots-1``; a node reads slots and writes slots. Slot sources:

- ``inputs``: ``{slot: position}``: the position of the array in the call's flattened arguments;
- ``captured``: ``{slot: tensor}``: a Tensor from outside the function (a Variable, a closure's
  tensor) whose *current* ``.data`` is read at every replay, so changes made outside are seen;
- ``constants``: ``{slot: array}``: values born during tracing that depend on nothing (literals,
  ``zeros`` states, folded subgraphs);
- node outputs.

Node kinds (``Node.kind``):

==========  ===================================================================================
``op``      a :class:`~ember.autograd.Function`: ``outputs = [value, ctx]``; ``attrs``: ``kwargs``,
            ``needs`` (the forward's ``needs_grad``). The ctx slot holds the node object that
            the backward nodes call.
``random``  ``op(*inputs, **attrs['kwargs'])`` draws from the RNG; called again at every replay.
``host``    ``op(*inputs, **attrs['kwargs'])``: a non-differentiable array function (label checks);
            called again at every replay.
``grad``    ``inputs = [ctx, upstream grad]``: ``ctx.backward(g)``; one output slot per parent
            (``None`` where no gradient flows).
``ones``    the seed gradient ``ones_like(inputs[0])`` of a scalar ``backward()``.
``add``     gradient accumulation ``inputs[0] + inputs[1]``.
``leafgrad`` ``attrs['leaf']`` (a tensor or an input position) receives ``inputs[0]`` into its
            ``.grad`` exactly as the eager engine accumulates it; the new grad array is the output.
``effect``  in-place update of ``attrs['target']`` (``'copy'``, ``'assign'``, ``'__iadd__'``, ...) by
            ``inputs[0]`` (or ``attrs['scalar']``).
``setgrad`` the leaf's final ``.grad`` after the call: ``inputs[0]``, or ``None`` when no input.
``callback`` ``op(*inputs)``: Python that updates state from traced values (``Optimizer.apply``: the
            step counter, schedules and in-place slot kernels), run again at every replay; no outputs.
==========  ===================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    """One step of the program: ``outputs = kind/op(inputs)`` (see the module docstring)."""

    kind: str
    op: object
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The op's name for printing and drawings: the Function class name or the kind."""
        if self.kind == "op":
            return self.op.__name__
        if self.kind in ("random", "host", "callback"):
            return f"{self.kind}:{getattr(self.op, '__name__', 'fn')}"
        return self.kind


@dataclass
class Graph:
    """A traced program (see the module docstring for the slot sources and node kinds)."""

    nodes: list = field(default_factory=list)
    num_slots: int = 0
    inputs: dict = field(default_factory=dict)
    captured: dict = field(default_factory=dict)
    constants: dict = field(default_factory=dict)
    output_slots: list = field(default_factory=list)
    output_tree: object = None
    release: list | None = None  # per node, slots to drop after it (passes/liveness.py); None: keep all
    buffers: list | None = None  # (shape, dtype) of each preallocated buffer (passes/buffers.py); None: none

    def new_slot(self) -> int:
        """Reserve a fresh slot number."""
        self.num_slots += 1
        return self.num_slots - 1

    def count(self, kind: str | None = None) -> int:
        """Number of nodes (of ``kind`` when given)."""
        return sum(1 for n in self.nodes if kind is None or n.kind == kind)

    def summary(self) -> str:
        """One line per node: ``[i] name(inputs) -> outputs``, for debugging and docs."""
        lines = [f"Graph: {len(self.nodes)} nodes, {self.num_slots} slots, {len(self.inputs)} inputs, "
                 f"{len(self.captured)} captured, {len(self.constants)} constants"]  # fmt: skip
        lines += [f"[{i}] {n.name}({n.inputs}) -> {n.outputs}" for i, n in enumerate(self.nodes)]
        return "\n".join(lines)
