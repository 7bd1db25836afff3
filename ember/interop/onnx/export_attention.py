"""Converters: MultiHeadAttention (MatMul/Softmax), TransformerEncoder/Decoder, position embeddings.

Attention follows ember's ``MultiHeadAttention.call`` step for step: ``q = (x Wq + bq) / sqrt(key_dim)``,
``scores = q k^T`` per head ``(batch, heads, T, S)``, masked positions get ``+ (1 - keep) * -1e9``, softmax over
``S``, then ``(probs v) Wo + bo``. ``keep`` is the AND of the query mask ``(batch, T, 1)``, the value/key masks
``(batch, 1, S)``, an ``attention_mask`` and the causal triangle. The transformer blocks reuse the Dense and
LayerNormalization converters. Source: keras/src/layers/attention/multi_head_attention.py, keras_hub's
TransformerEncoder/Decoder.
"""

from __future__ import annotations

import math

import numpy as np

from ember import layers
from ember.interop.onnx.export_builder import to_numpy
from ember.interop.onnx.export_core import dense, embedding
from ember.interop.onnx.export_norm import layer_norm
from ember.interop.onnx.export_registry import LayerCall, register, unsupported

_NEG = -1e9  # ember.layers.attention._NEG


def _project(b, dense_layer, x, width):
    kernel = to_numpy(dense_layer.kernel)  # (dim, heads, width)
    bias = None if dense_layer.bias is None else to_numpy(dense_layer.bias).reshape(-1)
    y = b.matmul_weight(x, kernel.reshape(kernel.shape[0], -1), bias, dense_layer.name)
    return b.reshape(y, [0, 0, kernel.shape[1], width])


def _and(b, a, c):
    return c if a is None else (a if c is None else b.op("And", [a, c]))


def attention_keep(b, t, s, q_mask=None, v_mask=None, k_mask=None, attention_mask=None, causal=False):
    """The boolean ``keep`` tensor (rank 2, 3 or 4, broadcastable to ``(batch, heads, T, S)``), or ``None``."""
    keep = None if q_mask is None else b.unsqueeze(b.cast(q_mask, np.bool_), [-1])
    for m in (v_mask, k_mask):
        if m is not None:
            keep = _and(b, keep, b.unsqueeze(b.cast(m, np.bool_), [-2]))
    if attention_mask is not None:
        keep = _and(b, keep, b.cast(attention_mask, np.bool_))
    if causal:
        tri = np.arange(s)[None, :] <= np.arange(t)[:, None]
        keep = _and(b, keep, b.const(tri, "causal_mask", np.bool_))
    return keep


def mha(b, layer, q, v, k, q_shape, keep, keep_rank):
    """ONNX nodes of ``layer`` (MultiHeadAttention) on ``q``/``v``/``k``; returns ``(output, probs)`` names."""
    heads, dk, dv = layer.num_heads, layer.key_dim, layer.value_dim
    qh = b.op("Mul", [_project(b, layer._query_dense, q, dk), b.scalar(1.0 / math.sqrt(dk))])
    qh = b.transpose(qh, [0, 2, 1, 3])
    kh = b.transpose(_project(b, layer._key_dense, k, dk), [0, 2, 3, 1])
    scores = b.op("MatMul", [qh, kh])
    if keep is not None:
        if keep_rank == 3:
            keep = b.unsqueeze(keep, [1])
        penalty = b.op("Mul", [b.op("Sub", [b.scalar(1.0), b.cast_float(keep)]), b.scalar(_NEG)])
        scores = b.op("Add", [scores, penalty])
    probs = b.op("Softmax", [scores], f"{layer.name}_scores", axis=-1)
    vh = b.transpose(_project(b, layer._value_dense, v, dv), [0, 2, 1, 3])
    ctx = b.reshape(b.transpose(b.op("MatMul", [probs, vh]), [0, 2, 1, 3]), [0, 0, heads * dv])
    out_dense = layer._output_dense
    kernel = to_numpy(out_dense.kernel)
    bias = None if out_dense.bias is None else to_numpy(out_dense.bias)
    return b.matmul_weight(ctx, kernel.reshape(-1, kernel.shape[-1]), bias, layer.name), probs


def _keep_rank(q_mask, v_mask, k_mask, attention_rank, causal):
    ranks = [3 if q_mask is not None or v_mask is not None or k_mask is not None else 0, attention_rank]
    return max(ranks + [2 if causal else 0])


@register(layers.MultiHeadAttention, masks=True)
def multi_head_attention(b, layer, call):
    if layer._output_shape is not None and not isinstance(layer._output_shape, int):
        raise unsupported(layer, "a multi-axis output_shape is not exported")
    n_pos = len(call.inputs) - len(call.tensor_kwargs)
    q, qm = call.inputs[0], call.masks[0]
    v, vm = (call.inputs[1], call.masks[1]) if n_pos > 1 else (q, qm)
    key_index = 2 if n_pos > 2 else call.tensor_kwargs.get("key")
    value_index = call.tensor_kwargs.get("value")
    if value_index is not None:
        v, vm = call.inputs[value_index], call.masks[value_index]
    k, km = (call.inputs[key_index], call.masks[key_index]) if key_index is not None else (v, None)
    for name in ("query_mask", "value_mask", "key_mask"):
        if name in call.tensor_kwargs:
            raise unsupported(layer, f"{name}= passed to the call is not exported; give the inputs a Keras mask")
    am_index = call.tensor_kwargs.get("attention_mask")
    am = None if am_index is None else call.inputs[am_index]
    causal = bool(call.kwargs.get("use_causal_mask", False))
    t, s = call.shapes[0][1], call.shapes[1 if n_pos > 1 else 0][1]
    keep = attention_keep(b, t, s, qm, vm, km, am, causal)
    rank = _keep_rank(qm, vm, km, 0 if am is None else len(call.shapes[am_index]), causal)
    out, probs = mha(b, layer, q, v, k, call.shapes[0], keep, rank)
    out = b.op("Identity", [out], layer.name)
    return [out, probs] if call.kwargs.get("return_attention_scores") else [out]


def _sub(b, layer, fn, x, shape):
    return fn(b, layer, LayerCall(inputs=[x], shapes=[shape], masks=[None]))[0]


def _residual(b, block, x, shape, norm, fn):
    h = _sub(b, norm, layer_norm, x, shape) if block.normalize_first else x
    y = b.op("Add", [x, fn(h)])
    return y if block.normalize_first else _sub(b, norm, layer_norm, y, shape)


def _feedforward(b, block, x, shape):
    def ffn(h):
        mid = _sub(b, block._feedforward_intermediate_dense, dense, h, shape)
        return _sub(b, block._feedforward_output_dense, dense, mid, shape[:-1] + (block.intermediate_dim,))

    return _residual(b, block, x, shape, block._feedforward_layer_norm, ffn)


def _padding_keep(b, call, mask_index, kw_mask, kw_attention):
    pm = call.kw_input(kw_mask) or call.masks[mask_index]
    keep = None if pm is None else b.unsqueeze(b.cast(pm, np.bool_), [1])
    am = call.kw_input(kw_attention)
    return pm, (keep if am is None else _and(b, keep, b.cast(am, np.bool_)))


@register(layers.TransformerEncoder, masks=True)
def transformer_encoder(b, layer, call):
    shape = call.shapes[0]
    pm, keep = _padding_keep(b, call, 0, "padding_mask", "attention_mask")

    def attend(h):  # the query and value masks of h are the padding mask (LayerNormalization passes it on)
        k = attention_keep(b, shape[1], shape[1], pm, pm)
        k = _and(b, k, keep)
        return mha(b, layer._self_attention_layer, h, h, h, shape, k, 3)[0]

    x = _residual(b, layer, call.inputs[0], shape, layer._self_attention_layer_norm, attend)
    return [b.op("Identity", [_feedforward(b, layer, x, shape)], layer.name)]


@register(layers.TransformerDecoder, masks=True)
def transformer_decoder(b, layer, call):
    shape = call.shapes[0]
    pm, keep = _padding_keep(b, call, 0, "decoder_padding_mask", "decoder_attention_mask")
    causal = bool(call.kwargs.get("use_causal_mask", True))

    def self_attend(h):
        k = _and(b, attention_keep(b, shape[1], shape[1], pm, pm, causal=causal), keep)
        rank = 3 if k is not None and (pm is not None or keep is not None) else 2
        return mha(b, layer._self_attention_layer, h, h, h, shape, k, rank)[0]

    x = _residual(b, layer, call.inputs[0], shape, layer._self_attention_layer_norm, self_attend)
    n_pos = len(call.inputs) - len(call.tensor_kwargs)
    enc_index = 1 if n_pos > 1 else call.tensor_kwargs.get("encoder_sequence")
    if enc_index is not None:
        enc, s = call.inputs[enc_index], call.shapes[enc_index][1]
        epm, ekeep = _padding_keep(b, call, enc_index, "encoder_padding_mask", "encoder_attention_mask")

        def cross_attend(h):
            k = _and(b, attention_keep(b, shape[1], s, pm, epm), ekeep)
            rank = 3 if k is not None else 0
            return mha(b, layer._cross_attention_layer, h, enc, enc, shape, k, rank)[0]

        x = _residual(b, layer, x, shape, layer._cross_attention_layer_norm, cross_attend)
    return [b.op("Identity", [_feedforward(b, layer, x, shape)], layer.name)]


def _positions(b, layer, table, x_shape_of, t):
    rows = b.const(table[:t], f"{layer.name}_positions")
    return b.op("Expand", [rows, b.op("Shape", [x_shape_of])], layer.name)


@register(layers.PositionEmbedding)
def position_embedding(b, layer, call):
    if call.kwargs.get("start_index", 0):
        raise unsupported(layer, "start_index != 0 is not exported")
    return [_positions(b, layer, to_numpy(layer.position_embeddings), call.inputs[0], call.shapes[0][-2])]


@register(layers.SinePositionEncoding)
def sine_position(b, layer, call):
    if call.kwargs.get("start_index", 0):
        raise unsupported(layer, "start_index != 0 is not exported")
    table = to_numpy(layer(call.values[0][:1]))[0]  # (T, d): depends on the shape only
    return [_positions(b, layer, table, call.inputs[0], call.shapes[0][-2])]


@register(layers.TokenAndPositionEmbedding)
def token_and_position(b, layer, call):
    if call.kwargs.get("start_index", 0):
        raise unsupported(layer, "start_index != 0 is not exported")
    tokens = embedding(b, layer.token_embedding, LayerCall(inputs=call.inputs, shapes=call.shapes, masks=[None]))[0]
    pos = _positions(b, layer.position_embedding, to_numpy(layer.position_embedding.position_embeddings), tokens,
                     call.shapes[0][-1])  # fmt: skip
    if layer.mask_zero:
        call.out_masks = [b.op("Not", [b.op("Equal", [b.cast(call.inputs[0], np.int64), b.ints([0])])])]
    return [b.op("Add", [tokens, pos], layer.name)]


def _dense_scores(b, layer, q, k):
    if isinstance(layer, layers.AdditiveAttention):  # sum_d scale_d tanh(q_td + k_sd)
        s = b.op("Tanh", [b.op("Add", [b.unsqueeze(q, [-2]), b.unsqueeze(k, [-3])])])
        if layer.scale is not None:
            s = b.op("Mul", [s, b.const(to_numpy(layer.scale))])
        return b.reduce("ReduceSum", s, [-1], keepdims=False)
    if layer.score_mode == "dot":
        scores = b.op("MatMul", [q, b.transpose(k, [0, 2, 1])])
        return scores if layer.scale is None else b.op("Mul", [scores, b.const(to_numpy(layer.scale))])
    s = b.op("Add", [b.unsqueeze(q, [-2]), b.unsqueeze(k, [-3])])
    if layer.scale is not None:
        s = b.op("Mul", [s, b.const(to_numpy(layer.scale))])
    total = b.reduce("ReduceSum", b.op("Tanh", [s]), [-1], keepdims=False)
    return b.op("Mul", [total, b.const(to_numpy(layer.concat_score_weight))])


@register(layers.Attention, layers.AdditiveAttention, masks=True)
def dense_attention(b, layer, call):
    """Luong (dot / concat) and Bahdanau (additive) attention over ``[query, value(, key)]``."""
    q, v = call.inputs[0], call.inputs[1]
    k = call.inputs[2] if len(call.inputs) > 2 else v
    q_mask, v_mask = call.masks[0], call.masks[1]
    scores = _dense_scores(b, layer, q, k)
    keep = attention_keep(b, call.shapes[0][1], call.shapes[1][1], v_mask=v_mask,
                          causal=bool(call.kwargs.get("use_causal_mask")))  # fmt: skip
    if keep is not None:
        penalty = b.op("Mul", [b.op("Sub", [b.scalar(1.0), b.cast_float(keep)]), b.scalar(_NEG)])
        scores = b.op("Add", [scores, penalty])
    weights = b.op("Softmax", [scores], f"{layer.name}_scores", axis=-1)
    out = b.op("MatMul", [weights, v])
    if q_mask is not None:
        out = b.op("Mul", [out, b.unsqueeze(b.cast_float(q_mask), [-1])])
    call.out_masks = [q_mask] + ([None] if call.kwargs.get("return_attention_scores") else [])
    out = b.op("Identity", [out], layer.name)
    return [out, weights] if call.kwargs.get("return_attention_scores") else [out]
