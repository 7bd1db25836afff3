"""Shared machinery of the op tests: input sampling away from kinks, the backend
parametrisation, and the torch reference comparison (RELIABILITY.md A1, A3, A5, A6, A7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

import ember
from ember import backend

try:
    backend.set_backend("cupy")
    backend.set_backend("numpy")
    cupy_available = True
except ImportError:
    cupy_available = False

BACKENDS = [
    "numpy",
    pytest.param("cupy", marks=pytest.mark.skipif(not cupy_available, reason="CuPy/GPU not available on this machine")),
]

FWD_TOL = {"atol": 1e-4, "rtol": 1e-3}  # float32 vs torch, as issue 3 sets
GRAD_TOL = {"atol": 1e-4, "rtol": 1e-3}


@dataclass
class Uniform:
    """Float input: uniform on ``[lo, hi)``, moved at least ``gap`` away from each kink."""

    shape: tuple
    lo: float = -2.0
    hi: float = 2.0
    kinks: tuple = ()
    gap: float = 1e-2

    def sample(self, rng):
        x = rng.uniform(self.lo, self.hi, size=self.shape)
        for k in self.kinks:
            near = np.abs(x - k) < self.gap
            x = np.where(near, k + np.where(x >= k, 2, -2) * self.gap, x)
        return x


@dataclass
class Grid:
    """Float input on the grid ``offset + step * n``: two inputs on offset grids never tie."""

    shape: tuple
    offset: float = 0.0
    step: float = 0.02
    span: int = 100

    def sample(self, rng):
        return self.offset + self.step * rng.integers(-self.span, self.span, size=self.shape)


@dataclass
class Distinct:
    """Float input whose elements are pairwise at least ``1 / size`` apart (no max/min ties)."""

    shape: tuple

    def sample(self, rng):
        n = int(np.prod(self.shape))
        return ((rng.permutation(n) - n / 2) / max(n, 1) * 4 + rng.uniform(0, 0.1 / max(n, 1), n)).reshape(self.shape)


@dataclass
class Ints:
    """Integer input (indices, labels) in ``[lo, hi)``; never differentiated."""

    shape: tuple
    lo: int = 0
    hi: int = 3

    def sample(self, rng):
        return rng.integers(self.lo, self.hi, size=self.shape)


def as_spec(s):
    return s if hasattr(s, "sample") else Uniform(tuple(s))


@dataclass
class Op:
    """One op under test: the ember function, the torch reference, and its input cases."""

    name: str
    fn: Callable
    ref: Callable | None
    cases: list = field(default_factory=list)
    double: bool = True  # claims double backward (A2)

    def ids(self):
        return [
            f"{self.name}-{i}-{'x'.join(str(tuple(as_spec(s).shape)) for s in case)}"
            for i, case in enumerate(self.cases)
        ]


def sample_case(case, seed=0):
    rng = np.random.default_rng(seed)
    return [as_spec(s).sample(rng) for s in case]


def noncontiguous(a: np.ndarray) -> np.ndarray:
    """The same values as a strided (non-contiguous) view: every other element of a doubled array."""
    if a.ndim == 0:
        return a
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    big[..., ::2] = a
    view = big[..., ::2]
    assert not view.flags.c_contiguous or a.shape[-1] <= 1 or a.size == 0
    return view


def to_torch(a, requires_grad):
    if a.dtype.kind == "f":
        return torch.tensor(a, dtype=torch.float32, requires_grad=requires_grad)
    return torch.tensor(a)


def to_ember(a, dtype="float32", requires_grad=True):
    if a.dtype.kind == "f":
        return ember.tensor(backend.asarray(a), dtype=dtype, requires_grad=requires_grad)
    return ember.tensor(backend.asarray(a))


def flat_outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare_with_torch(op: Op, arrays, seed=0):
    """Forward values and input gradients of ``op`` (float32) against torch (A5)."""
    ins = [to_ember(a) for a in arrays]
    outs = flat_outputs(op.fn(*ins))
    t_ins = [to_torch(a, a.dtype.kind == "f") for a in arrays]
    t_outs = flat_outputs(op.ref(*t_ins))
    rng = np.random.default_rng(seed)
    assert len(outs) == len(t_outs)
    loss, t_loss = None, None
    for o, t in zip(outs, t_outs, strict=False):
        assert tuple(o.shape) == tuple(t.shape), (op.name, o.shape, t.shape)
        np.testing.assert_allclose(backend.to_numpy(o.data), t.detach().numpy(), **FWD_TOL, err_msg=op.name)
        if o.dtype.kind != "f":
            continue
        c = rng.standard_normal(o.shape).astype(np.float32)
        term, t_term = (o * ember.tensor(c)).sum(), (t * torch.tensor(c)).sum()
        loss = term if loss is None else loss + term
        t_loss = t_term if t_loss is None else t_loss + t_term
    if loss is None or not loss.requires_grad:
        return
    loss.backward()
    t_loss.backward()
    for i, (x, tx) in enumerate(zip(ins, t_ins, strict=False)):
        if x.requires_grad:
            tg = tx.grad.numpy() if tx.grad is not None else np.zeros(tx.shape, np.float32)
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
            np.testing.assert_allclose(x.grad.numpy(), tg, **GRAD_TOL, err_msg=f"{op.name} grad of input {i}")


def cases_of(ops):
    """``pytest.param(op, case)`` for every case of every op, with readable ids."""
    return [pytest.param(op, case, id=i) for op in ops for case, i in zip(op.cases, op.ids(), strict=False)]


def float64_inputs(arrays, view=False):
    out = []
    for a in arrays:
        if a.dtype.kind == "f":
            a = noncontiguous(a.astype(np.float64)) if view else a.astype(np.float64)
            out.append(ember.Tensor._wrap(backend.asarray(a) if backend.get_backend() != "numpy" else a, True))
        else:
            out.append(ember.tensor(backend.asarray(a)))
    return out


def check_gradcheck(op: Op, case):
    """A1: float64 central differences, on contiguous and on strided-view inputs."""
    from ember.testing import gradcheck

    arrays = sample_case(case)
    assert gradcheck(op.fn, float64_inputs(arrays))
    assert gradcheck(op.fn, float64_inputs(arrays, view=True))


def check_gradgrad(op: Op, case):
    """A2: ops that claim double backward pass gradcheck on grad-of-grad; the others name themselves."""
    from ember.testing import gradgradcheck

    arrays = sample_case(case)
    if op.double:
        assert gradgradcheck(op.fn, float64_inputs(arrays))
    else:
        with pytest.raises(NotImplementedError, match="op [A-Z]"):
            gradgradcheck(op.fn, float64_inputs(arrays))


def _grads(op, arrays, dtype, upstream, view=False):
    ins = []
    for a in arrays:
        if a.dtype.kind == "f":
            a = noncontiguous(a.astype(dtype)) if view else a.astype(dtype)
            ins.append(ember.Tensor._wrap(a, True))
        else:
            ins.append(ember.tensor(a))
    outs = [o for o in flat_outputs(op.fn(*ins)) if o.requires_grad]
    total = None
    for k, o in enumerate(outs):
        term = (o * ember.tensor(upstream(o.shape, k).astype(o.dtype))).sum()
        total = term if total is None else total + term
    return ins, outs, total


def check_structure(op: Op, case):
    """A3: reentrant (bit-identical twice), linear (zero upstream gives exact zeros), shape and dtype kept."""
    arrays = sample_case(case)
    for dtype in (np.float32, np.float64):

        def ones(shape, k):
            return np.random.default_rng(k).standard_normal(shape)

        ins, outs, total = _grads(op, arrays, dtype, ones)
        if total is None:
            continue
        total.backward(retain_graph=True)
        first = [x.grad.numpy().copy() for x in ins if x.requires_grad]
        for x in ins:
            x.grad = None
        total.backward()
        for g, x in zip(first, [x for x in ins if x.requires_grad], strict=False):
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
            np.testing.assert_array_equal(x.grad.numpy(), g)
        ins, outs, total = _grads(op, arrays, dtype, lambda shape, k: np.zeros(shape))
        total.backward()
        for x in ins:
            if x.requires_grad and x.grad is not None:
                assert not np.any(x.grad.numpy()), f"{op.name}: zero upstream gradient gave non-zero grads"


def check_views(op: Op, case):
    """A7: op(view) == op(view.copy()) bit for bit, forward and backward."""
    arrays = sample_case(case)

    def up(shape, k):
        return np.random.default_rng(k).standard_normal(shape)

    ins_v, outs_v, total_v = _grads(op, arrays, np.float32, up, view=True)
    ins_c, outs_c, total_c = _grads(op, arrays, np.float32, up, view=False)
    for a, b in zip(flat_outputs(op.fn(*ins_v)), flat_outputs(op.fn(*ins_c)), strict=False):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    if total_v is None:
        return
    total_v.backward()
    total_c.backward()
    for a, b in zip(ins_v, ins_c, strict=False):
        if a.requires_grad:
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def standard_op_tests(cases):
    """The five checks every op family runs on its ``cases``, as test functions to bind in a test module.

    Returns ``(test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure,
    test_views_equal_copies)``: float64 gradcheck on each backend, float32 torch parity, double
    backward, backward structure (A3) and op(view) == op(copy) (A7).
    """

    @pytest.mark.parametrize("op,case", cases)
    def test_gradcheck(op, case, on_backend):
        check_gradcheck(op, case)

    @pytest.mark.parametrize("op,case", cases)
    def test_matches_torch(op, case):
        compare_with_torch(op, sample_case(case))

    @pytest.mark.parametrize("op,case", cases)
    def test_double_backward(op, case):
        check_gradgrad(op, case)

    @pytest.mark.parametrize("op,case", cases)
    def test_backward_structure(op, case):
        check_structure(op, case)

    @pytest.mark.parametrize("op,case", cases)
    def test_views_equal_copies(op, case):
        check_views(op, case)

    return test_gradcheck, test_matches_torch, test_double_backward, test_backward_structure, test_views_equal_copies
