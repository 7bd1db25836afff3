"""ember.function: tracing, replay, retracing, fallbacks and the semantics of docs/graph_mode.md."""

import warnings

import numpy as np
import pytest

import ember
from ember.graph.function import MAX_CACHED_TRACES, GraphFallbackWarning, RetracingWarning


def _x(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype("float32"))


def test_replay_equals_eager_and_sees_variable_changes():
    w = ember.Variable(np.ones((3, 2), dtype="float32"))
    calls = []

    @ember.function
    def f(x):
        calls.append(1)  # a Python side effect: trace time only
        return ((x @ w).relu() * 2.0).sum(axis=1)

    x = _x(4, 3)
    first = f(x).numpy()
    np.testing.assert_allclose(first, ((x.numpy() @ w.numpy()).clip(0) * 2).sum(1), rtol=1e-6)
    w.assign(np.full((3, 2), -0.5, dtype="float32"))
    x2 = _x(4, 3, seed=1)
    np.testing.assert_allclose(f(x2).numpy(), ((x2.numpy() @ w.numpy()).clip(0) * 2).sum(1), rtol=1e-6)
    assert len(calls) == 1 and f.trace_count == 1


def test_retrace_on_new_shape_dtype_and_python_value():
    @ember.function
    def f(x, scale):
        return x * scale

    f(_x(2, 3), 2.0)
    f(_x(2, 3, seed=1), 2.0)
    assert f.trace_count == 1
    out = f(_x(5, 3), 2.0)
    assert f.trace_count == 2 and out.shape == (5, 3)
    np.testing.assert_allclose(f(_x(2, 3), 3.0).numpy(), _x(2, 3).numpy() * 3.0, rtol=1e-6)
    assert f.trace_count == 3
    f(ember.tensor(np.ones((2, 3))), 3.0)  # float64
    assert f.trace_count == 4


def test_backward_and_leaf_grads_replay():
    w = ember.Variable(np.arange(6, dtype="float32").reshape(3, 2) / 10)

    @ember.function
    def grads(x):
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        g = w.grad
        w.grad = None
        return loss, g

    for seed in range(3):
        x = _x(5, 3, seed=seed)
        loss, g = grads(x)
        wt = ember.Variable(w.numpy().copy())
        ref = ((x @ wt).tanh() ** 2).mean()
        ref.backward()
        np.testing.assert_allclose(loss.numpy(), ref.numpy(), rtol=1e-6)
        np.testing.assert_allclose(g.numpy(), wt.grad.numpy(), rtol=1e-6)
        assert w.grad is None
        w.assign(w.numpy() - 0.1 * g.numpy())


def test_data_dependent_python_falls_back_to_eager_with_warning():
    @ember.function
    def f(x):
        if float(x.sum()) > 0:  # data-dependent: replaying one branch would be stale
            return x * 2.0
        return x * -1.0

    pos, neg = ember.tensor([1.0, 2.0]), ember.tensor([-1.0, -2.0])
    with pytest.warns(GraphFallbackWarning, match="read a tensor.s values during tracing .* at .*test_function.py"):
        np.testing.assert_allclose(f(pos).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(neg).numpy(), [1.0, 2.0])  # eager from now on: the other branch
    with pytest.raises(ValueError, match="cannot be traced"):
        f.get_concrete_function(pos)


@pytest.mark.parametrize("read", ["numpy", "item", "bool", "data"])
def test_every_host_read_is_detected(read):
    def f(x):
        s = x.sum()
        value = {"numpy": lambda: s.numpy(), "item": lambda: s.item(), "bool": lambda: bool(s > 0),
                 "data": lambda: s.data}[read]()  # fmt: skip
        return x * float(np.asarray(value))

    fn = ember.function(f)
    with pytest.warns(GraphFallbackWarning):
        fn(ember.tensor([1.0, 2.0]))
    expected = [3.0, 1.0] if read == "bool" else [12.0, 4.0]
    np.testing.assert_allclose(fn(ember.tensor([3.0, 1.0])).numpy(), expected)  # eager: this call's own value


def test_non_tensor_output_is_an_error():
    @ember.function
    def f(x):
        return x * 2.0, 3.5

    with pytest.raises(TypeError, match="must return Tensors"):
        f(ember.tensor([1.0]))


def test_run_functions_eagerly_and_concrete_function():
    calls = []

    @ember.function
    def f(x):
        calls.append(1)
        return x + 1.0

    x = ember.tensor([1.0])
    concrete = f.get_concrete_function(x)
    assert concrete.graph.count("op") >= 1 and "Add" in concrete.graph.summary()
    np.testing.assert_allclose(concrete(ember.tensor([5.0])).numpy(), [6.0])
    ember.config.run_functions_eagerly(True)
    try:
        f(x)
        f(x)
    finally:
        ember.config.run_functions_eagerly(False)
    assert len(calls) == 3
    f(x)
    assert len(calls) == 3


def test_retracing_warning_and_bounded_cache():
    @ember.function
    def f(x):
        return x * 2.0

    with pytest.warns(RetracingWarning, match="traced 6 times"):
        for n in range(1, 8):
            f(ember.tensor(np.ones(n, dtype="float32")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetracingWarning)
        for n in range(8, MAX_CACHED_TRACES + 12):
            f(ember.tensor(np.ones(n, dtype="float32")))
    assert len(f._cache) == MAX_CACHED_TRACES


def test_reduce_retracing_traces_a_signature_only_when_it_comes_back():
    @ember.function(reduce_retracing=True)
    def f(x):
        return x * 2.0

    f(ember.tensor([1.0, 2.0]))
    assert f.trace_count == 0
    f(ember.tensor([1.0, 3.0]))
    assert f.trace_count == 1
    np.testing.assert_allclose(f(ember.tensor([4.0, 5.0])).numpy(), [8.0, 10.0])


def test_random_ops_draw_fresh_values_each_replay_in_eager_order():
    @ember.function
    def noisy(x):
        return ember.ops.dropout(x, 0.5) + ember.random.normal(x.shape)

    x = ember.tensor(np.ones((4, 50), dtype="float32"))
    ember.utils.set_random_seed(3)
    graph_out = [noisy(x).numpy() for _ in range(3)]
    ember.utils.set_random_seed(3)
    eager_out = [(ember.ops.dropout(x, 0.5) + ember.random.normal(x.shape)).numpy() for _ in range(3)]
    assert not np.array_equal(graph_out[1], graph_out[2])
    for g, e in zip(graph_out, eager_out, strict=True):
        np.testing.assert_array_equal(g, e)


def test_inplace_on_captured_tensor_and_assign_replay():
    v = ember.Variable(np.zeros(3, dtype="float32"), trainable=False)
    box = {"t": ember.tensor(np.zeros(3, dtype="float32"))}

    @ember.function
    def step(x):
        v.assign(v * 0.5 + x)
        acc = box["t"]
        acc += x
        return v * 1.0

    for _ in range(4):
        out = step(ember.tensor([1.0, 2.0, 3.0]))
    expected = np.array([1.0, 2.0, 3.0]) * (1 + 0.5 + 0.25 + 0.125)
    np.testing.assert_allclose(v.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(box["t"].numpy(), [4.0, 8.0, 12.0])


def test_assign_add_and_assign_sub_replay_on_the_current_value():
    # assign_add read the variable's values in Python: every replay set it to the trace-time sum (a stale graph)
    counter = ember.Variable(np.zeros((), dtype="float32"), trainable=False)
    total = ember.Variable(np.zeros(3, dtype="float32"), trainable=False)
    down = ember.Variable(np.full(3, 10.0, dtype="float32"), trainable=False)

    @ember.function
    def step(x):
        counter.assign_add(1.0)
        total.assign_add(x * 2.0)
        down.assign_sub(x)
        return total * 1.0

    xs = [ember.tensor(np.full(3, float(i + 1), dtype="float32")) for i in range(4)]
    for x in xs:
        out = step(x)
    assert float(counter.numpy()) == 4.0
    np.testing.assert_array_equal(total.numpy(), np.full(3, 2.0 * (1 + 2 + 3 + 4), dtype="float32"))
    np.testing.assert_array_equal(out.numpy(), total.numpy())
    np.testing.assert_array_equal(down.numpy(), np.full(3, 10.0 - (1 + 2 + 3 + 4), dtype="float32"))


def test_errors_inside_the_traced_function_point_at_the_users_line():
    @ember.function
    def f(x):
        return x @ ember.tensor(np.ones((5, 2), dtype="float32"))  # wrong inner size

    with pytest.raises(Exception) as info:
        f(ember.tensor(np.ones((2, 3), dtype="float32")))
    assert any(entry.name == "f" for entry in info.traceback)


def test_optimizer_update_inside_a_traced_function_is_one_callback_node_replayed_every_call():
    w = ember.Variable(np.ones((3, 1), dtype="float32"))
    opt = ember.optimizers.SGD(learning_rate=0.1)

    @ember.function
    def step(x):
        loss = (x @ w).mean()
        loss.backward()
        opt.apply([w.grad], [w])  # recorded as one callback node (no fallback: warnings are errors here)
        w.grad = None
        return loss

    x = ember.tensor(np.ones((2, 3), dtype="float32"))
    step(x)
    step(x)
    step(x)
    np.testing.assert_allclose(w.numpy(), np.full((3, 1), 1.0 - 3 * 0.1), rtol=1e-6)
    assert opt.iterations == 3
    assert step.get_concrete_function(x).graph.count("callback") == 1


def _custom_training(jit: bool, optimizer, steps: int = 12):
    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([ember.layers.Input((5,)), ember.layers.Dense(8, activation="tanh"),
                                     ember.layers.Dense(1)])  # fmt: skip
    loss_fn = ember.losses.MeanSquaredError()
    rng = np.random.default_rng(3)
    xs = [ember.tensor(rng.standard_normal((4, 5)).astype("float32")) for _ in range(steps)]
    ys = [ember.tensor(rng.standard_normal((4, 1)).astype("float32")) for _ in range(steps)]

    def step(x, y):
        loss = loss_fn(y, model(x, training=True))
        loss.backward()
        variables = model.trainable_weights
        optimizer.apply([v.grad for v in variables], variables)
        for v in variables:
            v.grad = None
        return loss

    step = ember.function(step) if jit else step
    losses = [float(step(x, y)) for x, y in zip(xs, ys, strict=True)]
    return model, losses


def test_traced_custom_training_loop_with_schedule_and_clipping_equals_eager():
    def make():
        schedule = ember.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)
        return ember.optimizers.Adam(learning_rate=schedule, clipnorm=0.5)

    opt_e, opt_g = make(), make()
    eager, loss_e = _custom_training(False, opt_e)
    graph, loss_g = _custom_training(True, opt_g)
    assert loss_g == loss_e  # the schedule's learning rate is read at every replay, not frozen at trace time
    for a, b in zip(eager.get_weights(), graph.get_weights(), strict=True):
        np.testing.assert_array_equal(b, a)
    assert int(opt_g.iterations) == int(opt_e.iterations) == 12


def test_traced_loss_scale_optimizer_skips_a_non_finite_step_at_replay():
    w = ember.Variable(np.ones((2,), dtype="float32"))
    opt = ember.mixed_precision.LossScaleOptimizer(ember.optimizers.SGD(learning_rate=0.5))

    @ember.function
    def step(x):
        loss = (x * w).sum()
        loss.backward()
        opt.apply([w.grad], [w])
        w.grad = None
        return loss

    step(ember.tensor(np.ones(2, dtype="float32")))  # traced: a finite step
    after_first = w.numpy().copy()
    scale = float(opt.dynamic_scale)
    with np.errstate(over="ignore", invalid="ignore"):
        step(ember.tensor(np.array([np.inf, 1.0], dtype="float32")))  # replayed: the check runs again, skips
    np.testing.assert_array_equal(w.numpy(), after_first)
    assert float(opt.dynamic_scale) == scale / 2
