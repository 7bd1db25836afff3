"""ONNX ``Attention`` (opset 23+) as ember ops: ``Y = softmax(softcap(Q K^T * scale) + bias) V``.

Q, K, V are ``(batch, heads, seq, head_size)`` or 3-D ``(batch, seq, heads * head_size)`` with
``q_num_heads``/``kv_num_heads``. ``past_key``/``past_value`` are prepended to K/V (the results are the
``present_*`` outputs); fewer KV heads than query heads are repeated (grouped-query attention). The
additive ``bias`` combines ``attn_mask`` (bool: keep where True; float: added; padded with "masked" up to
the KV length), the bottom-right-aligned causal mask (``is_causal``), the sliding window
(``left_window_size``/``right_window_size``) and ``nonpad_kv_seqlen``. A query row with every key
masked outputs zeros. ``qk_matmul_output_mode`` selects the fourth output (0: scores, 2: scores + bias,
3: probabilities). The bias is computed on arrays (the mask gets no gradient); Q, K, V get theirs.
Reference: ONNX operator specification and ``onnx/reference/ops/op_attention.py``.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant
from ember.ops.activations import Softmax


def _heads(x, n):
    b, s, hidden = x.shape
    return ops.transpose(ops.reshape(x, (b, s, n, hidden // n)), (0, 2, 1, 3))


def _frontier(q_len, kv_len, offset, dtype, keep):
    """Additive bias (0 kept, -inf masked) for ``keep(diff)`` with ``diff = i + offset - j``."""
    i = np.arange(q_len).reshape(q_len, 1)
    j = np.arange(kv_len).reshape(1, kv_len)
    if np.ndim(offset) > 0:
        diff = (i + np.reshape(offset, (-1, 1, 1))) - j
        return np.where(keep(diff), 0, -np.inf).astype(dtype).reshape(-1, 1, q_len, kv_len)
    return np.where(keep(i + int(offset) - j), 0, -np.inf).astype(dtype)


def _bias(node, mask, q_len, kv_len, past_len, nonpad, dtype):
    bias = np.zeros((q_len, kv_len), dtype)
    if mask is not None:
        pad = kv_len - mask.shape[-1]
        if pad > 0:
            fill = False if mask.dtype == np.bool_ else -np.inf
            mask = np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, pad)], constant_values=fill)
        mask = np.where(mask, 0, -np.inf).astype(dtype) if mask.dtype == np.bool_ else mask.astype(dtype)
        bias = bias + mask
    offset = past_len if nonpad is None or past_len else nonpad.reshape(-1) - q_len
    if node.get("is_causal", 0):
        bias = bias + _frontier(q_len, kv_len, offset, dtype, lambda d: d >= 0)
    left, right = int(node.get("left_window_size", -1)), int(node.get("right_window_size", -1))
    if left >= 0 or right >= 0:
        window = lambda d: (d <= left if left >= 0 else True) & (-d <= right if right >= 0 else True)  # noqa: E731
        bias = bias + _frontier(q_len, kv_len, offset, dtype, window)
    if nonpad is not None:
        valid = np.arange(kv_len) < nonpad.reshape(-1, 1)
        bias = bias + np.where(valid, 0, -np.inf).astype(dtype).reshape(-1, 1, 1, kv_len)
    return bias


def _attention(node, inputs):
    q, k, v = inputs[:3]
    get = lambda i: inputs[i] if len(inputs) > i and inputs[i] is not None else None  # noqa: E731
    mask, past_k, past_v, nonpad = get(3), get(4), get(5), get(6)
    three_d = q.ndim == 3
    if three_d:
        q, k, v = _heads(q, node.get("q_num_heads")), _heads(k, node.get("kv_num_heads")), _heads(
            v, node.get("kv_num_heads"))  # fmt: skip
    scale = node.get("scale")
    scale = np.sqrt(1 / np.sqrt(q.shape[3]) if scale is None else scale).astype(q.data.dtype)
    k = k if past_k is None else ops.concatenate([past_k, k], axis=2)
    v = v if past_v is None else ops.concatenate([past_v, v], axis=2)
    present_k, present_v = k, v
    dtype = q.data.dtype
    bias = _bias(node, None if mask is None else mask.data, q.shape[2], k.shape[2],
                 0 if past_k is None else past_k.shape[2], None if nonpad is None else nonpad.data, dtype)  # fmt: skip
    if q.shape[1] != k.shape[1] and q.shape[1] % k.shape[1] == 0:
        reps = q.shape[1] // k.shape[1]
        k, v = ops.repeat(k, reps, axis=1), ops.repeat(v, reps, axis=1)
    s = constant(scale)
    scores = ops.matmul(ops.multiply(q, s), ops.transpose(ops.multiply(k, s), (0, 1, 3, 2)))
    cap = node.get("softcap", 0.0)
    if cap and cap > 0:
        c = constant(np.asarray(cap, dtype))
        scores = ops.multiply(ops.tanh(ops.divide(scores, c)), c)
    dead = np.isneginf(np.max(bias, axis=-1, keepdims=True))  # rows with no attendable key
    with_bias = ops.add(scores, constant(np.where(dead, 0, bias).astype(dtype)))
    precision = node.get("softmax_precision")
    logits = with_bias
    if precision is not None:
        from onnx import helper

        logits = ops.cast(with_bias, helper.tensor_dtype_to_np_dtype(precision))
    # ONNX: without softmax_precision the softmax runs in the input's type (ops.softmax would lift float16
    # to float32 as Keras does, 1 ulp away from ONNX's float16 reference)
    probs = ops.cast(Softmax.apply(logits, axis=-1), dtype)
    if dead.any():
        probs = ops.where(np.broadcast_to(dead, probs.shape), constant(np.zeros((), dtype)), probs)
    mode = node.get("qk_matmul_output_mode", 0)
    qk_out = {2: ops.add(scores, constant(bias.astype(dtype))), 3: probs}.get(mode, scores)
    y = ops.matmul(probs, v)
    if three_d:
        y = ops.transpose(y, (0, 2, 1, 3))
        y = ops.reshape(y, (y.shape[0], y.shape[1], -1))
    return [y, present_k, present_v, qk_out]


KERNELS = {"Attention": _attention}
