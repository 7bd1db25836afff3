"""The multi-tensor (flat-buffer) optimizer step equals the per-variable loop bit for bit (optimizers/fused.py)."""

import numpy as np
import pytest

import ember
from ember import optimizers
from ember.optimizers import fused

CASES = [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "global_clipnorm": 0.5}),
    ("AdamW", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {"clipvalue": 0.3}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {}),
    ("Nadam", {}),
    ("Lion", {}),
]


def _variables(seed):
    """Three small variables and one above ``fused.SMALL`` (that one stays in the per-variable loop)."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (fused.SMALL + 1,), (2, 3, 5)]
    return [ember.Variable(rng.standard_normal(s).astype("float32"), name=f"v{i}") for i, s in enumerate(shapes)]


def _train(name, kwargs, on, steps=20, setup=None):
    fused.ENABLED["fused"] = on
    try:
        variables = _variables(0)
        opt = getattr(optimizers, name)(**kwargs)
        if setup is not None:
            setup(opt, variables)
        rng = np.random.default_rng(1)
        for _ in range(steps):
            opt.apply([rng.standard_normal(v.shape).astype("float32") for v in variables], variables)
        return variables, opt
    finally:
        fused.ENABLED["fused"] = True


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_fused_equals_per_variable_loop(name, kwargs):
    loop, opt_loop = _train(name, kwargs, on=False)
    flat, opt_flat = _train(name, kwargs, on=True)
    assert list(opt_flat._flat_groups) == [tuple(id(v) for v in (flat[0], flat[1], flat[3]))]
    for a, b in zip(loop, flat, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    for sa, sb in zip(opt_loop.slots_for(loop), opt_flat.slots_for(flat), strict=True):
        assert sa.keys() == sb.keys()
        for k in sa:
            np.testing.assert_array_equal(sa[k], sb[k])


def test_rebound_variable_is_seen_and_state_round_trips():
    variables, opt = _train("Adam", {}, on=True, steps=3)
    assert variables[1].data.base is not None  # a view of the flat buffer
    variables[1].data = np.full(4, 7.0, dtype="float32")  # rebound outside: the next step uses it
    state = opt.get_state(variables)
    opt.apply([np.ones(v.shape, "float32") for v in variables], variables)
    assert variables[1].data[0] < 7.0 and variables[1].data[0] > 6.9
    opt.set_state(variables, state)  # restores the live (flat-view) slots in place
    np.testing.assert_array_equal(opt.slots_for(variables)[0]["momentum"], state["slots/0/momentum"])


def _exclude_v1_constrain_v3(opt, variables):
    opt.exclude_from_weight_decay(var_names=["v1"])
    variables[3].constraint = ember.constraints.NonNeg()


def test_constraint_and_decay_exclusion_leave_the_flat_group_with_equal_results():
    loop, _ = _train("AdamW", {}, on=False, setup=_exclude_v1_constrain_v3)
    flat, opt = _train("AdamW", {}, on=True, setup=_exclude_v1_constrain_v3)
    assert not getattr(opt, "_flat_groups", None)  # only v0 is left: fewer than two, no flat path
    for a, b in zip(loop, flat, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_small_variables_fuse_next_to_a_constrained_one():
    def constrain_v3(opt, variables):
        variables[3].constraint = ember.constraints.NonNeg()

    loop, _ = _train("RMSprop", {"momentum": 0.9}, on=False, setup=constrain_v3)
    flat, opt = _train("RMSprop", {"momentum": 0.9}, on=True, setup=constrain_v3)
    assert list(opt._flat_groups) == [(id(flat[0]), id(flat[1]))]
    for a, b in zip(loop, flat, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert (flat[3].data >= 0).all()


def test_plain_sgd_keeps_the_per_variable_loop():
    _, opt = _train("SGD", {"learning_rate": 0.1}, on=True, steps=2)
    assert not getattr(opt, "_flat_groups", None)
