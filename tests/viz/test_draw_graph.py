"""ember.viz.draw_graph: the autograd graph as DOT, layer clusters, values and gradients, clear errors."""

import re
import warnings

import numpy as np
import pytest

import ember
from ember import layers, models, ops
from ember.viz import draw_graph, plot_model
from ember.viz.autograd_graph import format_array


def _xor_loss():
    ember.utils.set_random_seed(0)
    model = models.Sequential([layers.Input((2,)), layers.Dense(2, activation="sigmoid", name="hidden"),
                               layers.Dense(1, activation="sigmoid", name="out")])  # fmt: skip
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    y = ember.tensor(np.array([[0], [1], [1], [0]], "float32"))
    return model, ops.mean((model(x) - y) ** 2)


def test_micrograd_neuron_graph_has_every_op_weight_and_shape():
    x = ember.tensor([[2.0, 0.0]])
    w = ember.Variable(np.array([[-3.0], [1.0]]), name="w")
    b = ember.Variable(np.array([6.8813735870195432]), name="b")
    out = ops.tanh(x @ w + b)
    dot = draw_graph(out, format="dot")
    labels = re.findall(r'label="([^"]*)"', dot)
    ops_drawn = sorted(label.split("\\n")[0] for label in labels if "\\n" in label)
    assert ops_drawn == ["Add", "MatMul", "Tanh"]
    assert any(label.startswith("w (2, 1)") for label in labels) and any(label.startswith("b (1,)") for label in labels)
    assert any(label.startswith("input (1, 2)") for label in labels)
    assert dot.count("->") == 5  # x, w -> MatMul; MatMul, b -> Add; Add -> Tanh
    assert '[label="(1, 2)"]' in dot and '[label="(2, 1)"]' in dot


def test_show_values_and_grads_match_backward():
    x = ember.tensor([[2.0, 0.0]])
    w = ember.Variable(np.array([[-3.0], [1.0]]), name="w")
    b = ember.Variable(np.array([6.8813735870195432]), name="b")
    out = ops.tanh(x @ w + b).sum()
    dot = draw_graph(out, format="dot", show_values=True, show_grads=True)
    out.backward()
    assert f"grad {format_array(w.grad.data)}" in dot and f"grad {format_array(b.grad.data)}" in dot
    assert "grad 0.5" in dot.replace("grad [0.5]", "grad 0.5") or "grad [[0.5]]" in dot  # micrograd: tanh'(.) = 0.5
    assert "data 0.7071" in dot or "data [[0.7071]]" in dot


def test_layers_collapse_into_one_box_or_expand_into_a_labelled_cluster():
    _, loss = _xor_loss()
    collapsed = draw_graph(loss, format="dot")
    assert collapsed.count("shape=box3d") == 2
    assert "hidden (Dense)" in collapsed and "kernel (2, 2)" in collapsed and "subgraph" not in collapsed
    expanded = draw_graph(loss, format="dot", collapse_layers=False)
    assert expanded.count("subgraph cluster_") == 2 and 'label="hidden (Dense)"' in expanded
    assert "hidden/kernel (2, 2)" in expanded and "out/bias (1,)" in expanded
    partly = draw_graph(loss, format="dot", expand=["out"])
    assert partly.count("shape=box3d") == 1 and 'label="out (Dense)"' in partly


class Block(layers.Layer):
    """A user layer holding two Dense layers: its cluster must hold theirs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(3, activation="relu", name="first")
        self.second = layers.Dense(2, name="second")

    def call(self, x):
        return self.second(self.first(x)) + 1.0


def test_nested_layer_clusters_nest():
    x = ember.tensor(np.ones((1, 4), "float32"))
    dot = draw_graph(Block(name="block")(x).sum(), format="dot", collapse_layers=False)
    outer = dot.index('label="block (Block)"')
    assert dot.index('label="first (Dense)"') > outer and dot.index('label="second (Dense)"') > outer
    assert dot.count("subgraph cluster_") == 3
    block_body = dot[outer:]
    assert "Add" in block_body  # the block's own op sits in its cluster
    collapsed = draw_graph(Block(name="block2")(x).sum(), format="dot")
    assert collapsed.count("shape=box3d") == 1 and "block2 (Block)" in collapsed


def test_writes_svg_and_png_with_graphviz(tmp_path):
    _, loss = _xor_loss()
    draw_graph(loss, tmp_path / "g.svg")
    draw_graph(loss, tmp_path / "g.png", show_grads=True, collapse_layers=False)
    assert (tmp_path / "g.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dot = draw_graph(loss, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == dot


def test_missing_graphviz_returns_dot_and_says_how_to_install(tmp_path, monkeypatch):
    import graphviz

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    _, loss = _xor_loss()
    with pytest.warns(RuntimeWarning, match="apt-get install graphviz"):
        dot = draw_graph(loss, tmp_path / "g.png")
    assert dot.startswith("digraph") and not (tmp_path / "g.png").exists()
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        plot_model(model, to_file=str(tmp_path / "m.png"))  # plot_model raises (Keras does), through the same module


def test_no_graph_gives_a_clear_message():
    leaf = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="no recorded graph.*leaf"):
        draw_graph(leaf)
    with ember.no_grad():
        y = leaf * 2.0
    with pytest.raises(ValueError, match="no recorded graph.*no_grad"):
        draw_graph(y)
    with pytest.raises(TypeError, match="expected an ember Tensor"):
        draw_graph(np.ones(2))
    z = (leaf * 3.0).sum()
    z.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        draw_graph(z)
    with pytest.raises(ValueError, match="show_grads needs a scalar"):
        draw_graph(ember.tensor([1.0, 2.0], requires_grad=True) * 3.0, show_grads=True)


def test_drawing_changes_nothing():
    model, loss = _xor_loss()
    before = [w.copy() for w in model.get_weights()]
    draw_graph(loss, format="dot", show_grads=True)
    assert all(w.grad is None for w in model.weights)
    loss.backward()  # the graph is still intact
    assert all(w.grad is not None for w in model.weights)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_graph(ops.sum(model(np.ones((1, 2), "float32"))), format="dot")


def test_traced_graph_before_and_after_optimisation():
    w = ember.Variable(np.ones((3, 2), "float32"), name="w")
    w.path = "probe/w"

    def step(x):
        y = ops.relu(x @ w + 1.0)
        z = ops.relu(x @ w + 1.0)  # the same subexpression twice: common-subexpression elimination merges it
        loss = ops.mean(y + z)
        loss.backward()
        return loss

    fn = ember.function(step)
    concrete = fn.get_concrete_function(ember.tensor(np.ones((4, 3), "float32")))
    before = draw_graph(concrete, format="dot", optimized=False)
    after = draw_graph(concrete, format="dot")
    count = lambda dot: len(re.findall(r"^  n\d+ \[", dot, flags=re.M))  # noqa: E731
    assert count(before) == len(concrete.unoptimized_graph.nodes) and count(after) == len(concrete.graph.nodes)
    assert count(after) < count(before)
    assert 'label="probe/w"' in before and "MatMul" in before and "grad" in before
    assert "output 0" in after
