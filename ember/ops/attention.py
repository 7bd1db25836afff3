"""Scaled dot-product attention (Vaswani et al. 2017), Keras 3's ``ops.dot_product_attention``.

A composite of batched matmul, softmax and where: its gradient (and double
backward) comes from those ops.
"""

from __future__ import annotations

import math

import numpy as np

from ember import backend
from ember.autograd import Tensor
from ember.autograd.tensor import array_of
from ember.ops import math as M
from ember.ops._convert import as_tensor
from ember.ops.activations import softmax
from ember.ops.linalg import matmul
from ember.ops.shape import swapaxes, transpose


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal: bool = False) -> Tensor:
    """``softmax(q k^T * scale + bias, masked) v`` per head.

    Args:
        query: ``(batch, target_len, heads, head_dim)`` (Keras layout).
        key: ``(batch, source_len, heads, head_dim)``.
        value: ``(batch, source_len, heads, value_dim)``.
        bias: added to the logits, broadcastable to ``(batch, heads, target_len, source_len)``.
            Defaults to ``None``.
        mask: bool, same broadcast shape; ``False`` positions get no attention. Defaults to ``None``.
        scale: logit scale. Defaults to ``None`` (``1 / sqrt(head_dim)``).
        is_causal: also mask positions ``j > i``. Defaults to ``False``.

    Returns:
        ``(batch, target_len, heads, value_dim)``.

    Raises:
        ValueError: if the ranks are not 4 or ``query``/``key`` head dims differ, naming the shapes.

    NOTE: masked logits are set to the dtype's most negative finite value (not ``-inf``), so a
    fully masked row gives a uniform average rather than NaN, as Keras does.
    """
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4 or q.shape[-1] != k.shape[-1]:
        raise ValueError(
            "dot_product_attention: expected 4-D (batch, seq, heads, dim) query/key/value with equal query and key "
            f"dims. Received: shapes {q.shape}, {k.shape}, {v.shape}"
        )
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    qh, kh, vh = (transpose(t, (0, 2, 1, 3)) for t in (q, k, v))  # (batch, heads, seq, dim)
    logits = matmul(qh, swapaxes(kh, -1, -2)) * scale
    if bias is not None:
        logits = logits + as_tensor(bias, logits)
    xp = backend.namespace(array_of(logits))
    keep = None if mask is None else xp.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
    if is_causal:
        t, s = q.shape[1], k.shape[1]
        causal = xp.asarray(np.tril(np.ones((t, s), dtype=bool)))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = M.where(Tensor._wrap(keep), logits, float(-np.finfo(logits.dtype).max))
    return transpose(matmul(softmax(logits, axis=-1), vh), (0, 2, 1, 3))


scaled_dot_product_attention = dot_product_attention
