"""Each optimisation pass of ember/graph/passes: what it removes, and that results do not change."""

import numpy as np
import pytest

import ember
from ember.graph import passes


def _concrete(fn, *args):
    return ember.function(fn).get_concrete_function(*args)


def _ops(graph):
    return [n.name for n in graph.nodes if n.kind == "op"]


X = ember.tensor(np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3))


def test_dead_code_elimination_drops_unused_values_but_keeps_rng_draws():
    def f(x):
        _unused = (x * 3.0).exp()
        ember.ops.dropout(x, 0.5)  # unused, but its draw advances the RNG: kept
        return x + 1.0

    c = _concrete(f, X)
    assert "Exp" in _ops(c.unoptimized_graph) and "Exp" not in _ops(c.graph)
    assert c.pass_stats["dce"] >= 2
    assert any(n.kind == "random" for n in c.graph.nodes)
    np.testing.assert_allclose(c(X).numpy(), X.numpy() + 1.0)


def test_cse_merges_repeated_ops_and_keeps_gradients():
    w = ember.Variable(np.ones((3, 3), dtype="float32") * 0.3)

    def f(x):
        loss = ((x @ w).tanh() + (x @ w).tanh()).sum()
        loss.backward()
        g = w.grad
        w.grad = None
        return loss, g

    c = _concrete(f, X)
    assert _ops(c.unoptimized_graph).count("MatMul") == 2 and _ops(c.graph).count("MatMul") == 1
    assert c.pass_stats["cse"] >= 2
    loss, g = c(X)
    wt = ember.Variable(w.numpy())
    ref = ((X @ wt).tanh() * 2.0).sum()
    ref.backward()
    np.testing.assert_allclose(loss.numpy(), ref.numpy(), rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), wt.grad.numpy(), rtol=1e-6)


def test_constant_folding_runs_constant_subgraphs_once_and_never_folds_variables():
    w = ember.Variable(np.full(3, 2.0, dtype="float32"))

    def f(x):
        table = (ember.tensor([1.0, 2.0, 3.0]) * 2.0).exp()  # constant: folded
        return x * table + x * (w * 2.0)  # w*2 reads a Variable: not folded

    c = _concrete(f, X)
    assert c.pass_stats["constant_folding"] == 2
    assert "Exp" not in _ops(c.graph)
    w.assign(np.full(3, -1.0, dtype="float32"))
    expected = X.numpy() * np.exp(np.array([2.0, 4.0, 6.0])) + X.numpy() * -2.0
    np.testing.assert_allclose(c(X).numpy(), expected, rtol=1e-6)


def test_liveness_releases_every_intermediate_once_and_never_an_output():
    def f(x):
        h = (x * 2.0).tanh()
        return h.sum(), (h * h).mean()

    c = _concrete(f, X)
    released = [s for r in c.graph.release for s in r]
    assert len(released) == len(set(released))
    assert not set(released) & set(c.graph.output_slots)
    inner = {s for n in c.graph.nodes for s in n.outputs if s is not None} - set(c.graph.output_slots)
    assert inner <= set(released)


@pytest.mark.parametrize("name", sorted(passes.PASSES))
def test_results_are_identical_with_each_pass_toggled(name, monkeypatch):
    # each pass flipped from its default (off for a default pass, on for one that is off by default, buffers),
    # and its default restored afterwards (not forced on: that would leak an off-by-default pass into later tests)
    default = passes.is_enabled(name)
    if name == "buffers":  # plan this test's small values too (the default leaves values under 32 KiB alone)
        from ember.graph.passes import buffers

        monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    w = ember.Variable(np.linspace(0, 1, 9, dtype="float32").reshape(3, 3))

    def step(x):
        h = (x @ w).relu() + (x @ w).relu() + ember.tensor([1.0, 2.0, 3.0]) * 0.5
        loss = (h * h).mean()
        loss.backward()
        g = w.grad
        w.grad = None
        return loss, g

    fn_default = ember.function(step)
    on = fn_default(X), fn_default(X)  # trace (eager), then replay
    assert (name in fn_default.get_concrete_function(X).pass_stats) == default
    passes.set_enabled(name, not default)
    try:
        fn = ember.function(step)
        off = fn(X), fn(X)
        stats = fn.get_concrete_function(X).pass_stats
        assert (name in stats) == (not default)
        if name == "buffers":
            assert stats["buffers"] > 0  # the pass did plan something here
    finally:
        passes.set_enabled(name, default)
    for (la, ga), (lb, gb) in zip(on, off, strict=True):
        np.testing.assert_array_equal(la.numpy(), lb.numpy())
        np.testing.assert_array_equal(ga.numpy(), gb.numpy())


def test_unknown_pass_name():
    with pytest.raises(ValueError, match="unknown pass"):
        passes.set_enabled("loop_unrolling", False)


def test_fusion_turns_add_relu_into_one_node_with_identical_values_and_gradients():
    # The Conv layers compute bias + activation inside their conv node (ember.ops.conv_fused): the pair is written out.
    conv = ember.layers.Conv2D(3, 2, use_bias=False)
    bias = ember.Variable(np.array([0.1, -0.2, 0.3], "float32"))
    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 5, 5, 2)).astype("float32"))
    conv(x)

    def step(t):
        loss = (ember.ops.relu(conv(t) + bias) ** 2).mean()
        loss.backward()
        grads = [w.grad for w in conv.trainable_weights]
        for w in conv.trainable_weights:
            w.grad = None
        return loss, grads

    passes.set_enabled("bias_act_fusion", False)  # it would take Conv -> Add -> ReLU first (test_bias_act_fusion.py)
    try:
        fn = ember.function(step)
        c = fn.get_concrete_function(x)
    finally:
        passes.set_enabled("bias_act_fusion", True)
    assert c.pass_stats["fusion"] == 1
    assert "AddReLU" in _ops(c.graph) and "ReLU" not in _ops(c.graph) and "Add" not in _ops(c.graph)
    assert sum(n.kind == "grad" for n in c.graph.nodes) == sum(n.kind == "grad" for n in c.unoptimized_graph.nodes) - 1
    loss, grads = fn(x)  # replay
    ref_loss, ref_grads = step(x)  # eager
    np.testing.assert_array_equal(loss.numpy(), ref_loss.numpy())
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_array_equal(g.numpy(), r.numpy())
