"""Regenerate the README's "See every step" picture and trace: the notes' XOR network (lesson 3), its loss
graph with gradients (docs/images/xor_graph.png, needs Graphviz) and a forward trace printed to stdout.

    python tools/make_readme_figures.py
"""

from __future__ import annotations

import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    """Draw the graph PNG and print the trace shown in the README."""
    import ember
    from ember import explain
    from ember.viz import draw_graph

    sys.path.insert(0, os.path.join(ROOT, "lessons"))
    spec = importlib.util.spec_from_file_location("lesson3", os.path.join(ROOT, "lessons", "03_backprop_xor.py"))
    lesson = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lesson)
    model = lesson.build_model(lesson.initial_weights())
    loss = lesson.half_sse(ember.tensor(lesson.Y), model(lesson.X))
    os.makedirs(os.path.join(ROOT, "docs", "images"), exist_ok=True)
    draw_graph(loss, os.path.join(ROOT, "docs", "images", "xor_graph.png"), show_grads=True, collapse_layers=False)
    print(explain.forward(model, lesson.X[1:2]))


if __name__ == "__main__":
    main()
