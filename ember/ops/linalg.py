"""Linear algebra: matmul (batched, broadcasting), einsum, and the products built on them."""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.ops import shape as S
from ember.ops._convert import as_tensor, pair


class MatMul(Function):
    # NOTE: strided views are made contiguous first: BLAS sums in a different order for strided
    # operands, and op(view) must equal op(copy) bit for bit (RELIABILITY.md A7). Free when contiguous.
    # An N-D left operand times a 2-D kernel (Dense on sequences, attention projections) runs as one
    # 2-D GEMM over the flattened leading axes, forward and backward: NumPy would make one GEMM per
    # leading index, and the kernel gradient a batch of GEMMs plus a sum (-17 % / -35 % at W5 shapes).
    def forward(self, a, b):
        self.a, self.b = backend.contiguous(a), backend.contiguous(b)
        if self.a.ndim > 2 and self.b.ndim == 2:
            a2 = self.a.reshape(math.prod(self.a.shape[:-1]), self.a.shape[-1])
            return (a2 @ self.b).reshape(self.a.shape[:-1] + (self.b.shape[1],))
        return self.a @ self.b

    def forward_out(self, a, b, out):
        """``forward`` written into the C-contiguous buffer ``out`` (graph mode's buffer planning,
        ember/graph/passes/buffers.py): the same GEMM calls, bit-identical; returns ``out``."""
        self.a, self.b = backend.contiguous(a), backend.contiguous(b)
        xp = backend.namespace(out)
        if self.a.ndim > 2 and self.b.ndim == 2:
            a2 = self.a.reshape(math.prod(self.a.shape[:-1]), self.a.shape[-1])
            xp.matmul(a2, self.b, out=out.reshape(a2.shape[0], self.b.shape[1]))
            return out
        return xp.matmul(self.a, self.b, out=out)

    def backward_out(self, g, out):
        """``backward`` with the first gradient written into ``out`` where it is one GEMM (a 2-D kernel, or both
        operands 2-D); otherwise the allocating ``backward``. Bit-identical; the other gradients are fresh."""
        a, b = self.a, self.b
        if not self.needs_grad[0] or b.ndim != 2 or a.ndim < 2 or (a.ndim == 2) != (g.ndim == 2):
            return self.backward(g)
        g = backend.contiguous(g)
        g2 = g.reshape(math.prod(g.shape[:-1]), b.shape[1])
        ga = backend.namespace(out).matmul(g2, b.T, out=out.reshape(g2.shape[0], a.shape[-1]))
        gb = None
        if self.needs_grad[1]:
            gb = backend.matmul_tn(a.reshape(g2.shape[0], a.shape[-1]), g2)
        return ga.reshape(a.shape), gb

    def backward(self, g):
        a, b = self.a, self.b
        xp = backend.namespace(g)
        g = backend.contiguous(g)  # a zero-stride broadcast g would put matmul on its slow non-BLAS loop
        ga = gb = None
        if a.ndim > 2 and b.ndim == 2:
            g2 = g.reshape(math.prod(g.shape[:-1]), b.shape[1])
            if self.needs_grad[0]:
                ga = (g2 @ b.T).reshape(a.shape)
            if self.needs_grad[1]:
                gb = backend.matmul_tn(a.reshape(g2.shape[0], a.shape[-1]), g2)
            return ga, gb
        if a.ndim == 1 and b.ndim == 1:  # inner product
            return (g * b if self.needs_grad[0] else None), (g * a if self.needs_grad[1] else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        if self.needs_grad[0]:
            ga = unbroadcast(g2 @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if self.needs_grad[1]:
            if a2.ndim == 2 and g2.ndim == 2:  # the common Dense case: orientation chosen for BLAS
                gb = backend.matmul_tn(a2, g2).reshape(b.shape)
            else:
                gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb

    def backward_graph(self, g):
        a, b = self.parents
        if a.ndim == 1 and b.ndim == 1:
            return g * b, g * a
        a2 = S.reshape(a, (1, -1)) if a.ndim == 1 else a
        b2 = S.reshape(b, (-1, 1)) if b.ndim == 1 else b
        g2 = S.expand_dims(g, -2) if a.ndim == 1 else g
        g2 = S.expand_dims(g2, -1) if b.ndim == 1 else g2
        ga = S.reshape(S.sum_to(MatMul.apply(g2, S.swapaxes(b2, -1, -2)), a2.shape), a.shape)
        gb = S.reshape(S.sum_to(MatMul.apply(S.swapaxes(a2, -1, -2), g2), b2.shape), b.shape)
        return ga, gb


def matmul(x1, x2) -> Tensor:
    """Matrix product with NumPy's ``matmul`` rules (batched, broadcasting, 1-D promotion).

    Args:
        x1: ``(..., n, k)`` or ``(k,)``.
        x2: ``(..., k, m)`` or ``(k,)``.

    Returns:
        ``(..., n, m)`` (1-D operands lose their promoted axis).

    Raises:
        ValueError: naming the op, both shapes and the contracted axes when those differ.

    Example:
        >>> import ember
        >>> ember.ops.matmul(ember.ops.ones((2, 3)), ember.ops.ones((3, 4))).shape
        (2, 4)
    """
    a, b = pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must be at least 1-D. Received: shapes {a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(
            f"matmul: contracted axes differ: x1 axis -1 has size {ka}, x2 axis {0 if b.ndim == 1 else -2} "
            f"has size {kb}. Received: shapes {a.shape} and {b.shape}"
        )
    return MatMul.apply(a, b)


def _parse_einsum(subscripts: str, shapes) -> tuple[list[str], str]:
    """Explicit per-operand index strings and output string (``...`` replaced by spare letters)."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operand subscripts for {len(shapes)} operands: {subscripts!r}")
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in subscripts]
    nell = max((len(s) - len(i) + 3 for i, s in zip(ins, shapes, strict=False) if "..." in i), default=0)
    ell = "".join(spare[:nell][::-1])
    ins = [
        i.replace("...", ell[nell - (len(s) - len(i) + 3) :]) if "..." in i else i
        for i, s in zip(ins, shapes, strict=False)
    ]
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit mode: broadcast axes, then letters used once, in alphabetical order
        counts = {c: "".join(ins).count(c) for c in "".join(ins)}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    for i, s in zip(ins, shapes, strict=False):
        if len(i) != len(s):
            raise ValueError(f"einsum: subscripts {i!r} do not match operand shape {s} in {subscripts!r}")
        if len(set(i)) != len(i):
            raise ValueError(f"einsum: repeated indices within one operand are not supported: {subscripts!r}")
    return ins, out


def _kept_shape(shape, kept: str, full: str) -> list[int]:
    """``shape`` (over the indices ``kept``) with size-1 axes inserted for the indices of ``full`` it lacks."""
    sizes = dict(zip(kept, shape, strict=False))
    return [sizes.get(c, 1) for c in full]


def _optimize(arrays) -> bool:
    """Let NumPy plan the contraction (BLAS through tensordot) unless the operands are tiny.

    Unplanned, ``np.einsum`` runs its own C loops: an EinsumDense ``abc,cd->abd`` of
    (32, 40, 64) x (64, 128) took 3.8 ms that way and 0.76 ms planned (1 thread). Planning
    costs tens of microseconds, which only pays off beyond a few thousand elements.
    """
    return len(arrays) > 2 or max(a.size for a in arrays) >= 4096


class Einsum(Function):
    # Backward of operand k: einsum of the upstream gradient with the other operands into k's indices;
    # indices only k carries (summed away in the forward) come back by broadcasting.
    def forward(self, *arrays, ins, out):
        xp = backend.namespace(arrays[0])
        arrays = tuple(backend.contiguous(a) for a in arrays)  # bit-identical on views, as MatMul
        self.arrays, self.ins, self.out = arrays, ins, out
        return xp.einsum(",".join(ins) + "->" + out, *arrays, optimize=_optimize(arrays))

    def _plan(self, k):
        others = [i for j, i in enumerate(self.ins) if j != k]
        have = set(self.out).union(*others)
        kept = "".join(c for c in self.ins[k] if c in have)
        return others, kept

    def backward(self, g):
        xp = backend.namespace(g)
        grads = []
        for k, a in enumerate(self.arrays):
            if not self.needs_grad[k]:
                grads.append(None)
                continue
            others, kept = self._plan(k)
            ops = [g] + [b for j, b in enumerate(self.arrays) if j != k]
            r = xp.einsum(",".join([self.out, *others]) + "->" + kept, *ops, optimize=_optimize(ops))
            r = r.reshape(_kept_shape(r.shape, kept, self.ins[k]))
            grads.append(xp.broadcast_to(unbroadcast(r, a.shape), a.shape))
        return tuple(grads)

    def backward_graph(self, g):
        grads = []
        for k, a in enumerate(self.parents):
            others, kept = self._plan(k)
            ops = [g] + [b for j, b in enumerate(self.parents) if j != k]
            r = Einsum.apply(*ops, ins=[self.out, *others], out=kept)
            r = S.reshape(r, _kept_shape(r.shape, kept, self.ins[k]))
            grads.append(
                S.broadcast_to(S.sum_to(r, tuple(min(n, m) for n, m in zip(r.shape, a.shape, strict=False))), a.shape)
            )
        return tuple(grads)


def einsum(subscripts: str, *operands) -> Tensor:
    """Einstein summation (``numpy.einsum``), e.g. ``einsum('bij,bjk->bik', a, b)``.

    Supports explicit (``->``) and implicit output, ``...`` broadcasting, and any number
    of operands. Repeated indices within a single operand (diagonals) are not supported.

    Raises:
        ValueError: for malformed subscripts or sizes that disagree, naming them.
    """
    ts = [as_tensor(t) for t in operands]
    ins, out = _parse_einsum(subscripts, [t.shape for t in ts])
    sizes: dict = {}
    for i, t in zip(ins, ts, strict=False):
        for c, n in zip(i, t.shape, strict=False):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise ValueError(
                    f"einsum: index {c!r} has sizes {sizes[c]} and {n}. Received: shapes "
                    f"{[t.shape for t in ts]} for {subscripts!r}"
                )
    return Einsum.apply(*ts, ins=ins, out=out)


def tensordot(x1, x2, axes=2) -> Tensor:
    """``numpy.tensordot``: sum over the last ``axes`` axes of ``x1`` and the first of ``x2``
    (or the pairs of axes given as ``(axes_1, axes_2)``)."""
    a, b = pair(x1, x2)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a = [axes[0]] if isinstance(axes[0], int) else list(axes[0])
        ax_b = [axes[1]] if isinstance(axes[1], int) else list(axes[1])
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    ia = [next(letters) for _ in range(a.ndim)]
    ib = [next(letters) for _ in range(b.ndim)]
    for p, q in zip(ax_a, ax_b, strict=False):
        ib[q % b.ndim] = ia[p % a.ndim]
    out = [c for k, c in enumerate(ia) if k not in [p % a.ndim for p in ax_a]]
    out += [c for k, c in enumerate(ib) if k not in [q % b.ndim for q in ax_b]]
    return einsum("".join(ia) + "," + "".join(ib) + "->" + "".join(out), a, b)


def dot(x1, x2) -> Tensor:
    """``numpy.dot``: a product for scalars, :func:`matmul` up to 2-D, else a sum over ``x1``'s last
    and ``x2``'s second-to-last axis."""
    a, b = pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def outer(x1, x2) -> Tensor:
    """Outer product of the flattened inputs: ``out[i, j] = x1[i] * x2[j]``."""
    a, b = pair(x1, x2)
    return S.reshape(a, (-1, 1)) * S.reshape(b, (1, -1))


def inner(x1, x2) -> Tensor:
    """``numpy.inner``: sum over the last axes of both (a product for scalars)."""
    a, b = pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))
