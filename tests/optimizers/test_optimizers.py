"""Optimizers: step-by-step against float64 NumPy references of Keras's rules and against torch.optim."""

import tracemalloc

import numpy as np
import pytest
import torch
from optimizer_reference import (
    ref_adadelta,
    ref_adagrad,
    ref_adam,
    ref_adamax,
    ref_lion,
    ref_nadam,
    ref_rmsprop,
    ref_sgd,
)

import ember
from ember import optimizers

rng = np.random.default_rng(0)
W0 = rng.standard_normal((3, 4))
GRADS = rng.standard_normal((7, 3, 4))

CASES = [
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.9}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    (optimizers.Adam, ref_adam, {"learning_rate": 0.05, "epsilon": 1e-3}),
    (optimizers.Adam, ref_adam, {"learning_rate": 0.05, "amsgrad": True, "beta_2": 0.9}),
    (optimizers.AdamW, ref_adam, {"learning_rate": 0.05, "weight_decay": 0.1}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01, "epsilon": 1e-2}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01, "momentum": 0.9, "centered": True}),
    (optimizers.Adagrad, ref_adagrad, {"learning_rate": 0.1, "epsilon": 1e-2}),
    (optimizers.Adadelta, ref_adadelta, {"learning_rate": 1.0, "epsilon": 1e-3}),
    (optimizers.Adamax, ref_adamax, {"learning_rate": 0.05, "epsilon": 1e-2}),
    (optimizers.Nadam, ref_nadam, {"learning_rate": 0.05, "epsilon": 1e-3}),
    (optimizers.Lion, ref_lion, {"learning_rate": 0.01}),
    (optimizers.Lion, ref_lion, {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
]


def _run(opt, grads, w0=W0):
    w = ember.Variable(w0.copy(), name="w")
    for g in grads:
        opt.apply([g], [w])
    return w.numpy()


@pytest.mark.parametrize("cls, ref, kwargs", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_matches_float64_reference_of_keras_rule_at_every_step(cls, ref, kwargs):
    w = ember.Variable(W0.copy(), name="w")
    opt = cls(**kwargs)
    for k in range(1, len(GRADS) + 1):
        opt.apply([GRADS[k - 1]], [w])
        np.testing.assert_allclose(w.numpy(), ref(W0, GRADS[:k], **kwargs), rtol=1e-12, atol=1e-14)
    assert opt.iterations == len(GRADS)


def _torch_run(make, grads):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # NAdam keeps mu_product in the default dtype
    try:
        p = torch.nn.Parameter(torch.tensor(W0.copy()))
        opt = make([p])
        for g in grads:
            p.grad = torch.tensor(g)
            opt.step()
    finally:
        torch.set_default_dtype(previous)
    return p.detach().numpy()


TORCH_CASES = [
    # (ember optimizer, torch optimizer): epsilon is 0 where Keras and torch place it differently
    (optimizers.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (optimizers.SGD(0.1, momentum=0.9, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    (optimizers.Adam(0.05, epsilon=0), lambda p: torch.optim.Adam(p, lr=0.05, eps=0)),
    (optimizers.Adam(0.05, epsilon=0, amsgrad=True), lambda p: torch.optim.Adam(p, lr=0.05, eps=0, amsgrad=True)),
    (optimizers.AdamW(0.05, weight_decay=0.1, epsilon=0),
     lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1, eps=0)),
    (optimizers.RMSprop(0.01, epsilon=0), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0)),
    (optimizers.RMSprop(0.01, momentum=0.5, centered=True, epsilon=0),
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0, momentum=0.5, centered=True)),
    (optimizers.Adagrad(0.1, epsilon=0),
     lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0)),
    (optimizers.Adadelta(1.0), lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7)),
    (optimizers.Adamax(0.05, epsilon=0), lambda p: torch.optim.Adamax(p, lr=0.05, eps=0)),
    (optimizers.Nadam(0.05), lambda p: torch.optim.NAdam(p, lr=0.05, eps=1e-7, momentum_decay=1.0)),
]  # fmt: skip


@pytest.mark.parametrize("opt, make_torch", TORCH_CASES, ids=lambda x: type(x).__name__)
def test_matches_torch_optim_where_the_formulas_coincide(opt, make_torch):
    np.testing.assert_allclose(_run(opt, GRADS), _torch_run(make_torch, GRADS), rtol=1e-11, atol=1e-13)


def test_keras_epsilon_placement_differs_from_torch_and_is_documented():
    """Adam: Keras adds epsilon before bias correction; with a large epsilon the paths visibly differ."""
    ours = _run(optimizers.Adam(0.05, epsilon=0.1), GRADS)
    theirs = _torch_run(lambda p: torch.optim.Adam(p, lr=0.05, eps=0.1), GRADS)
    assert np.abs(ours - theirs).max() > 1e-3
    np.testing.assert_allclose(ours, ref_adam(W0, GRADS, 0.05, epsilon=0.1), rtol=1e-12)
    assert "PyTorch" in optimizers.Adam.__doc__ and "PyTorch" in optimizers.RMSprop.__doc__


def test_keras_defaults_and_names():
    defaults = {
        optimizers.SGD(): {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False, "name": "SGD"},
        optimizers.Adam(): {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False, "name": "adam"},
        optimizers.AdamW(): {"weight_decay": 0.004, "learning_rate": 0.001, "name": "adamw"},
        optimizers.RMSprop(): {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False, "name": "rmsprop"},
        optimizers.Adagrad(): {"initial_accumulator_value": 0.1, "epsilon": 1e-7, "learning_rate": 0.001},
        optimizers.Adadelta(): {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
        optimizers.Adamax(): {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        optimizers.Nadam(): {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        optimizers.Lion(): {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99, "name": "lion"},
    }
    for opt, expected in defaults.items():
        config = opt.get_config()
        assert {k: config[k] for k in expected} == expected, type(opt).__name__
        assert {"weight_decay", "clipnorm", "clipvalue", "global_clipnorm"} <= set(config)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion"])
def test_registry_and_config_round_trip(name):
    opt = optimizers.get(name)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    np.testing.assert_array_equal(_run(again, GRADS[:3]), _run(optimizers.get(name), GRADS[:3]))


def test_errors_are_clear():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'.*adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="AdamW.*weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="Lion.*beta_1=0"):
        optimizers.Lion(beta_1=0)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to RMSprop: \\['lr'\\]"):
        optimizers.RMSprop(lr=0.1)
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizers.SGD().apply([GRADS[0], GRADS[1]], [ember.Variable(W0.copy())])
    with pytest.raises(ValueError, match="gradient_accumulation_steps=4 is not supported"):
        optimizers.Adam.from_config({**optimizers.Adam().get_config(), "gradient_accumulation_steps": 4})


def test_keras_config_with_inactive_extras_loads():
    config = {**optimizers.Adam().get_config(), "use_ema": False, "ema_momentum": 0.99, "jit_compile": True,
              "loss_scale_factor": None, "gradient_accumulation_steps": None}  # fmt: skip
    assert optimizers.Adam.from_config(config).get_config() == optimizers.Adam().get_config()


def test_clipping_and_weight_decay_follow_keras():
    g = GRADS[0]
    norm = np.sqrt((g**2).sum())
    clipped = _run(optimizers.SGD(1.0, clipnorm=0.5), [g])
    np.testing.assert_allclose(clipped, W0 - g * 0.5 / norm, rtol=1e-12)
    np.testing.assert_allclose(_run(optimizers.SGD(1.0, clipvalue=0.3), [g]), W0 - np.clip(g, -0.3, 0.3))
    # global norm over both variables
    a, b = ember.Variable(W0.copy()), ember.Variable(W0[0].copy())
    optimizers.SGD(1.0, global_clipnorm=1.0).apply([g, g[0]], [a, b])
    total = np.sqrt((g**2).sum() + (g[0] ** 2).sum())
    np.testing.assert_allclose(b.numpy(), W0[0] - g[0] / total, rtol=1e-12)
    # decoupled decay w -= w * wd * lr before the update; excluded variables are not decayed
    np.testing.assert_allclose(_run(optimizers.SGD(0.1, weight_decay=0.5), [g]), W0 - W0 * 0.05 - 0.1 * g)
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    bias = ember.Variable(W0[0].copy(), name="dense/bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([g[0]], [bias])
    np.testing.assert_allclose(bias.numpy(), W0[0] - 0.1 * g[0])


def test_schedule_is_evaluated_at_iterations_before_the_step():
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched)
    w = _run(opt, GRADS[:3])
    np.testing.assert_allclose(w, W0 - 0.1 * GRADS[0] - 0.05 * GRADS[1] - 0.025 * GRADS[2], rtol=1e-12)
    assert opt.learning_rate == pytest.approx(0.0125)
    again = optimizers.SGD.from_config(opt.get_config())
    assert isinstance(again._learning_rate, optimizers.schedules.ExponentialDecay)


def test_step_uses_grad_and_skips_variables_without_one():
    w, frozen = ember.Variable(W0.copy()), ember.Variable(W0.copy())
    loss = (w * w).sum()
    loss.backward()
    opt = optimizers.SGD(0.25)
    opt.step([w, frozen])
    np.testing.assert_allclose(w.numpy(), W0 - 0.25 * 2 * W0)
    np.testing.assert_array_equal(frozen.numpy(), W0)
    opt.zero_grad([w])
    assert w.grad is None


@pytest.mark.parametrize("cls", [optimizers.Adam, optimizers.RMSprop, optimizers.Nadam, optimizers.Adadelta])
def test_float32_variables_stay_float32(cls):
    w = ember.Variable(W0.astype(np.float32))
    cls(0.01).apply([GRADS[0].astype(np.float32)], [w])
    assert w.dtype == np.float32


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion"])
def test_state_round_trip_continues_bit_for_bit(name):
    kwargs = {"momentum": 0.9} if name in ("sgd", "rmsprop") else {}
    a, b = ember.Variable(W0.copy(), name="a"), ember.Variable(W0[0].copy(), name="b")
    opt = type(optimizers.get(name))(**kwargs)
    for g in GRADS[:3]:
        opt.apply([g, g[0]], [a, b])
    state = opt.get_state([a, b])
    assert int(state["iterations"]) == 3 and "slots/1/" + next(iter(opt.slots_for([b])[0])) in state
    saved = {k: np.array(v) for k, v in state.items()}
    a2, b2 = ember.Variable(a.numpy().copy()), ember.Variable(b.numpy().copy())
    fresh = type(opt)(**kwargs)
    fresh.set_state([a2, b2], saved)
    for g in GRADS[3:]:
        opt.apply([g, g[0]], [a, b])
        fresh.apply([g, g[0]], [a2, b2])
    np.testing.assert_array_equal(a2.numpy(), a.numpy())
    np.testing.assert_array_equal(b2.numpy(), b.numpy())


def test_set_state_rejects_mismatched_state_without_changes():
    w = ember.Variable(W0.copy())
    opt = optimizers.Adam()
    state = opt.get_state([w])
    with pytest.raises(ValueError, match="Missing: \\['slots/0/momentum', 'slots/0/velocity'\\]"):
        optimizers.Adam().set_state([w], {"iterations": state["iterations"], "learning_rate": state["learning_rate"]})
    bad = {**state, "slots/0/momentum": np.zeros((2, 2))}
    target = optimizers.Adam()
    with pytest.raises(
        ValueError, match="'slots/0/momentum' expects shape \\(3, 4\\) float64. Received: shape \\(2, 2\\)"
    ):
        target.set_state([w], bad)
    assert target.iterations == 0


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion"])
def test_steps_allocate_no_parameter_sized_temporaries(name):
    big = np.ones(100_000)  # 800 kB
    w = ember.Variable(big.copy())
    opt = type(optimizers.get(name))(**({"momentum": 0.9} if name == "sgd" else {}))
    opt.apply([big], [w])  # builds the slots
    tracemalloc.start()
    for _ in range(3):
        opt.apply([big], [w])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100_000, f"{name} allocated {peak} bytes in 3 steps"
