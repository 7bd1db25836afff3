"""Graph mode's elementwise-chain fusion (ember/graph/passes/elementwise_fusion.py)."""

import numpy as np
import pytest

import ember
from ember.ops.fused_chain import ElementwiseChain
from tests.graph.fusion_helpers import assert_outputs_equal, run_traced

ops = ember.ops


def _chain_nodes(graph):
    return [n for n in graph.nodes if n.kind == "op" and n.op is ElementwiseChain]


def swish(x, b):
    return (x + b) * ops.sigmoid(x + b)


def gelu_tanh(x, b):
    h = x * b
    return 0.5 * h * (1.0 + ops.tanh(0.7978845608 * (h + 0.044715 * h * h * h)))


def soft(x, b):  # unary and binary members with in-place steps: Add -> Tanh -> Exp -> Neg -> Sub -> Sqrt
    return ops.sqrt(2.0 - (-ops.exp(ops.tanh(x + b)))) / (b * b + 1.0)


def _step(fn, x, b):
    def step(t, u):
        loss = (fn(t, u) ** 2).mean()
        loss.backward()
        grads = [t.grad, u.grad]
        t.grad = u.grad = None
        return [loss, *grads]

    return step


@pytest.mark.parametrize("fn", [swish, gelu_tanh, soft])
@pytest.mark.parametrize("xshape,bshape,dtype", [((4, 5), (4, 5), "float32"), ((3, 4, 5), (5,), "float32"),
                                                 ((4, 5), (1, 5), "float64"), ((6,), (), "float32")])
def test_chain_is_one_node_bit_identical_to_unfused(fn, xshape, bshape, dtype):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal(xshape).astype(dtype), requires_grad=True)
    b = ember.tensor(rng.standard_normal(bshape).astype(dtype), requires_grad=True)
    step = _step(fn, x, b)
    c, first, on = run_traced(step, [x, b])
    _, _, off = run_traced(step, [x, b], off=["elementwise_fusion"])
    assert c.pass_stats["elementwise_fusion"] >= 2 and _chain_nodes(c.graph)
    assert c.graph.count("grad") < c.unoptimized_graph.count("grad")
    assert_outputs_equal(on, off)
    assert_outputs_equal(on, first)  # the trace call ran eagerly
    assert_outputs_equal(on, _step(fn, x, b)(x, b))  # and equals eager mode again


def test_chain_writes_intermediates_into_one_buffer_where_no_backward_needs_them():
    x = ember.tensor(np.linspace(-2, 2, 12, dtype="float32").reshape(3, 4), requires_grad=True)
    b = ember.tensor(np.full(4, 0.25, "float32"), requires_grad=True)
    c, _, on = run_traced(_step(soft, x, b), [x, b])
    _, _, off = run_traced(_step(soft, x, b), [x, b], off=["elementwise_fusion"])
    programs = [n.attrs["kwargs"]["program"] for n in _chain_nodes(c.graph)]
    inplace = {step[0].__name__: step[4] for p in programs for step in p}
    # Add -> Tanh -> Exp -> Neg -> Sub -> Sqrt -> Div: a member writes into its input's buffer unless the
    # producer's backward reads that buffer (Tanh's, Exp's outputs) or the member saves its inputs (Div)
    assert {k: inplace[k] for k in ("Tanh", "Exp", "Neg", "Sub", "Sqrt", "Div")} == {
        "Tanh": True, "Exp": False, "Neg": False, "Sub": True, "Sqrt": True, "Div": False}
    assert_outputs_equal(on, off)


def _negative(body, x):
    def step(t):
        outs = body(t)
        outs[0].backward()
        g = t.grad
        t.grad = None
        return [*outs, g]

    c, _, on = run_traced(step, [x])
    _, _, off = run_traced(step, [x], off=["elementwise_fusion"])
    assert_outputs_equal(on, off)
    return c


X = ember.tensor(np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4), requires_grad=True)


def test_intermediate_used_twice_ends_the_chain():
    def body(t):
        h = ops.tanh(t * 2.0)
        return [(h * h).sum()]  # h feeds Mul twice: Mul -> Tanh fuse, the square does not join

    c = _negative(body, X)
    chains = _chain_nodes(c.graph)
    assert len(chains) == 1 and [s[0].__name__ for s in chains[0].attrs["kwargs"]["program"]] == ["Mul", "Tanh"]


def test_intermediate_returned_as_output_is_not_fused_past():
    def body(t):
        h = ops.exp(t + 1.0)
        return [ops.sigmoid(h).sum(), h]

    c = _negative(body, X)
    assert all("Sigmoid" not in [s[0].__name__ for s in n.attrs["kwargs"]["program"]] for n in _chain_nodes(c.graph))
    assert "Sigmoid" in [n.name for n in c.graph.nodes]


def test_in_place_update_between_members_blocks_the_chain():
    v = ember.Variable(np.ones(4, "float32"))

    def step(t):
        h = t * 3.0
        v.assign(v + 1.0)  # an effect between the two members (it could change an operand)
        return [ops.tanh(h) + v]

    c, _, on = run_traced(step, [X])  # v: 1 -> 2 (trace) -> 3 (replay)
    v.assign(np.ones(4, "float32"))
    _, _, off = run_traced(step, [X], off=["elementwise_fusion"])
    assert "Mul" in [n.name for n in c.graph.nodes]
    np.testing.assert_array_equal(on[0].numpy(), off[0].numpy())
    assert (v.numpy() == 3.0).all()


def test_random_draws_stay_fresh_and_in_order():
    def step(t):
        return [ops.tanh(ops.dropout(t, 0.5) * 2.0 + 1.0)]

    ember.utils.set_random_seed(7)
    c, _, on = run_traced(step, [X])
    ember.utils.set_random_seed(7)
    _, _, off = run_traced(step, [X], off=["elementwise_fusion"])
    assert _chain_nodes(c.graph) and any(n.kind == "random" for n in c.graph.nodes)
    assert_outputs_equal(on, off)


def test_chain_whose_backward_runs_twice_is_not_fused():
    # ember.autograd.grad (a gradient of an intermediate) makes a trace fall back to eager mode; a second
    # backward through the chain (retain_graph) gives each member's ctx two backward nodes: left unfused.
    def step(t):
        y = ops.exp(ops.tanh(t * 2.0) + 1.0)
        y.sum().backward(retain_graph=True)
        (y * y).mean().backward()
        g = t.grad
        t.grad = None
        return [y, g]

    c, first, on = run_traced(step, [X])
    _, _, off = run_traced(step, [X], off=["elementwise_fusion"])
    assert c.pass_stats["elementwise_fusion"] == 0 and not _chain_nodes(c.graph)
    assert_outputs_equal(on, off)
    assert_outputs_equal(on, first)


@pytest.mark.parametrize("inplace", [True, False])
def test_in_place_members_allocate_one_buffer_for_the_chain(inplace):
    import tracemalloc

    from ember.ops import activations as A
    from ember.ops import math as M

    x = np.random.default_rng(0).standard_normal((256, 256))  # 512 KiB
    b, c = np.float64(0.5), np.float64(-1.0)
    needs = (False, False)
    program = ((M.Add, {}, needs, (0, 1), False), (M.Neg, {}, needs[:1], (-1,), inplace),
               (M.Sub, {}, needs, (-1, 2), inplace), (A.Tanh, {}, needs[:1], (-1,), inplace))  # fmt: skip
    tracemalloc.start()
    try:
        out = ElementwiseChain().forward(x, b, c, program=program)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(out, np.tanh(-(x + b) - c))
    assert (peak < 1.5 * x.nbytes) if inplace else (peak >= 2 * x.nbytes)
