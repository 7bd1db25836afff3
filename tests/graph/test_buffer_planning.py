"""Buffer planning (ember/graph/passes/buffers.py): preallocated buffers reused across replays, shared between
values whose lifetimes do not overlap, never for a value that escapes the step; results bit-identical."""

import tracemalloc

import numpy as np
import pytest
from test_jit_compile import FAMILIES, LOSSES, _data  # the families of the jit_compile tests

import ember
from ember.autograd import Function
from ember.graph import passes
from ember.graph.passes import buffers


@pytest.fixture(autouse=True)
def _plan_small_values(monkeypatch):
    """The pass on (it is off by default), planning every value however small (the default skips < 32 KiB).

    Elementwise-chain fusion is off: it would turn the chains of products these tests plan into one
    ``ElementwiseChain`` node (which reuses its buffers within the chain itself); the families test turns it back on.
    """
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    monkeypatch.setitem(passes._ENABLED, "buffers", True)
    monkeypatch.setitem(passes._ENABLED, "elementwise_fusion", False)


X = ember.tensor(np.random.default_rng(0).standard_normal((64, 1024)).astype("float32"))


def _chain(x):  # no grad: each product is read once by the next, then dead
    h = x * 2.0
    for k in range(3, 8):
        h = h * float(k)
    return h.sum()


def _planned(graph):
    return [n for n in graph.nodes if "out_buffers" in n.attrs]


def _pointers(program):
    return [b.__array_interface__["data"][0] for b in program.buffers]


def _both(fn, *calls):
    """Each call's outputs with buffer planning on and off (fresh traces), as NumPy arrays."""
    out = {}
    for on in (True, False):
        passes.set_enabled("buffers", on)
        try:
            f = ember.function(fn)
            out[on] = [[t.numpy().copy() for t in f(*c)] for c in calls]
        finally:
            passes.set_enabled("buffers", True)
    return out[True], out[False]


def test_buffers_persist_across_replays_and_are_written_in_place():
    c = ember.function(_chain).get_concrete_function(X)
    assert c.pass_stats["buffers"] == 5  # x*2 .. *6 planned; *7 feeds the output (sum may be a view): not
    before = _pointers(c.program)
    c(X)
    snapshot = [b.copy() for b in c.program.buffers]
    c(ember.tensor(X.numpy() + 1.0))
    assert _pointers(c.program) == before  # the same arrays, not reallocated
    assert all(not np.array_equal(a, b) for a, b in zip(snapshot, c.program.buffers, strict=True))


def test_non_overlapping_values_share_a_buffer():
    c = ember.function(_chain).get_concrete_function(X)
    assert len(c.graph.buffers) == 2 < c.pass_stats["buffers"]  # a chain ping-pongs between two buffers


def _replay_peak(fn, x):
    f = ember.function(fn)
    f(x), f(x)  # trace, first replay
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        f(x)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_a_replay_allocates_no_planned_value():
    size = X.numpy().nbytes
    on = _replay_peak(_chain, X)
    passes.set_enabled("buffers", False)
    try:
        off = _replay_peak(_chain, X)
    finally:
        passes.set_enabled("buffers", True)
    assert off >= 2 * size  # without the pass: a product and the next one live at once
    assert on < 1.5 * size  # with it: only the unplanned last product (read by the output's sum)


def test_returned_outputs_of_a_step_are_unchanged_by_the_next():
    w = ember.Variable(np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4))

    def f(x):
        h = x @ w  # a plannable op whose value escapes through a view
        return h.reshape(-1), (h * 2.0).T, h * 3.0

    fn = ember.function(f)
    x1, x2 = (ember.tensor(np.full((2, 4), v, "float32")) for v in (1.0, 2.0))
    fn(x1)
    kept = fn(x1)
    copies = [t.numpy().copy() for t in kept]
    fn(x2), fn(x2)
    for t, c in zip(kept, copies, strict=True):
        np.testing.assert_array_equal(t.numpy(), c)
    assert not _planned(fn.get_concrete_function(x1).graph)


def test_grad_accumulation_across_steps_without_zero_grad_equals_eager():
    def make():
        w = ember.Variable(np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4))
        b = ember.Variable(np.full((4,), 0.1, "float32"))

        def f(x):
            h = (x @ w + b).tanh() @ w  # w used twice: an `add` accumulation node; Add's backward returns g
            loss = (h * h).mean()
            loss.backward()
            return loss
        return w, b, f

    xs = [ember.tensor(np.full((3, 4), v, "float32")) for v in (0.5, -1.0, 2.0)]
    w_e, b_e, f_e = make()
    for x in xs:
        f_e(x)
    w_g, b_g, f_g = make()
    fn = ember.function(f_g)
    for x in xs:
        fn(x)
    np.testing.assert_array_equal(w_g.grad.numpy(), w_e.grad.numpy())
    np.testing.assert_array_equal(b_g.grad.numpy(), b_e.grad.numpy())


def test_view_ops_extend_the_lifetime_of_the_viewed_buffer():
    w = ember.Variable(np.linspace(-1, 1, 64, dtype="float32").reshape(8, 8))

    def f(x):
        h = x @ w
        v = h.reshape(8, 2)[1:].T  # views of h, read after other planned products are made
        a = (x * 2.0) @ w
        b = (a * a) @ w
        loss = (b.reshape(8, 2)[1:].T * v).sum() + (a - b).sum()
        loss.backward()
        g = w.grad
        w.grad = None
        return loss, g

    x = ember.tensor(np.linspace(0, 1, 16, dtype="float32").reshape(2, 8))
    on, off = _both(f, (x,), (x,), (x * 2.0,))
    for a, b in zip(on, off, strict=True):
        for p, q in zip(a, b, strict=True):
            np.testing.assert_array_equal(p, q)
    assert _planned(ember.function(f).get_concrete_function(x).graph)


class _SavesOutput(Function):  # y = a * b, keeping y itself for the backward (as Exp, Softmax, Dense do)
    def forward(self, a, b):
        self.y, self.a, self.b = a * b, a, b
        return self.y

    def forward_out(self, a, b, out):
        self.y, self.a, self.b = np.multiply(a, b, out=out), a, b
        return self.y

    def backward(self, g):
        return g * self.y / self.a, g * self.y / self.b


def test_a_function_that_saves_its_output_keeps_its_buffer_until_its_backward():
    w = ember.Variable(np.linspace(0.5, 1.5, 16, dtype="float32").reshape(4, 4))

    def f(x):
        y = _SavesOutput.apply(x @ w, x @ w + 1.0)
        z = (y * 2.0) @ w  # more planned products of y's shape while y is held by its ctx
        loss = (z * z).mean()
        loss.backward()
        g = w.grad
        w.grad = None
        return loss, g

    x = ember.tensor(np.linspace(0.1, 1, 8, dtype="float32").reshape(2, 4))
    fn = ember.function(f)
    eager = [[t.numpy() for t in f(x)] for _ in range(2)]
    graph = [[t.numpy() for t in fn(x)] for _ in range(3)][1:]
    for a, b in zip(eager, graph, strict=True):
        for p, q in zip(a, b, strict=True):
            np.testing.assert_array_equal(q, p)
    planned = _planned(fn.get_concrete_function(x).graph)
    assert any(n.op is _SavesOutput for n in planned if n.kind == "op")


def _fit(family, jit, steps=20, batch=8):
    ember.utils.set_random_seed(0)
    model, shape, kind = FAMILIES[family]()
    model.compile(optimizer="adam", loss=LOSSES[kind], jit_compile=jit)
    x, y = _data(shape, kind)
    ember.utils.set_random_seed(1)
    model.fit(x[: steps * batch], y[: steps * batch], batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return model


@pytest.mark.parametrize("family", ["mlp", "cnn", "lstm", "gru", "transformer", "bn_dropout"])
def test_families_train_20_steps_with_buffers_equal_to_eager(family, monkeypatch):
    monkeypatch.setitem(passes._ENABLED, "elementwise_fusion", True)  # every default pass, plus buffers
    eager, jit = _fit(family, False), _fit(family, True)
    concrete = next(iter(jit._jit.train._cache.values()))
    # the CNN's only plannable values (its Dense's output and input gradient) escape: the step returns y_pred,
    # and the gradient flows through MaxPool's and the conv's backward (not in the alias tables) into .grad
    # the LSTM's and GRU's only ones, their input projections x @ W + b, are one MatMulBiasAct node each
    # (bias_act_fusion), which has no out= entry point
    assert (concrete.pass_stats["buffers"] > 0) == (family not in ("cnn", "lstm", "gru"))
    for a, b in zip(eager.get_weights(), jit.get_weights(), strict=True):
        np.testing.assert_array_equal(b, a)
