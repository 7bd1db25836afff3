"""Drawing a traced graph of graph mode (``ember.function``) before or after its optimisation passes.

One box per node of the program (forward ops solid, backward ``grad``/``add``/``leafgrad`` nodes dashed,
random and in-place update nodes marked), one ellipse per input, captured weight (its layer path) and
constant; an edge per value slot read, labelled ``%slot``.
"""

from __future__ import annotations

from ember.utils.graphviz_render import quote

_KIND_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#f2f2f2"',
    "random": 'shape=box, style="rounded,filled", fillcolor="#fde2c8"',
    "host": 'shape=box, style="rounded,dashed"',
    "effect": 'shape=box, style="filled", fillcolor="#f8d7d2"',
    "setgrad": 'shape=box, style="filled", fillcolor="#f8d7d2"',
}
_BACKWARD = 'shape=box, style="rounded,dashed,filled", fillcolor="#e8eef8"'


def _source_label(graph, slot) -> tuple[str, str]:
    if slot in graph.inputs:
        return f"input {graph.inputs[slot]}", 'shape=parallelogram, style=filled, fillcolor="#fff2c6"'
    if slot in graph.captured:
        t = graph.captured[slot]
        return getattr(t, "path", "captured"), 'shape=ellipse, style=filled, fillcolor="#cfe8cf"'
    if slot in graph.constants:
        value = graph.constants[slot]
        return f"constant {tuple(getattr(value, 'shape', ()))}", "shape=ellipse, style=dashed"
    return f"%{slot}", "shape=point"


def traced_graph_to_dot(graph, title: str = "traced", rankdir: str = "TB") -> str:
    """DOT text of an :class:`ember.graph.ir.Graph`: nodes in program order, edges along value slots."""
    producer = {}
    lines = [f"digraph {quote(title)} {{", f"  rankdir={rankdir};", '  graph [fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];']  # fmt: skip
    for i, node in enumerate(graph.nodes):
        style = _KIND_STYLE.get(node.kind, _BACKWARD)
        lines.append(f"  n{i} [label={quote(f'{i}: {node.name}')}, {style}];")
        for slot in node.outputs:
            if slot is not None:
                producer[slot] = f"n{i}"
    sources = set()
    for i, node in enumerate(graph.nodes):
        for slot in node.inputs:
            if not isinstance(slot, int):
                continue
            if slot not in producer and slot not in sources:
                label, style = _source_label(graph, slot)
                lines.append(f"  s{slot} [label={quote(label)}, {style}];")
                sources.add(slot)
            src = producer.get(slot, f"s{slot}")
            lines.append(f"  {src} -> n{i} [label={quote(f'%{slot}')}];")
    for k, slot in enumerate(graph.output_slots):
        lines.append(f"  out{k} [label={quote(f'output {k}')}, shape=doublecircle];")
        lines.append(f"  {producer.get(slot, f's{slot}')} -> out{k};")
    return "\n".join(lines + ["}"]) + "\n"
