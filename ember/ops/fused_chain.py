"""A chain of elementwise ops run as one node (graph mode's elementwise fusion).

Graph mode's ``elementwise_fusion`` pass (``ember/graph/passes/elementwise_fusion.py``) rewrites a
maximal chain ``y = f_n(... f_2(f_1(a, ...), ...) ...)`` of elementwise ops, each intermediate used
only by the next op, into one :class:`ElementwiseChain` node. Its forward runs the members'
forwards in order; where a member may write its result into the previous member's output buffer
(the member keeps no reference to its input, the previous member keeps none to its output, and the
result has that buffer's shape and dtype: all decided at trace time) it does so with NumPy's
``out=`` (:data:`INPLACE`), so the chain allocates one array instead of one per op. The backward
runs the members' own backwards in reverse order, handing each member's gradient to the previous
one, so values and gradients (including the reduction of broadcast operands) equal the unfused
ops' bit for bit: the in-place kernels compute the same ufuncs on the same operands.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function
from ember.ops import activations as A
from ember.ops import math as M
from ember.ops import unary as U

# Elementwise Functions a chain may contain (one output, the inputs' broadcast shape).
ELEMENTWISE = frozenset({
    M.Add, M.Sub, M.Mul, M.Div, M.Neg, M.Pow, M.Maximum, M.Minimum,
    U.Exp, U.Expm1, U.Log, U.Log1p, U.Sqrt, U.Rsqrt, U.Square, U.Reciprocal, U.Abs, U.Sin, U.Cos, U.Erf,
    A.Sigmoid, A.Tanh, A.ReLU, A.LeakyReLU, A.ELU, A.Softplus, A.HardClip,
})  # fmt: skip


def _add(ctx, args, i):
    a, b = args
    ctx.shapes = a.shape, b.shape  # as Add.forward
    return backend.namespace(a).add(a, b, out=args[i])


def _sub(ctx, args, i):
    a, b = args
    ctx.shapes = a.shape, b.shape
    return backend.namespace(a).subtract(a, b, out=args[i])


def _neg(ctx, args, i):
    return backend.namespace(args[0]).negative(args[0], out=args[0])


def _saving_out(name):
    def kernel(ctx, args, i):
        a = args[0]
        ctx.out = getattr(backend.namespace(a), name)(a, out=a)
        return ctx.out
    return kernel


def _sigmoid(ctx, args, i):
    a = args[0]  # Sigmoid.forward's 0.5 * (1 + tanh(0.5 * a)), each step in place
    xp = backend.namespace(a)
    xp.multiply(a, 0.5, out=a)
    xp.tanh(a, out=a)
    xp.add(a, 1, out=a)
    ctx.out = xp.multiply(a, 0.5, out=a)
    return ctx.out


def _relu(ctx, args, i):
    a = args[0]
    ctx.mask = a > 0  # as ReLU.forward, before the buffer is overwritten
    return backend.namespace(a).maximum(a, a.dtype.type(0), out=a)


# In-place forwards: ``kernel(ctx, args, i)`` writes the member's result into ``args[i]`` and sets on ``ctx``
# exactly what the member's own forward saves. Only members that keep no reference to their inputs.
INPLACE = {M.Add: _add, M.Sub: _sub, M.Neg: _neg, U.Exp: _saving_out("exp"), U.Sqrt: _saving_out("sqrt"),
           A.Tanh: _saving_out("tanh"), A.Sigmoid: _sigmoid, A.ReLU: _relu}  # fmt: skip

# Members whose backward reads their forward's output array: a later member must not overwrite it.
SAVES_OUTPUT = frozenset({U.Exp, U.Sqrt, U.Rsqrt, U.Reciprocal, M.Pow, A.Sigmoid, A.Tanh, A.ELU})


class ElementwiseChain(Function):
    """A linear chain of elementwise ops (:data:`ELEMENTWISE`) run as one node; made only by graph mode's
    elementwise-chain fusion pass (ember/graph/passes/elementwise_fusion.py).

    ``program``: one ``(cls, kwargs, needs_grad, refs, inplace)`` per member, in order; ``refs[j]`` is the
    index in ``inputs`` of the member's ``j``-th operand, or ``-1`` for the previous member's output.
    ``inplace`` members write into that output's buffer (NumPy ``out=``) when this node made it. The result
    has the last member's shape and dtype (operands broadcast as each op does); the backward runs the
    members' own backwards in reverse order, so values and gradients are bit-identical to the unfused nodes.
    """

    def forward(self, *inputs, program):
        prev, ctxs = None, []
        for cls, kwargs, needs, refs, inplace in program:
            args = [prev if r < 0 else inputs[r] for r in refs]
            ctx = cls()
            ctx.needs_grad = needs
            if inplace and prev.base is None and not any(prev is x for x in inputs):  # a buffer this node made
                prev = INPLACE[cls](ctx, args, refs.index(-1))
            else:
                prev = ctx.forward(*args, **kwargs)
            ctxs.append(ctx)
        self.program, self.ctxs, self.n = program, ctxs, len(inputs)
        return prev

    def backward(self, g):
        # Each member's saved arrays are dropped right after its backward (as the liveness pass drops an unfused
        # node's ctx), so its blocks go back to the allocator for the next member's temporaries. The fusion pass
        # fuses only chains whose backward runs once (each member's ctx has one backward node).
        grads, ctxs = [None] * self.n, self.ctxs
        if ctxs is None:
            raise RuntimeError("ElementwiseChain: backward called twice on one forward (the fusion pass fuses only "
                               "chains whose backward runs once).")  # fmt: skip
        self.ctxs = None
        for (_, _, _, refs, _) in reversed(self.program):
            r = ctxs.pop().backward(g)
            g = None
            for ref, gi in zip(refs, r if isinstance(r, tuple) else (r,), strict=False):
                if ref < 0:
                    g = gi
                else:
                    grads[ref] = gi
        return tuple(grads)
