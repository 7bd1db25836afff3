"""RELIABILITY.md G3 (Python-float accumulation: ``total += loss`` after ``loss.backward()`` keeps no graph).

An op whose only differentiable inputs were already freed by ``backward()`` records no parents (its
node is the engine's FREED marker), warns once per process (``GraphRetentionWarning``), and
``backward()`` through it raises PyTorch's "graph a second time" error. Anything with a live graph
(retain_graph=True, detach(), mixed live/freed inputs, no_grad) is untouched.
"""

from __future__ import annotations

import gc
import os
import warnings

import numpy as np
import pytest

import ember
from ember import layers, models, ops
from ember.autograd import Function, GraphRetentionWarning, Tensor
from ember.autograd import function as function_mod


@pytest.fixture(autouse=True)
def _fresh_warning_flag(monkeypatch):
    monkeypatch.setattr(function_mod, "_WARNED", [False])  # "once per process": reset for each test


def _live() -> int:
    gc.collect()
    types = [type(o) for o in gc.get_objects()]
    return sum(issubclass(t, (Tensor, Function)) for t in types)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:  # Linux (CI); fields: size resident ...
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _step(model, x):
    loss = ops.mean(model(x) ** 2)
    loss.backward()
    with ember.no_grad():
        for w in model.trainable_weights:
            w -= 1e-3 * w.grad
            w.grad = None
    return loss


def _model():
    return models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(4)])


@pytest.mark.parametrize("form", ["iadd", "rebind"])
def test_g3_thousand_steps_of_total_plus_loss_stay_flat_and_warn_once(form):
    model = _model()
    x = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")
    total, expected = 0.0, np.float32(0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # the once-per-process rule is ember's own, not the filter's
        for i in range(1000):
            loss = _step(model, x)
            expected = expected + loss.data
            if form == "iadd":
                total += loss
            else:
                total = total + loss
            del loss
            if i == 9:
                live0, rss0 = _live(), _rss_bytes()
    live1, rss1 = _live(), _rss_bytes()
    retention = [w for w in caught if issubclass(w.category, GraphRetentionWarning)]
    assert len(retention) == 1 and len(caught) == 1, [str(w.message) for w in caught]
    message = str(retention[0].message)
    assert "Add" in message and "freed by backward()" in message and "loss.item()" in message
    assert retention[0].filename == __file__  # points at the user's line, not inside ember
    assert live1 == live0, f"live Tensor/Function objects grew from {live0} to {live1} over 990 steps"
    assert rss1 - rss0 <= 0.05 * rss0, f"RSS grew from {rss0} to {rss1} bytes over 990 steps"
    assert float(total) == float(expected)
    with pytest.raises(RuntimeError, match="graph a second time"):
        total.backward()


def test_g3_backward_then_metric_arithmetic_keeps_no_parents():
    w = Tensor(np.ones(3), requires_grad=True)
    loss = ops.sum(w * w)
    loss.backward()
    with pytest.warns(GraphRetentionWarning, match="Mul: .*freed by backward"):
        scaled = loss * 2.0
    assert scaled.requires_grad and not isinstance(scaled._ctx, Function)
    assert float(scaled) == 6.0


def test_g3_retain_graph_keeps_recording_and_backward_works():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in (1.0, 2.0):
            loss = ops.sum(w * w) * k
            loss.backward(retain_graph=True)
            total = total + loss
    assert isinstance(total._ctx, Function)
    w.grad = None
    total.backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * 3.0 * np.array([1.0, 2.0]))


def test_g3_mixed_freed_and_live_inputs_are_recorded_without_warning():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    loss = ops.sum(w * w)
    loss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = loss * v  # v's graph is live: the op is recorded as before
    assert isinstance(out._ctx, Function) and out._ctx.parents[1] is v
    with pytest.raises(RuntimeError, match="graph a second time"):  # reaching loss's freed node, as before
        ops.sum(out).backward()


def test_g3_detach_no_grad_and_item_do_not_warn():
    model = _model()
    x = np.random.default_rng(1).normal(size=(4, 8)).astype("float32")
    totals = [0.0, 0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            loss = _step(model, x)
            totals[0] += loss.item()
            totals[1] = totals[1] + loss.detach()  # GAN-style reuse through detach()
            with ember.no_grad():
                totals[2] = totals[2] + loss
    assert not totals[1].requires_grad and not totals[2].requires_grad
    assert float(totals[1]) == pytest.approx(totals[0], rel=1e-6)  # float32 tensor vs Python float sum


def test_g3_inplace_on_a_live_graph_still_raises():
    w = Tensor(np.ones(2), requires_grad=True)
    live = w * 2.0
    with pytest.raises(RuntimeError, match="In-place __iadd__"):
        live += 1.0


def test_g3_fit_with_loss_functions_as_metrics_does_not_warn():
    from ember import losses, metrics

    rng = np.random.default_rng(2)
    x, y = rng.random((32, 8)).astype("float32"), np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    model = models.Sequential([layers.Input((8,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy",
                  metrics=[losses.categorical_crossentropy, lambda t, p: ops.mean(p * 2.0 + t, axis=-1)])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # y_pred's graph is freed by the step's backward() before the metrics run
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        y_pred = model(x)
        ops.mean((y_pred - y) ** 2).backward()
        metric = metrics.MeanMetricWrapper(losses.mean_squared_error)  # a custom loop's metric after backward()
        metric.update_state(y, y_pred)
    assert np.isfinite(metric.result())


def test_g3_graph_mode_step_accumulates_exactly():
    from ember import losses, optimizers

    model = _model()
    opt, weights = optimizers.SGD(0.01), model.trainable_weights
    rng = np.random.default_rng(3)
    x, y = ember.tensor(rng.normal(size=(16, 8)).astype("float32")), ember.tensor(np.zeros((16, 4), "float32"))

    @ember.function
    def forward_backward(x, y):
        loss = losses.mean_squared_error(y, model(x, training=True)).mean()
        loss.backward()
        grads = [w.grad for w in weights]
        for w in weights:
            w.grad = None
        return loss, grads

    total, expected = 0.0, np.float32(0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(20):  # the first call traces (eager semantics: a freed loss), the others replay
            loss, grads = forward_backward(x, y)
            opt.apply(grads, weights)
            expected = expected + loss.data
            total += loss
    assert [w.category for w in caught] == [GraphRetentionWarning]
    assert float(total) == float(expected)
