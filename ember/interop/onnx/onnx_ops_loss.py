"""ONNX ``NegativeLogLikelihoodLoss`` and ``SoftmaxCrossEntropyLoss`` as ember ops (differentiable in the scores).

``loss[n, d] = -w[t] * x[n, t, d]`` with ``t = target[n, d]``; samples whose target is ``ignore_index``
get weight 0. ``reduction='mean'`` divides by the summed weights (by the element count when there are
neither class weights nor an ignore index), ``'sum'`` sums, ``'none'`` keeps ``(N, d1, ...)``.
``SoftmaxCrossEntropyLoss`` applies it to ``log_softmax(scores, axis=1)`` and can also return that.
Reference: ONNX operator specification and ``onnx/reference/ops/op_negative_log_likelihood_loss.py``.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def nll(node, x, target, weight):
    """The NLL loss of log-probabilities ``x (N, C, ...)`` for integer ``target (N, ...)``."""
    t = np.asarray(target.data).astype(np.int64)
    ignore = node.get("ignore_index")
    ignored = np.zeros(t.shape, bool) if ignore is None else t == ignore
    safe = np.where(ignored, 0, t)
    picked = ops.squeeze(ops.take_along_axis(x, np.expand_dims(safe, 1), axis=1), axis=1)
    keep = constant((~ignored).astype(x.data.dtype))
    w = keep if weight is None else ops.multiply(ops.take(weight, safe), keep)
    loss = ops.negative(ops.multiply(picked, w))
    reduction = node.get("reduction", "mean")
    if reduction == "none":
        return loss
    if reduction == "sum":
        return ops.sum(loss)
    if weight is None and ignore is None:
        return ops.mean(loss)
    return ops.divide(ops.sum(loss), ops.sum(w))


def _nll(node, inputs):
    weight = inputs[2] if len(inputs) > 2 else None
    return nll(node, inputs[0], inputs[1], weight)


def _softmax_ce(node, inputs):
    log_prob = ops.log_softmax(inputs[0], axis=1)
    weight = inputs[2] if len(inputs) > 2 else None
    return [nll(node, log_prob, inputs[1], weight), log_prob]


KERNELS = {"NegativeLogLikelihoodLoss": _nll, "SoftmaxCrossEntropyLoss": _softmax_ce}
