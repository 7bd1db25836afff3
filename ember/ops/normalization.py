"""Normalisation math: moments, batch normalisation (Keras's ``ops.batch_normalization``), layer norm.

``batch_normalization`` is a composite (it takes the statistics as inputs, as Keras does).
``layer_normalization`` is fused with a hand-written backward: one node instead of
about ten, for speed in Transformer blocks; it has its own gradient test.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.autograd.tensor import array_of
from ember.ops import reduction as R
from ember.ops import unary as U
from ember.ops._convert import as_tensor, normalize_axis


def moments(x, axes, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """Mean and (population) variance of ``x`` over ``axes`` (``keras.ops.moments``)."""
    x = as_tensor(x)
    mean = R.mean(x, axes, keepdims=True)
    variance = R.mean(U.square(x - mean), axes, keepdims=True)
    if not keepdims:
        from ember.ops.shape import squeeze

        axes = normalize_axis(axes, x.ndim)
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, axis: int = -1, offset=None, scale=None, epsilon: float = 1e-3) -> Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` with statistics along ``axis``.

    Args:
        x: ``(..., features, ...)`` float tensor.
        mean, variance: ``(features,)`` statistics of the ``axis`` dimension.
        axis: the feature axis. Defaults to ``-1``.
        offset, scale: optional ``(features,)`` beta and gamma. Default to ``None`` (0 and 1).
        epsilon: added to the variance. Defaults to ``1e-3`` (Keras).

    Source: Ioffe & Szegedy, "Batch Normalization" (2015); ``keras.ops.batch_normalization``.
    """
    from ember.ops.shape import reshape

    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def bcast(t):
        return reshape(as_tensor(t, x), shape)

    y = (x - bcast(mean)) * U.rsqrt(bcast(variance) + epsilon)
    if scale is not None:
        y = y * bcast(scale)
    if offset is not None:
        y = y + bcast(offset)
    return y


def _fits(p, x) -> bool:
    """Whether ``x op p`` can be written into an array like ``x`` (same dtype, ``p`` broadcasts to ``x``'s shape)."""
    tail = x.shape[x.ndim - p.ndim :] if p.ndim <= x.ndim else None
    return p.dtype == x.dtype and tail is not None and all(a in (1, b) for a, b in zip(p.shape, tail, strict=True))


class LayerNorm(Function):
    # Fused: y = xhat * gamma + beta, xhat = (x - mean) * rstd over the normalised axes.
    # dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), gh = g * gamma.
    def forward(self, x, gamma, beta, axes, epsilon):
        # NOTE: the products are written into the temporaries they replace (xc becomes xhat, the squares
        # become the output): the same values as the expressions in the comment, 3 output-sized arrays fewer.
        xp = backend.namespace(x)
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        sq = xp.multiply(xc, xc)
        self.rstd = 1 / xp.sqrt(sq.mean(axis=axes, keepdims=True) + x.dtype.type(epsilon))
        xc *= self.rstd  # xhat
        self.xhat, self.gamma, self.axes, self.shapes = xc, gamma, axes, (gamma.shape, beta.shape)
        self.epsilon = epsilon
        if not (_fits(gamma, x) and _fits(beta, x)):
            return self.xhat * gamma + beta
        y = xp.multiply(self.xhat, gamma, out=sq)
        y += beta
        return y

    def backward(self, g):
        gx = None
        if self.needs_grad[0]:  # rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), in two buffers
            gh = unbroadcast(g * self.gamma, self.xhat.shape)  # x itself may be broadcast against gamma/beta
            mean_gh = gh.mean(axis=self.axes, keepdims=True)
            t = gh * self.xhat
            mean_ghx = t.mean(axis=self.axes, keepdims=True)
            gh -= mean_gh
            gh -= backend.namespace(t).multiply(self.xhat, mean_ghx, out=t)
            gh *= self.rstd
            gx = gh
        gg = unbroadcast(g * self.xhat, self.shapes[0]) if self.needs_grad[1] else None
        gb = unbroadcast(g, self.shapes[1]) if self.needs_grad[2] else None
        return gx, gg, gb

    def backward_graph(self, g):
        from ember.ops.shape import sum_to

        x, gamma, _ = self.parents
        xc = x - R.mean(x, self.axes, keepdims=True)
        rstd = U.rsqrt(R.mean(xc * xc, self.axes, keepdims=True) + self.epsilon)
        xhat = xc * rstd
        gh = sum_to(g * gamma, x.shape)
        gx = rstd * (gh - R.mean(gh, self.axes, keepdims=True) - xhat * R.mean(gh * xhat, self.axes, keepdims=True))
        return gx, sum_to(g * xhat, self.shapes[0]), sum_to(g, self.shapes[1])


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon: float = 1e-3) -> Tensor:
    """Layer normalisation: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axis``.

    Args:
        x: float tensor, e.g. ``(batch, timesteps, features)``.
        gamma: scale broadcastable to the normalised axes, e.g. ``(features,)``. Defaults to ``None`` (1).
        beta: offset, same shape rule. Defaults to ``None`` (0).
        axis: int or tuple of axes to normalise over. Defaults to ``-1``.
        epsilon: added to the variance. Defaults to ``1e-3`` (Keras's LayerNormalization).

    Source: Ba, Kiros & Hinton, "Layer Normalization" (2016).
    """
    x = as_tensor(x)
    xp = backend.namespace(array_of(x))
    gamma = Tensor._wrap(xp.ones((), dtype=x.dtype)) if gamma is None else as_tensor(gamma, x)
    beta = Tensor._wrap(xp.zeros((), dtype=x.dtype)) if beta is None else as_tensor(beta, x)
    return LayerNorm.apply(x, gamma, beta, axes=normalize_axis(axis, x.ndim), epsilon=float(epsilon))
