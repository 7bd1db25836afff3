"""Matrix products."""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.ops._convert import pair


class MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        xp = backend.namespace(g)
        ga = gb = None
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
            gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(x1, x2) -> Tensor:
    """Matrix product with NumPy's ``matmul`` rules (batched, broadcasting, 1-D promotion).

    Args:
        x1: ``(..., n, k)`` or ``(k,)``.
        x2: ``(..., k, m)`` or ``(k,)``.

    Returns:
        ``(..., n, m)`` (1-D operands lose their promoted axis).

    Raises:
        ValueError: naming both shapes when the contracted axes differ.
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
