"""RELIABILITY.md A1 shape sweep: every op of the op tables gradchecked in float64 on >= 20 shapes.

The op tables (the ``Op`` lists of ``tests/ops/test_*.py``) give each op about five hand-picked
cases. Here each op is also checked on ``MIN_SHAPES`` distinct input-shape tuples drawn from a
fixed seed (per op, from the CRC32 of its name), so CI is deterministic:

* the op's own cases;
* each case with its sizes remapped value by value (every dim of size ``v``, in every input, becomes
  the same new size, so matched dims such as a matmul's inner size or a conv's channels stay
  matched), which reaches size-0 and size-1 dims;
* free shapes of rank 0-4, sizes 0-4, with broadcast partners for ops of two or more float inputs.

A drawn candidate counts only when the op's float64 forward accepts it (invalid shapes for a
constrained op, e.g. a kernel larger than its input, are discarded, not counted). Each counted shape
is checked with ``ember.testing.gradcheck`` (central differences, eps 1e-6,
``|analytic - numeric| <= 1e-5 + 1e-3 |numeric|``); every other one also on strided
(non-contiguous) views of its inputs. One pytest item per op; a failure lists op, shapes and the
largest error of each failing shape. A passing item was checked on at least ``MIN_SHAPES`` shapes
(``LIMITED`` lists the ops with fewer valid ones, and why); tools/reliability.py reports this.
"""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
import warnings
import zlib

import numpy as np
import pytest
from ops_harness import Op, as_spec, flat_outputs, float64_inputs

from ember.testing import gradcheck, gradient_error

MIN_SHAPES = 20
MAX_TRIES = 2000
MAX_NUMEL = 64  # float elements over all inputs of a drawn candidate (or the op's smallest case): keeps it cheap
# Ops whose table fixes part of the shape, so fewer than MIN_SHAPES valid shapes exist: name -> (count, why).
LIMITED = {"broadcast_to": (15, "the table fixes the target shape (2, 3, 4): exactly 15 input shapes broadcast to it")}


def _module_ops():
    """Every ``Op`` of the op tables, by name (module-level lists of ``Op`` or of ``pytest.param(op, case)``)."""
    found = {}
    for path in sorted(pathlib.Path(__file__).parent.glob("test_*.py")):
        if path.stem == "test_a1_shapes":
            continue
        module = importlib.import_module(path.stem)
        for value in vars(module).values():
            if not isinstance(value, list):
                continue
            for item in value:
                op = item.values[0] if hasattr(item, "values") and item.values else item
                if isinstance(op, Op) and op.cases:
                    found.setdefault(op.name, op)
    return found


OPS = _module_ops()


def _reshape(spec, shape):
    spec = as_spec(spec)
    return dataclasses.replace(spec, shape=tuple(int(s) for s in shape))


def _shapes(case):
    return tuple(tuple(as_spec(s).shape) for s in case)


def _remapped(case, rng):
    """The case with each distinct size ``v`` mapped to one new size (consistently over all inputs)."""
    sizes = sorted({d for s in _shapes(case) for d in s})
    new = {v: int(rng.choice([v, v, v + 1, max(v - 1, 0), 1, 0, 2, 2 * v])) for v in sizes}
    out = []
    for spec, shape in zip(case, _shapes(case), strict=True):
        if rng.random() < 0.5:
            shape = tuple(new[d] for d in shape)
        else:  # only some positions move: free dims (batch, spatial) change independently
            shape = tuple(new[d] if rng.random() < 0.5 else d for d in shape)
        out.append(_reshape(spec, shape))
    if rng.random() < 0.2:  # a new leading batch dim on every input
        b = int(rng.integers(0, 3))
        out = [_reshape(s, (b,) + tuple(as_spec(s).shape)) for s in out]
    return out


def _free(case, rng):
    """Free shapes of rank 0-4, sizes 0-4; later float inputs are broadcast partners of the first."""
    rank = int(rng.integers(0, 5))
    base = tuple(int(d) for d in rng.choice([0, 1, 2, 3, 4], size=rank, p=[0.1, 0.3, 0.2, 0.2, 0.2]))
    out = []
    for k, spec in enumerate(case):
        shape = base
        if k and rng.random() < 0.7:
            shape = tuple(1 if rng.random() < 0.4 else d for d in base)[int(rng.integers(0, len(base) + 1)):]
        out.append(_reshape(spec, shape))
    return out


def _sample(case, seed):
    rng = np.random.default_rng(seed)
    return [as_spec(s).sample(rng) for s in case]


def _valid(op, arrays):
    """Whether these inputs are a differentiable point of the op.

    The float64 forward must accept them (raise and warn nothing) and give finite outputs, and the
    backward must meet no floating-point singularity (a RuntimeWarning such as divide by zero: e.g.
    std over one element, a norm of a zero vector). Other backward errors are not screened here:
    they fail the gradcheck.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            outs = flat_outputs(op.fn(*float64_inputs(arrays)))
        except Exception:  # noqa: BLE001 - any refusal marks the drawn shape invalid for this op
            return False
        if not all(np.all(np.isfinite(o.numpy())) for o in outs):
            return False
        try:
            total = sum((o * 1.0).sum() for o in outs if o.requires_grad)
            if getattr(total, "requires_grad", False):
                total.backward()
        except RuntimeWarning:
            return False
        except Exception:  # noqa: BLE001 - a backward error is a finding: keep the shape, gradcheck reports it
            return True
    return True


def _numel(case):
    return sum(int(np.prod(as_spec(s).shape)) for s in case if not hasattr(as_spec(s), "hi") or
               isinstance(as_spec(s).hi, float))


def draw_shapes(op: Op, n=MIN_SHAPES):
    """``n`` distinct valid ``(case, arrays)`` for ``op``: its own cases first, then seeded draws."""
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    chosen, seen = [], set()
    cap = max(MAX_NUMEL, min(_numel([as_spec(s) for s in case]) for case in op.cases))

    def consider(case, seed, hand_picked=False):
        key = _shapes(case)
        if key in seen or (not hand_picked and _numel(case) > cap):
            return
        arrays = _sample(case, seed)
        if _valid(op, arrays):
            seen.add(key)
            chosen.append((case, arrays))

    for case in op.cases:
        consider([as_spec(s) for s in case], 0, hand_picked=True)
    for t in range(MAX_TRIES):
        if len(chosen) >= n:
            break
        base = op.cases[int(rng.integers(len(op.cases)))]
        consider(_free(base, rng) if t % 3 == 2 else _remapped(base, rng), t)
    return chosen


def _check(op, arrays, view):
    try:
        gradcheck(op.fn, float64_inputs(arrays, view=view))
    except AssertionError as err:
        worst = gradient_error(op.fn, float64_inputs(arrays, view=view))
        return f"{'view' if view else 'contiguous'} max |analytic - numeric| = {worst:.3e}: {str(err)[:200]}"
    return None


@pytest.mark.parametrize("name", sorted(OPS))
def test_a1_shapes(name):
    op = OPS[name]
    drawn = draw_shapes(op)
    need = LIMITED.get(name, (MIN_SHAPES, ""))[0]
    failures = []
    for k, (case, arrays) in enumerate(drawn):
        for view in (False, True) if k % 2 else (False,):
            message = _check(op, arrays, view)
            if message:
                failures.append(f"{name} shapes {_shapes(case)}: {message}")
    assert not failures, "\n".join(failures)
    assert len(drawn) >= need, f"{name}: only {len(drawn)} distinct valid shapes found ({need} needed): " + ", ".join(
        str(_shapes(case)) for case, _ in drawn
    )


# Regressions the sweep found (kept as fixed cases, independent of the seeded draws).


def test_cross_entropy_gradients_of_broadcast_inputs_are_summed_back():
    from ember import ops

    logits, target = np.linspace(-1, 1, 3).reshape(1, 3, 1), np.linspace(0.1, 0.9, 6).reshape(2, 3, 1)
    assert gradcheck(lambda z, y: ops.sigmoid_cross_entropy(y, z), [logits, target])
    logits2 = np.linspace(-1, 1, 6).reshape(2, 3)
    assert gradcheck(lambda z, y: ops.softmax_cross_entropy(y, z), [logits2, target[0, :, 0]])


def test_sparse_softmax_cross_entropy_rejects_labels_of_the_wrong_shape():
    from ember import ops

    with pytest.raises(ValueError, match=r"logits.shape\[:-1\] = \(2,\). Received: labels.shape=\(1,\)"):
        ops.sparse_softmax_cross_entropy(np.array([1]), np.zeros((2, 2)))


def test_layer_normalization_input_broadcast_against_gamma():
    from ember import ops

    x, gamma, beta = np.array([[[0.3]]]), np.array([0.5, -1.0, 2.0]), np.array([0.1])
    assert gradcheck(lambda x, g, b: ops.layer_normalization(x, g, b), [x, gamma, beta])


def test_conv_backward_with_zero_size_batch_and_channels():
    from ember import ops

    rng = np.random.default_rng(0)
    assert gradcheck(lambda x, w: ops.conv(x, w), [np.zeros((0, 4, 4, 2)), rng.normal(size=(3, 3, 2, 0))])
    assert gradcheck(lambda x, w: ops.conv_transpose(x, w, strides=2, padding="same"),
                     [np.zeros((0, 3, 4, 3)), rng.normal(size=(3, 3, 0, 3))])


def test_conv_rejects_a_zero_size_kernel():
    from ember import ops

    with pytest.raises(ValueError, match=r"conv: expected a kernel size >= 1 .* Received: kernel shape \(0, 3, 1, 2\)"):
        ops.conv(np.ones((1, 3, 3, 1)), np.ones((0, 3, 1, 2)))
