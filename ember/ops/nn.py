"""Neural-network ops: fused cross-entropies from logits, dropout, embedding lookup.

This module is also the ``ember.ops.nn`` namespace: it re-exports convolution,
pooling, normalisation and attention (``ember.ops.nn.conv2d``, ...).

The cross-entropies are hand-written composites: fusing log-softmax with the
label pick (or sigmoid with BCE) keeps them finite for any logit and makes the
backward one subtraction (``softmax - onehot``, ``sigmoid - y``) instead of a
chain of nodes.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor
from ember.autograd.function import unbroadcast
from ember.backend import random as _random
from ember.ops._convert import as_tensor
from ember.ops.attention import dot_product_attention, scaled_dot_product_attention
from ember.ops.conv import conv, conv1d, conv2d, depthwise_conv
from ember.ops.conv_transpose import conv1d_transpose, conv2d_transpose, conv_transpose
from ember.ops.host import host_op
from ember.ops.normalization import batch_normalization, layer_normalization, moments
from ember.ops.pooling import (
    average_pool,
    average_pool1d,
    average_pool2d,
    global_average_pool,
    global_max_pool,
    max_pool,
    max_pool1d,
    max_pool2d,
    upsampling,
)

__all__ = [
    "average_pool",
    "average_pool1d",
    "average_pool2d",
    "batch_normalization",
    "conv",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv_transpose",
    "depthwise_conv",
    "dot_product_attention",
    "dropout",
    "embedding",
    "global_average_pool",
    "global_max_pool",
    "layer_normalization",
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "moments",
    "scaled_dot_product_attention",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "upsampling",
]


def _shifted_logsumexp_parts(xp, logits, axis):
    """``(z - max z, sum of exp(z - max z) over all but the max entry, full sum)`` along ``axis``.

    NOTE: ``logsumexp(z) - max z = log1p(rest)``; taking ``log`` of the full sum
    ``1 + rest`` would round ``rest`` away when one logit dominates (float32
    cross-entropies of 0 instead of 1e-12, RELIABILITY B1).
    """
    top = logits.argmax(axis=axis)
    top = xp.expand_dims(top, axis)
    shifted = logits - xp.take_along_axis(logits, top, axis=axis)
    e = xp.exp(shifted)
    xp.put_along_axis(e, top, 0, axis=axis)
    rest = e.sum(axis=axis, keepdims=True)
    return shifted, rest, rest + 1


class SparseSoftmaxCrossEntropy(Function):
    # Fused for stability and speed (one node instead of log_softmax + gather + neg).
    def forward(self, logits, labels):
        xp = backend.namespace(logits)
        shifted, rest, s = _shifted_logsumexp_parts(xp, logits, -1)
        lab = labels.reshape(-1)
        flat = shifted.reshape(-1, shifted.shape[-1])
        picked = flat[xp.arange(lab.shape[0]), lab].reshape(labels.shape)
        self.probs, self.labels = xp.exp(shifted) / s, lab
        return xp.log1p(rest[..., 0]) - picked

    def backward(self, g):
        xp = backend.namespace(g)
        grad = self.probs.copy()
        flat = grad.reshape(-1, grad.shape[-1])
        flat[xp.arange(self.labels.shape[0]), self.labels] -= 1
        return grad * g[..., None], None

    def backward_graph(self, g):
        from ember.ops.activations import softmax

        xp = backend.namespace(self.probs)
        onehot = (self.labels[:, None] == xp.arange(self.probs.shape[-1])).reshape(self.probs.shape)
        return (softmax(self.parents[0]) - Tensor._wrap(onehot.astype(self.probs.dtype))) * g[..., None], None


class SoftmaxCrossEntropy(Function):
    # Fused for stability: -sum(y * log_softmax(z)) with backward softmax(z) * sum(y) - y.
    def forward(self, logits, target, axis=-1):
        xp = backend.namespace(logits)
        shifted, rest, _ = _shifted_logsumexp_parts(xp, logits, axis)
        logp = shifted - xp.log1p(rest)
        shape = xp.broadcast_shapes(logp.shape, target.shape)  # a broadcast input gets its gradient summed back
        self.shapes = logits.shape, target.shape
        logp, target = xp.broadcast_to(logp, shape), xp.broadcast_to(target, shape)
        self.logp, self.target, self.axis = logp, target, axis
        return -(target * logp).sum(axis=axis)

    def backward(self, g):
        xp = backend.namespace(g)
        g = xp.expand_dims(g, self.axis)
        p, y = xp.exp(self.logp), self.target
        gz = g * (p * y.sum(axis=self.axis, keepdims=True) - y) if self.needs_grad[0] else None
        gz = unbroadcast(gz, self.shapes[0]) if self.needs_grad[0] else None
        gy = unbroadcast(-g * self.logp, self.shapes[1]) if self.needs_grad[1] else None
        return gz, gy

    def backward_graph(self, g):
        from ember.ops.activations import log_softmax
        from ember.ops.reduction import sum as _sum
        from ember.ops.shape import expand_dims, sum_to
        from ember.ops.unary import exp

        z, y = self.parents
        g = expand_dims(g, self.axis)
        logp = log_softmax(z, self.axis)
        gz, gy = g * (exp(logp) * _sum(y, self.axis, keepdims=True) - y), -g * logp
        return sum_to(gz, self.shapes[0]), sum_to(gy, self.shapes[1])


class SigmoidCrossEntropy(Function):
    # Fused for stability: max(z, 0) - z*y + log1p(exp(-|z|)), backward sigmoid(z) - y.
    def forward(self, z, y):
        xp = backend.namespace(z)
        self.z, self.y = z, y
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(self, g):
        xp = backend.namespace(g)
        sig = 0.5 * (1 + xp.tanh(0.5 * self.z))
        gz = unbroadcast(g * (sig - self.y), self.z.shape) if self.needs_grad[0] else None
        gy = unbroadcast(-g * self.z, self.y.shape) if self.needs_grad[1] else None
        return gz, gy

    def backward_graph(self, g):
        from ember.ops.activations import sigmoid
        from ember.ops.shape import sum_to

        z, y = self.parents
        return sum_to(g * (sigmoid(z) - y), z.shape), sum_to(-g * z, y.shape)


def sparse_softmax_cross_entropy(labels, logits) -> Tensor:
    """Cross-entropy of integer ``labels`` against ``logits``: ``logsumexp(z) - z[label]``.

    Args:
        labels: int tensor/array of shape ``(...)`` with values in ``[0, classes)``.
            Not range-checked here (the loss layer checks); out-of-range labels
            raise IndexError.
        logits: float tensor of shape ``(..., classes)``.

    Returns:
        Per-sample losses of shape ``(...)`` in nats.
    """
    logits = as_tensor(logits)
    label_shape = tuple(labels.shape if hasattr(labels, "shape") else backend.asarray(labels).shape)
    if label_shape != tuple(logits.shape[:-1]):
        raise ValueError(
            "sparse_softmax_cross_entropy: expected labels of shape logits.shape[:-1] = "
            f"{tuple(logits.shape[:-1])}. Received: labels.shape={label_shape}"
        )
    if not (isinstance(labels, Tensor) and labels.dtype == "int64"):  # graph mode: an int64 Tensor stays traced
        lab = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
        labels = Tensor._wrap(lab.astype("int64", copy=False))
    return SparseSoftmaxCrossEntropy.apply(logits, labels)


def softmax_cross_entropy(target, logits, axis: int = -1) -> Tensor:
    """``-sum(target * log_softmax(logits))`` along ``axis``, computed stably.

    Args:
        target: probabilities (e.g. one-hot), same shape as ``logits``.
        logits: float tensor ``(..., classes)``.
        axis: class axis. Defaults to ``-1``.

    Returns:
        Per-sample losses with ``axis`` removed, in nats.
    """
    logits = as_tensor(logits)
    return SoftmaxCrossEntropy.apply(logits, as_tensor(target, logits), axis=axis % logits.ndim)


def sigmoid_cross_entropy(target, logits) -> Tensor:
    """Elementwise binary cross-entropy from logits: ``max(z,0) - z*y + log1p(exp(-|z|))``.

    Matches PyTorch's ``BCEWithLogitsLoss`` (no reduction). Finite for any ``z``.
    """
    logits = as_tensor(logits)
    return SigmoidCrossEntropy.apply(logits, as_tensor(target, logits))


class _Dropout(Function):
    def forward(self, a, mask):
        self.mask = mask
        return a * mask

    def backward(self, g):
        return g * self.mask, None

    def backward_graph(self, g):
        return g * self.parents[1], None


def dropout(x, rate: float, noise_shape=None, seed=None) -> Tensor:
    """Inverted dropout: zero each element with probability ``rate``, scale the rest by ``1/(1-rate)``.

    Args:
        x: input tensor.
        rate: drop probability in ``[0, 1)``.
        noise_shape: shape of the mask, broadcast against ``x``. Defaults to ``x.shape``.
        seed: per-call seed, or a NumPy Generator from which each call draws its seed (a layer's
            seed stream); defaults to ember's global generator.

    Raises:
        ValueError: if ``rate`` is outside ``[0, 1)``.

    Source: Srivastava et al., "Dropout" (JMLR 2014); inverted scaling as in Keras.
    """
    x = as_tensor(x)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: expected 0 <= rate < 1. Received: rate={rate}")
    if rate == 0:
        return x
    shape = x.shape if noise_shape is None else tuple(noise_shape)
    mask = host_op(_dropout_mask, random=True, shape=shape, rate=rate, dtype=x.dtype, seed=seed)
    return _Dropout.apply(x, mask)


def _dropout_mask(shape, rate, dtype, seed):
    """``keep / (1 - rate)`` with ``keep ~ Bernoulli(1 - rate)``; a host op, so graph mode redraws it each step."""
    keep = _random.generator(seed).random(shape, dtype="float32" if dtype != "float64" else "float64") >= rate
    return backend.asarray(keep * dtype.type(1.0 / (1.0 - rate)), dtype=dtype)


def embedding(indices, weights) -> Tensor:
    """Rows of ``weights`` picked by integer ``indices`` (PyTorch's ``F.embedding``; Keras's Embedding math).

    Args:
        indices: int tensor/array of any shape ``(...)``, values in ``[0, vocab)``.
        weights: ``(vocab, dim)`` float tensor.

    Returns:
        ``(..., dim)``. The gradient adds each output row into its weight row (repeated indices accumulate).

    Raises:
        IndexError: for indices outside ``[-vocab, vocab)``.
    """
    from ember.ops.indexing import take

    return take(weights, indices, axis=0)
