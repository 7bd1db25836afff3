"""``draw_graph``: the autograd graph that produced a tensor, as Graphviz DOT (micrograd's drawing, any size).

A box per op (its name and output shape), an ellipse per weight (its layer path) and a parallelogram per
input; edges carry the shape of the tensor that flows. Ops of one layer call collapse into one box named
after the layer (``collapse_layers=True``), or are drawn inside a cluster labelled with the layer's name.
"""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.autograd import Tensor, Variable
from ember.autograd.graph_walk import graph_tensors, node_gradients
from ember.utils.graphviz_render import quote, render
from ember.viz.graph_clusters import find_clusters, innermost

_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#f2f2f2"',
    "layer": 'shape=box3d, style=filled, fillcolor="#dbe9f6"',
    "weight": 'shape=ellipse, style=filled, fillcolor="#cfe8cf"',
    "input": 'shape=parallelogram, style=filled, fillcolor="#fff2c6"',
    "constant": 'shape=ellipse, style=dashed',
    "output": 'shape=box, style="rounded,filled,bold", fillcolor="#f8d7d2"',
}


def format_array(array, max_values: int = 6, precision: int = 4) -> str:
    """Short text for an array: every value when it has at most ``max_values``, else min/mean/max."""
    a = np.asarray(backend.to_numpy(array), dtype=np.float64)
    if a.size <= max_values:
        text = np.array2string(a, precision=precision, separator=", ", suppress_small=False)
        return text.replace("\n", "")
    return f"min {a.min():.{precision}g} mean {a.mean():.{precision}g} max {a.max():.{precision}g}"


def _shape(t) -> str:
    return str(tuple(int(d) for d in t.shape))


def _leaf_kind(t) -> tuple[str, str]:
    if isinstance(t, Variable):
        return "weight", t.path
    if t.data.size == 1 and not t.requires_grad:
        return "constant", "constant " + format_array(t.data)
    return "input", "input"


class _Builder:
    def __init__(self, root, show_values, show_grads, max_values, collapse_layers, expand):
        self.root, self.show_values, self.show_grads, self.max_values = root, show_values, show_grads, max_values
        self.ops, self.leaves = graph_tensors(root)
        self.grads = node_gradients(root) if show_grads and root.data.size == 1 else {}
        if show_grads and root.data.size != 1:
            raise ValueError(f"draw_graph: show_grads needs a scalar output (a loss). Received: shape={root.shape}")
        clusters = find_clusters(self.ops)
        expand = set(expand or ())
        self.collapsed = [c for c in clusters if collapse_layers and c.layer.name not in expand
                          and (c.parent is None or c.parent.layer.name in expand or not collapse_layers)]  # fmt: skip
        self.owner = innermost(clusters)
        self.clusters = clusters
        self.rep = {}  # id(tensor) -> node id that stands for it
        self.numbers = {id(t): f"n{i}" for i, t in enumerate(self.leaves + self.ops)}  # stable names
        for c in self.collapsed:
            for m in list(c.members) + [id(w) for w in c.weights]:
                self.rep[m] = c.key

    def _values(self, t) -> str:
        text = ""
        if self.show_values:
            text += "\ndata " + format_array(t.data, self.max_values)
        if self.show_grads:
            g = self.grads.get(id(t))
            if g is None and t.grad is not None:
                g = t.grad.data
            if g is not None:
                text += "\ngrad " + format_array(g, self.max_values)
        return text

    def node_id(self, t) -> str:
        return self.rep.get(id(t)) or self.numbers[id(t)]

    def nodes(self) -> dict[str, list[str]]:
        """Node lines grouped by the cluster key they are drawn in ('' = top level)."""
        groups: dict[str, list[str]] = {}
        for c in self.collapsed:
            weights = ", ".join(f"{w.name} {_shape(w)}" for w in c.weights)
            label = f"{c.label}\nout {_shape(c.output)}" + (f"\n{weights}" if weights else "") + self._values(c.output)
            groups.setdefault("", []).append(f"  {c.key} [label={quote(label)}, {_STYLE['layer']}];")
        for t in self.leaves:
            if id(t) in self.rep:
                continue
            kind, name = _leaf_kind(t)
            line = f"  {self.node_id(t)} [label={quote(name + ' ' + _shape(t) + self._values(t))}, {_STYLE[kind]}];"
            groups.setdefault(self._group(t), []).append(line)
        for t in self.ops:
            if id(t) in self.rep:
                continue
            style = _STYLE["output"] if t is self.root else _STYLE["op"]
            label = f"{t._ctx.name}\n{_shape(t)}{self._values(t)}"
            groups.setdefault(self._group(t), []).append(f"  {self.node_id(t)} [label={quote(label)}, {style}];")
        return groups

    def _group(self, t) -> str:
        c = self.owner.get(id(t))
        return c.key if c is not None else ""

    def edges(self) -> list[str]:
        out, seen = [], set()
        for t in self.ops:
            dst = self.node_id(t)
            for parent in t._ctx.parents:
                src = self.node_id(parent)
                if src == dst or (src, dst) in seen:
                    continue
                seen.add((src, dst))
                out.append(f"  {src} -> {dst} [label={quote(_shape(parent))}];")
        return out

    def dot(self, rankdir: str) -> str:
        groups = self.nodes()
        lines = ["digraph autograd {", f"  rankdir={rankdir};", '  graph [fontname="Helvetica"];',
                 '  node [fontname="Helvetica", fontsize=10];',
                 '  edge [fontname="Helvetica", fontsize=8];']  # fmt: skip
        lines += groups.pop("", [])
        drawn = [c for c in self.clusters if c.key in groups or any(d.parent is c for d in self.clusters)]
        for c in [c for c in drawn if c.parent is None or c.parent not in drawn]:
            lines += self._cluster_lines(c, groups, drawn, "  ")
        return "\n".join(lines + self.edges() + ["}"]) + "\n"

    def _cluster_lines(self, c, groups, drawn, indent) -> list[str]:
        lines = [f"{indent}subgraph {c.key} {{", f"{indent}  label={quote(c.label)}; style=rounded; color=gray50;"]
        lines += [indent + line for line in groups.get(c.key, [])]
        for child in [d for d in drawn if d.parent is c]:
            lines += self._cluster_lines(child, groups, drawn, indent + "  ")
        return lines + [f"{indent}}}"]


def draw_graph(output, path=None, show_values: bool = False, show_grads: bool = False, format: str | None = None,
               collapse_layers: bool = True, expand=(), max_values: int = 6, rankdir: str = "LR",
               optimized: bool = True) -> str:  # fmt: skip
    """Draw the autograd graph that produced ``output`` (micrograd's ``draw_dot`` for graphs of any size).

    Nodes: one per op (the :class:`~ember.autograd.Function` name and its output shape), per weight
    (a :class:`~ember.autograd.Variable`, labelled with its layer path, e.g. ``dense/kernel``) and per input;
    edges carry the shape of the tensor that flows. With ``show_values`` each node shows its values, with
    ``show_grads`` the gradient of ``output`` with respect to it (computed here with the same backward
    functions training uses; the graph is kept). Ops of one layer call collapse into one box named after the
    layer (``collapse_layers=True``); ``expand`` names layers to draw op by op inside a labelled cluster.

    Args:
        output: the Tensor whose graph to draw (e.g. a loss), computed with recording on.
        path: file to write; ``None`` writes nothing. Defaults to ``None``.
        show_values: add each node's values (all when at most ``max_values``, else min/mean/max).
            Defaults to ``False``.
        show_grads: add d output / d node at every node; ``output`` must be a scalar. Defaults to ``False``.
        format: ``'svg'``, ``'png'`` or ``'dot'`` (the DOT text itself). Defaults to ``path``'s extension,
            else ``'svg'``.
        collapse_layers: one box per layer call. Defaults to ``True``.
        expand: names of layers drawn op by op although ``collapse_layers`` is on. Defaults to ``()``.
        max_values: values shown in full up to this size. Defaults to ``6``.
        rankdir: ``'LR'`` (left to right, as micrograd) or ``'TB'``. Defaults to ``'LR'``.
        optimized: for a traced graph (``output`` is a ``ConcreteFunction`` of :func:`ember.function`),
            draw it after the optimisation passes (``True``) or as recorded (``False``). Defaults to ``True``.

    Returns:
        The DOT text (always, also when Graphviz is missing: then a ``RuntimeWarning`` says how to install it
        and nothing is written).

    Raises:
        TypeError: when ``output`` is neither a Tensor nor a traced graph.
        ValueError: when ``output`` has no recorded graph (a leaf, or computed under ``ember.no_grad()``), or
            its graph was freed by ``backward()`` without ``retain_graph=True``.

    Example:
        >>> import ember
        >>> w = ember.tensor([2.0], requires_grad=True)
        >>> dot = draw_graph((w * 3.0).sum(), format="dot")
        >>> "Multiply" in dot or "Mul" in dot
        True

    Source: karpathy/micrograd ``trace_graph.ipynb`` (``draw_dot``); torchviz ``make_dot``.
    """
    traced = getattr(output, "unoptimized_graph", None) is not None or type(output).__name__ == "Graph"
    if traced:  # a ConcreteFunction of ember.function (or its Graph): the replayed program
        from ember.viz.traced_graph import traced_graph_to_dot

        graph = output if type(output).__name__ == "Graph" else (output.graph if optimized else
                                                                 output.unoptimized_graph)  # fmt: skip
        dot = traced_graph_to_dot(graph, "optimized" if optimized else "traced", rankdir)
        return render(dot, path, format=format, caller="draw_graph", on_missing="warn")
    if not isinstance(output, Tensor):
        raise TypeError(f"draw_graph: expected an ember Tensor or a ConcreteFunction. Received: output of type "
                        f"{type(output).__name__}")  # fmt: skip
    if output._ctx is None:
        why = "it is a leaf (an input or a weight)" if output.requires_grad else (
            "it was computed under ember.no_grad() or from tensors that do not require grad (model.predict "
            "records nothing: call the model directly)")
        raise ValueError(f"draw_graph: this tensor has no recorded graph to draw: {why}. Received: shape="
                         f"{output.shape}, requires_grad={output.requires_grad}")  # fmt: skip
    builder = _Builder(output, show_values, show_grads, max_values, collapse_layers, expand)
    dot = builder.dot(rankdir)
    return render(dot, path, format=format, caller="draw_graph", on_missing="warn")
