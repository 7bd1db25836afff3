"""``plot_model``: a model's layer graph as Graphviz DOT text, rendered to an image when Graphviz is installed."""

from __future__ import annotations

import os


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _escape(label: str) -> str:
    """Escape the characters DOT record labels treat specially (``"{}<>``); ``|`` stays a field separator."""
    for ch in '"{}<>':
        label = label.replace(ch, "\\" + ch)
    return label


def _edges(model) -> list[tuple]:
    """``(from_layer, to_layer)`` pairs: the recorded graph of a functional model, a chain otherwise."""
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        layers = model.layers
        return list(zip(layers[:-1], layers[1:], strict=True))
    edges = []
    for node in nodes:
        for t in node.parents():
            src = t.history[0] if t.history is not None else getattr(t, "source_layer", None)
            if src is not None and (src, node.layer) not in edges:
                edges.append((src, node.layer))
    return edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 show_layer_activations=False, show_trainable=False, **kwargs) -> str:  # fmt: skip
    """The DOT source of ``model``'s layer graph (one box per layer, one arrow per connection).

    Args:
        model: a built model.
        show_shapes: add each layer's output shape. Defaults to ``False``.
        show_dtype: add each layer's dtype. Defaults to ``False``.
        show_layer_names: label boxes with layer names. Defaults to ``True``.
        rankdir: ``'TB'`` (top to bottom) or ``'LR'``. Defaults to ``'TB'``.
        show_layer_activations: add Dense/Conv activations. Defaults to ``False``.
        show_trainable: mark frozen layers. Defaults to ``False``.

    Returns:
        DOT text (``digraph { ... }``).
    """
    shapes = getattr(model, "_output_shapes", {})
    lines = [f'digraph "{model.name}" {{', f"  rankdir={rankdir};", '  node [shape=record, fontname="Helvetica"];']
    for layer in model.layers:
        label = type(layer).__name__
        if show_layer_names:
            label = f"{layer.name} ({label})"
        if show_layer_activations and hasattr(layer, "activation"):
            label += f" | activation: {getattr(layer.activation, '__name__', layer.activation)}"
        if show_dtype:
            label += f" | dtype: {layer.dtype or 'float32'}"
        if show_shapes:
            shape = shapes.get(id(layer), getattr(layer, "_built_output_shape", getattr(layer, "shape", None)))
            label += f" | output: {_shape_text(shape)}"
        if show_trainable:
            label += f" | trainable: {'T' if layer.trainable else 'F'}"
        label = _escape(label)
        lines.append(f'  "{layer.name}" [label="{label}"];')
    for src, dst in _edges(model):
        lines.append(f'  "{src.name}" -> "{dst.name}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               **kwargs) -> str:  # fmt: skip
    """Draw ``model``'s layer graph: DOT text, written as is to ``.dot``/``.gv`` files or rendered by Graphviz.

    Args:
        model: the model.
        to_file: output path; ``.dot``/``.gv`` writes the DOT text, other extensions
            (``.png``, ``.svg``, ``.pdf``) run Graphviz's ``dot``. Defaults to ``'model.png'``.
        dpi: image resolution. Defaults to ``200``.
        Other arguments: as :func:`model_to_dot`.

    Returns:
        The DOT text.

    Raises:
        ImportError: (:class:`~ember.utils.graphviz_render.GraphvizNotFoundError`) when an image is requested
            and Graphviz (the ``dot`` program or the ``graphviz`` package of ``ember[viz]``) is missing.
        RuntimeError: when ``dot`` fails.

    Source: keras/src/utils/model_visualization.py.
    """
    from ember.utils.graphviz_render import render, with_dpi

    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)  # fmt: skip
    if to_file is None:
        return dot
    if os.path.splitext(os.fspath(to_file))[1].lower() in (".dot", ".gv"):
        return render(dot, to_file, caller="plot_model")
    render(with_dpi(dot, dpi), to_file, caller="plot_model")
    return dot
