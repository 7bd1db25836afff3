"""The alias tables of ember/graph/passes/buffers.py checked against the ops' code: what each listed Function's
forward returns and keeps, and what its backward returns, must not share memory where the tables say it cannot."""

import numpy as np
import pytest

from ember.graph.passes import buffers as B
from ember.ops import activations, device, fused, linalg, nn, normalization, reduction, shape, unary
from ember.ops import math as elementwise

R = np.random.default_rng(0)
A, C = R.standard_normal((4, 3)).astype("float32"), R.standard_normal((4, 3)).astype("float32") + 3
SAMPLES = {  # op: (input arrays, keyword arguments)
    elementwise.Add: ((A, C), {}), elementwise.Sub: ((A, C), {}), elementwise.Mul: ((A, C), {}),
    elementwise.Div: ((A, C), {}), fused.AddReLU: ((A, C), {}), device.Cast: ((A,), {"dtype": "float64"}),
    reduction.Sum: ((A,), {"axis": 0}), reduction.Mean: ((A,), {"axis": 0}),
    shape.Reshape: ((A,), {"shape": (3, 4)}), shape.Transpose: ((A,), {"axes": (1, 0)}),
    linalg.MatMul: ((A, C.T.copy()), {}), unary.Square: ((A,), {}),
    fused.Dense: ((A, C.T.copy()[:, :2].copy(), np.ones(2, "float32")), {"activation": "relu"}),
    activations.Softmax: ((A,), {"axis": -1}),
    normalization.LayerNorm: ((A, np.ones(3, "float32"), np.zeros(3, "float32")), {"axes": (-1,), "epsilon": 1e-3}),
    nn.SparseSoftmaxCrossEntropy: ((A, np.array([0, 2, 1, 0])), {}),
}  # fmt: skip
LISTED = B.FRESH_FORWARD | B.BACKWARD_NO_SAVED | set(B.CTX_KEEPS)


def _arrays(x):
    if isinstance(x, np.ndarray):
        yield x
    elif isinstance(x, (tuple, list)):
        for y in x:
            yield from _arrays(y)


def _run(op):
    ins, kwargs = SAMPLES[op]
    ctx = op()
    ctx.needs_grad = tuple(a.dtype.kind == "f" for a in ins)
    ins = [a.copy() for a in ins]
    out = ctx.forward(*ins, **kwargs)
    return ctx, ins, out


def test_every_listed_op_has_a_sample():
    assert LISTED <= set(SAMPLES)


@pytest.mark.parametrize("op", sorted(LISTED, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_alias_tables_match_the_ops(op):
    ctx, ins, out = _run(op)
    saved = [a for v in vars(ctx).values() for a in _arrays(v)]
    if op in B.FRESH_FORWARD:
        assert not any(np.shares_memory(out, a) for a in ins)
    if op in B.CTX_KEEPS:
        keeps = B.CTX_KEEPS[op]
        dropped = [a for i, a in enumerate(ins) if i not in keeps] + ([] if "out" in keeps else [np.asarray(out)])
        assert not any(np.shares_memory(s, d) for s in saved for d in dropped)
    g = np.ones_like(np.asarray(out))
    grads = [x for x in _arrays(ctx.backward(g))]
    if op in B.BACKWARD_FRESH:
        assert not any(np.shares_memory(x, g) for x in grads)
    if op in B.BACKWARD_NO_SAVED:
        assert not any(np.shares_memory(x, s) for x in grads for s in saved + ins)
