"""Graph mode's bias-activation fusion (ember/graph/passes/bias_act_fusion.py): matmul/conv + bias + activation."""

import numpy as np
import pytest

import ember
from tests.graph.fusion_helpers import assert_outputs_equal, run_traced

ACTS = {None: lambda z: z, "relu": ember.ops.relu, "sigmoid": ember.ops.sigmoid, "tanh": ember.ops.tanh}


def _ops(graph):
    return [n.name for n in graph.nodes if n.kind == "op"]


def _dense_step(shape, units, dtype, act, bias_first=False):
    rng = np.random.default_rng(1)
    w = ember.Variable(rng.standard_normal((shape[-1], units)).astype(dtype))
    b = ember.Variable(rng.standard_normal(units).astype(dtype))

    def step(x):
        mm = ember.ops.matmul(x, w)
        loss = (ACTS[act](b + mm if bias_first else mm + b) ** 2).mean()
        loss.backward()
        grads = [w.grad, b.grad, x.grad]
        w.grad = b.grad = x.grad = None
        return [loss, *grads]

    x = ember.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    return step, x


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("shape,dtype,bias_first", [((6, 4), "float32", False), ((2, 3, 4), "float32", True),
                                                    ((5, 4), "float64", True)])
def test_matmul_bias_activation_is_one_node_bit_identical_to_unfused(act, shape, dtype, bias_first):
    step, x = _dense_step(shape, 7, dtype, act, bias_first)
    c, first, on = run_traced(step, [x])
    _, _, off = run_traced(step, [x], off=["bias_act_fusion", "elementwise_fusion", "fusion"])
    assert c.pass_stats["bias_act_fusion"] == 1
    assert "MatMulBiasAct" in _ops(c.graph) and "MatMul" not in _ops(c.graph) and "Add" not in _ops(c.graph)
    assert len(c.graph.nodes) < len(c.unoptimized_graph.nodes)
    assert_outputs_equal(on, off)
    assert_outputs_equal(on, first)  # the trace call ran eagerly


@pytest.mark.parametrize("act", ["relu", None, "tanh"])
def test_conv_bias_activation_is_one_node_bit_identical_to_unfused(act):
    rng = np.random.default_rng(2)
    k = ember.Variable(rng.standard_normal((3, 3, 2, 4)).astype("float32"))
    b = ember.Variable(rng.standard_normal(4).astype("float32"))

    def step(x):
        loss = (ACTS[act](ember.ops.conv(x, k, padding="same") + b) ** 2).mean()
        loss.backward()
        grads = [k.grad, b.grad, x.grad]
        k.grad = b.grad = x.grad = None
        return [loss, *grads]

    x = ember.tensor(rng.standard_normal((2, 6, 6, 2)).astype("float32"), requires_grad=True)
    c, first, on = run_traced(step, [x])
    _, _, off = run_traced(step, [x], off=["bias_act_fusion", "elementwise_fusion", "fusion"])
    assert c.pass_stats["bias_act_fusion"] == 1 and "ConvAddAct" in _ops(c.graph) and "Conv" not in _ops(c.graph)
    assert_outputs_equal(on, off)
    assert_outputs_equal(on, first)


def test_forward_only_group_without_backward_nodes_is_fused():
    w = ember.Variable(np.full((3, 2), 0.5, "float32"))
    b = ember.Variable(np.array([0.1, -2.0], "float32"))
    x = ember.tensor(np.arange(6, dtype="float32").reshape(2, 3))

    def predict(t):
        with ember.no_grad():
            return ember.ops.relu(ember.ops.matmul(t, w) + b)

    c, first, on = run_traced(predict, [x])
    assert c.pass_stats["bias_act_fusion"] == 1 and c.graph.count("grad") == 0
    np.testing.assert_array_equal(on.numpy(), first.numpy())


def _negative(body):
    rng = np.random.default_rng(3)
    w = ember.Variable(rng.standard_normal((4, 3)).astype("float32"))
    b = ember.Variable(rng.standard_normal(3).astype("float32"))
    x = ember.tensor(rng.standard_normal((5, 4)).astype("float32"))

    def step(t):
        outs = body(t, w, b)
        outs[0].backward()
        grads = [w.grad, b.grad]
        w.grad = b.grad = None
        return [*outs, *grads]

    c, _, on = run_traced(step, [x])
    _, _, off = run_traced(step, [x], off=["bias_act_fusion"])
    assert_outputs_equal(on, off)
    return c


def test_product_used_twice_is_not_fused():
    def body(t, w, b):
        mm = ember.ops.matmul(t, w)
        return [(ember.ops.relu(mm + b) + mm).sum()]

    c = _negative(body)
    assert c.pass_stats["bias_act_fusion"] == 0 and "MatMul" in _ops(c.graph)


def test_sum_returned_as_output_keeps_the_activation_separate():
    def body(t, w, b):
        z = ember.ops.matmul(t, w) + b
        return [ember.ops.tanh(z).sum(), z]  # z is an output: MatMul + Add fuse, Tanh stays

    c = _negative(body)
    assert c.pass_stats["bias_act_fusion"] == 1 and "Tanh" in _ops(c.graph)
    assert "MatMulBiasAct" in _ops(c.graph)


def test_promoting_or_enlarging_bias_is_not_fused():
    def body(t, w, b):
        wide = ember.tensor(np.ones((2, 5, 3), "float32"))  # enlarges (5, 3) to (2, 5, 3)
        b64 = ember.tensor(np.ones(3, "float64"))  # promotes float32 to float64
        return [(ember.ops.matmul(t, w) + wide).sum() + (ember.ops.matmul(t, w * 2.0) + b64).sum()]

    c = _negative(body)
    assert c.pass_stats["bias_act_fusion"] == 0


def test_group_whose_backward_runs_twice_is_not_fused():
    def body(t, w, b):
        h = ember.ops.relu(ember.ops.matmul(t, w) + b)
        h.sum().backward(retain_graph=True)
        return [(h * h).mean()]  # _negative runs the second backward

    c = _negative(body)
    assert c.pass_stats["bias_act_fusion"] == 0 and "MatMul" in _ops(c.graph)
