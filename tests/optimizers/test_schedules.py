"""Learning-rate schedules: Keras formulas, torch.optim.lr_scheduler where they coincide, configs."""

import math

import numpy as np
import pytest
import torch

from ember.optimizers import schedules

STEPS = range(0, 40)


def _torch_lrs(make, n, lr0):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    sched, out = make(opt), []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


@pytest.mark.parametrize(
    "ours, make_torch",
    [
        (schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.9),
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
        (schedules.CosineDecay(0.1, decay_steps=45, alpha=0.1),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=45, eta_min=0.01)),
        (schedules.CosineDecayRestarts(0.1, first_decay_steps=5, t_mul=2.0, alpha=0.2),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.02)),
        (schedules.CosineDecayRestarts(0.1, first_decay_steps=7, t_mul=1.0),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=1)),
        (schedules.PolynomialDecay(0.1, decay_steps=30, end_learning_rate=0.0, power=2.0),
         lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=30, power=2.0)),
        (schedules.PiecewiseConstantDecay([9, 19], [0.1, 0.01, 0.001]),  # Keras switches after a boundary
         lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[10, 20], gamma=0.1)),
    ],
    ids=lambda x: type(x).__name__,
)  # fmt: skip
def test_matches_torch_schedulers(ours, make_torch):
    lr0 = ours.initial_learning_rate if hasattr(ours, "initial_learning_rate") else ours.values[0]
    theirs = _torch_lrs(make_torch, len(STEPS), lr0)
    np.testing.assert_allclose([ours(s) for s in STEPS], theirs, rtol=1e-9, atol=1e-15)


def test_keras_formulas_at_chosen_steps():
    assert schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)(19) == pytest.approx(0.05)
    assert schedules.ExponentialDecay(0.1, 10, 0.5)(15) == pytest.approx(0.1 * 0.5**1.5)
    assert schedules.InverseTimeDecay(0.1, 10, 0.5)(15) == pytest.approx(0.1 / (1 + 0.5 * 1.5))
    assert schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True)(15) == pytest.approx(0.1 / 1.5)
    poly = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5)
    assert poly(4) == pytest.approx(0.09 * 0.6**0.5 + 0.01) and poly(50) == pytest.approx(0.01)
    cyc = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1) and cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))
    pw = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.25])
    assert [pw(0), pw(10), pw(11), pw(20), pw(21)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert schedules.CosineDecayRestarts(1.0, 10, t_mul=1.0, m_mul=0.5)(15) == pytest.approx(0.5 * 0.5)


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=5, alpha=0.1)
    assert [s(0), s(1), s(4)] == pytest.approx([0.0, 0.2, 0.8])
    assert s(5) == pytest.approx(1.0)
    assert s(10) == pytest.approx(0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)) + 0.1)
    assert s(15) == pytest.approx(0.1) and s(100) == pytest.approx(0.1)
    assert schedules.CosineDecay(0.5, 10)(10) == 0.0


@pytest.mark.parametrize(
    "sched",
    [schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True), schedules.PiecewiseConstantDecay([5], [0.1, 0.2]),
     schedules.PolynomialDecay(0.1, 10, cycle=True), schedules.InverseTimeDecay(0.1, 5, 0.5),
     schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3), schedules.CosineDecayRestarts(0.1, 4)],
)  # fmt: skip
def test_config_round_trip(sched):
    again = schedules.deserialize(schedules.serialize(sched))
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
    assert [again(s) for s in range(12)] == [sched(s) for s in range(12)]


def test_bad_arguments_raise():
    with pytest.raises(
        ValueError, match="ExponentialDecay: argument `decay_steps` must be > 0. Received: decay_steps=0"
    ):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="PiecewiseConstantDecay.*len\\(boundaries\\)=2, len\\(values\\)=2"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Cosine'"):
        schedules.deserialize({"class_name": "Cosine", "config": {}})


def test_docstring_examples_run():
    import doctest

    import ember.optimizers

    for module in (schedules, ember.optimizers):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1
