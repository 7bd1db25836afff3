"""Attention layers (Keras 3): ``MultiHeadAttention``, ``Attention`` (Luong) and ``AdditiveAttention`` (Bahdanau).

Masks are bool, ``True`` = attend. A masked score gets a large finite negative (``-1e9``)
before the softmax, as Keras does, so a fully masked row stays finite.

Source: Vaswani et al. (2017); Luong et al. (2015); Bahdanau et al. (2015);
keras/src/layers/attention/{multi_head_attention,attention,additive_attention}.py.
"""

from __future__ import annotations

import math

from ember import initializers, ops
from ember.autograd import Tensor
from ember.layers.einsum_dense import EinsumDense
from ember.layers.layer import Layer
from ember.layers.masking_state import get_mask
from ember.layers.serialization import serialize
from ember.ops import fused

_NEG = -1e9


def _bool(mask):
    if mask is None:
        return None
    return ops.cast(mask if isinstance(mask, Tensor) else Tensor(mask), "bool")


def _masked_softmax(scores, keep):
    if keep is not None:
        scores = scores + (1.0 - ops.cast(keep, scores.dtype)) * _NEG
    return ops.softmax(scores, axis=-1)


def _causal(t: int, s: int):
    return ops.less_equal(ops.expand_dims(ops.arange(s), 0), ops.expand_dims(ops.arange(t), 1))


def _broadcast_shape(a, b):
    out = []
    for x, y in zip((1,) * (len(b) - len(a)) + tuple(a), (1,) * (len(a) - len(b)) + tuple(b), strict=True):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(out)


def _project(dense: EinsumDense, x):
    """``einsum('abc,cde->abde', x, kernel) + bias`` as one 2-D matmul (measured ~10x faster than einsum here);
    with a bias, one ``fused.dense`` node (the bias added in place on the GEMM output, same values)."""
    kernel = dense.kernel
    k2 = ops.reshape(kernel, (kernel.shape[0], -1))
    if dense.bias is not None and x.dtype == kernel.dtype == dense.bias.dtype:
        y = fused.dense(x, k2, ops.reshape(dense.bias, (-1,)))
        return ops.reshape(y, tuple(x.shape[:-1]) + tuple(kernel.shape[1:]))
    y = ops.reshape(ops.matmul(x, k2), tuple(x.shape[:-1]) + tuple(kernel.shape[1:]))
    return y + dense.bias if dense.bias is not None else y


class MultiHeadAttention(Layer):
    """Multi-head attention: ``concat_h(softmax(q_h k_h^T / sqrt(key_dim)) v_h) W_o``.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value. Defaults to ``key_dim``.
        dropout: dropout rate on the attention probabilities. Defaults to ``0.0``.
        use_bias: biases in the four projections. Defaults to ``True``.
        output_shape: last axis of the output. Defaults to ``None`` (the query's last axis).
        attention_axes: only ``None`` (attend over axis 1 of ``(batch, seq, dim)``) is supported.
        kernel_initializer: defaults to ``'glorot_uniform'``.
        bias_initializer: defaults to ``'zeros'``.

    Call arguments:
        query ``(batch, T, dim)``, value ``(batch, S, dim_v)``, key ``(batch, S, dim_k)`` (defaults to value),
        attention_mask: bool broadcastable to ``(batch, T, S)``; ``query_mask (batch, T)``,
        ``value_mask``/``key_mask (batch, S)`` (default: the inputs' Keras masks),
        return_attention_scores: also return ``(batch, heads, T, S)`` probabilities. Defaults to ``False``.
        use_causal_mask: forbid attending to later positions. Defaults to ``False``.

    Shape:
        Weights (Keras layout): query/key/value ``kernel (dim, num_heads, head_dim)``, ``bias (num_heads, head_dim)``;
        output ``kernel (num_heads, value_dim, out_dim)``, ``bias (out_dim,)``.

    Raises:
        ValueError: for inputs that are not 3-D, an ``attention_mask`` that does not broadcast to
            ``(batch, T, S)``, or ``attention_axes`` other than ``None``/``(1,)``.

    Example:
        >>> import ember
        >>> mha = ember.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = ember.ops.ones((3, 5, 8))
        >>> mha(x, x).shape
        (3, 5, 8)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros", seed=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if attention_axes not in (None, 1, (1,), [1]):
            raise ValueError(f"MultiHeadAttention: only attention_axes=None is supported. "
                             f"Received: attention_axes={attention_axes!r}")  # fmt: skip
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        self._output_shape = output_shape
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def _dense(self, name, equation, out_shape, bias_axes):
        init = {"kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer}
        return EinsumDense(equation, out_shape, bias_axes=bias_axes if self.use_bias else None, name=name,
                           dtype=self._sublayer_dtype(), **init)

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if isinstance(query_shape, list) and query_shape and isinstance(query_shape[0], (tuple, list)):
            query_shape, value_shape = query_shape[0], query_shape[1] if len(query_shape) > 1 else query_shape[0]
        value_shape = value_shape or query_shape
        key_shape = key_shape or value_shape
        h = self.num_heads
        out = self._output_shape or query_shape[-1]
        out = out[-1] if isinstance(out, (tuple, list)) else out
        self._query_dense = self._dense("query", "abc,cde->abde", (None, h, self.key_dim), "de")
        self._key_dense = self._dense("key", "abc,cde->abde", (None, h, self.key_dim), "de")
        self._value_dense = self._dense("value", "abc,cde->abde", (None, h, self.value_dim), "de")
        self._output_dense = self._dense("attention_output", "abcd,cde->abe", (None, out), "e")
        self._query_dense._maybe_build(tuple(query_shape))
        self._key_dense._maybe_build(tuple(key_shape))
        self._value_dense._maybe_build(tuple(value_shape))
        self._output_dense._maybe_build((query_shape[0], query_shape[1], h, self.value_dim))
        for sub in (self._query_dense, self._key_dense, self._value_dense, self._output_dense):
            for w in sub.weights:
                w.path = f"{self.name}/{w.path}"
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if not self.built and not isinstance(query, (list, tuple)):
            v = query if value is None else value
            k = v if key is None else key
            self._build_shape = tuple(query.shape)
            self.build(tuple(query.shape), tuple(v.shape), tuple(k.shape))
        return super().__call__(query, value, key, **kwargs)

    def _err(self, what):
        return ValueError(f"MultiHeadAttention '{self.name}' {what}")

    def _attention_mask(self, query, value, key, query_mask, value_mask, key_mask, attention_mask, causal):
        b, t, s = query.shape[0], query.shape[1], value.shape[1]
        keep = None
        if query_mask is not None:
            keep = ops.expand_dims(_bool(query_mask), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = ops.expand_dims(_bool(m), -2)
                keep = m if keep is None else ops.logical_and(keep, m)
        if attention_mask is not None:
            am = _bool(attention_mask)
            if am.ndim > 3 or _broadcast_shape(am.shape, (b, t, s)) != (b, t, s):
                raise self._err(f"expects attention_mask broadcastable to (batch, T, S) = {(b, t, s)}. "
                                f"Received: shape={tuple(am.shape)}")  # fmt: skip
            keep = am if keep is None else ops.logical_and(keep, am)
        if causal:
            c = _causal(t, s)
            keep = c if keep is None else ops.logical_and(keep, c)
        return None if keep is None else (ops.expand_dims(keep, 1) if keep.ndim == 3 else keep)

    def call(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):  # fmt: skip
        if isinstance(query, (list, tuple)):
            query, value = query[0], query[1] if len(query) > 1 else query[0]
        value = query if value is None else value
        key = value if key is None else key
        for name, x in (("query", query), ("value", value), ("key", key)):
            if x.ndim != 3:
                raise self._err(f"expects 3-D {name} (batch, seq, dim). Received: shape={tuple(x.shape)}")
        query_mask = get_mask(query) if query_mask is None else query_mask
        value_mask = get_mask(value) if value_mask is None else value_mask
        key_mask = get_mask(key) if key_mask is None and key is not value else key_mask
        keep = self._attention_mask(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                                    use_causal_mask)  # fmt: skip
        q = _project(self._query_dense, query) * (1.0 / math.sqrt(self.key_dim))  # (b, T, h, d)
        k, v = _project(self._key_dense, key), _project(self._value_dense, value)
        scores = ops.matmul(ops.transpose(q, (0, 2, 1, 3)), ops.transpose(k, (0, 2, 3, 1)))  # (b, h, T, S)
        probs = _masked_softmax(scores, keep)
        dropped = ops.dropout(probs, self.dropout) if training and self.dropout > 0 else probs
        ctx = ops.transpose(ops.matmul(dropped, ops.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))  # (b, T, h, dv)
        b, t = ctx.shape[:2]
        kernel = self._output_dense.kernel
        bias = self._output_dense.bias
        ctx, k2 = ops.reshape(ctx, (b, t, -1)), ops.reshape(kernel, (-1, kernel.shape[-1]))
        if bias is not None and ctx.dtype == kernel.dtype == bias.dtype:
            out = fused.dense(ctx, k2, bias)  # bias in place on the GEMM output, same values as matmul + bias
        else:
            out = ops.matmul(ctx, k2)
            out = out + bias if bias is not None else out
        return (out, probs) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if isinstance(query_shape, list) and query_shape and isinstance(query_shape[0], (tuple, list)):
            query_shape = query_shape[0]
        out = self._output_shape or query_shape[-1]
        out = out[-1] if isinstance(out, (tuple, list)) else out
        return tuple(query_shape[:-1]) + (out,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
                      dropout=self.dropout, use_bias=self.use_bias, output_shape=self._output_shape,
                      attention_axes=self.attention_axes, kernel_initializer=serialize(self.kernel_initializer),
                      bias_initializer=serialize(self.bias_initializer), seed=self.seed)  # fmt: skip
        return config


class _BaseDenseAttention(Layer):
    """Shared call of :class:`Attention` and :class:`AdditiveAttention` (``inputs = [query, value(, key)]``)."""

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout, self.seed = float(dropout), seed

    def _unpack(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs [query, value] or "
                             f"[query, value, key]. Received: {type(inputs).__name__}")  # fmt: skip
        q, v = inputs[0], inputs[1]
        return q, v, inputs[2] if len(inputs) == 3 else v

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        q, v, k = self._unpack(inputs)
        q_mask, v_mask = (mask[0], mask[1]) if isinstance(mask, (list, tuple)) else (None, None)
        scores = self._calculate_scores(q, k)  # (batch, T, S)
        keep = None if v_mask is None else ops.expand_dims(_bool(v_mask), -2)
        if use_causal_mask:
            c = _causal(scores.shape[1], scores.shape[2])
            keep = c if keep is None else ops.logical_and(keep, c)
        weights = _masked_softmax(scores, keep)
        dropped = ops.dropout(weights, self.dropout) if training and self.dropout > 0 else weights
        out = ops.matmul(dropped, v)
        if q_mask is not None:
            out = out * ops.expand_dims(ops.cast(_bool(q_mask), out.dtype), -1)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(dropout=self.dropout, seed=self.seed)
        return config


class Attention(_BaseDenseAttention):
    """Dot-product (Luong) attention: ``softmax(scale * q k^T) v``, or ``score_mode='concat'``.

    Args:
        use_scale: learn a scalar ``scale`` (initialised to 1). Defaults to ``False``.
        score_mode: ``'dot'`` (``q k^T``) or ``'concat'`` (``w * sum(tanh(scale * (q_i + k_j)))``).
            Defaults to ``'dot'``.
        dropout: dropout rate on the attention weights. Defaults to ``0.0``.

    Call arguments:
        inputs: ``[query (batch, T, dim), value (batch, S, dim)]`` or ``[query, value, key]``.
        mask: ``[query_mask (batch, T), value_mask (batch, S)]``. Defaults to ``None``.
        return_attention_scores: also return the ``(batch, T, S)`` weights. Defaults to ``False``.
        use_causal_mask: Defaults to ``False``.

    Raises:
        ValueError: for an unknown ``score_mode`` or inputs that are not a list of 2 or 3 tensors.

    Source: Luong et al. (2015); keras/src/layers/attention/attention.py.

    Example:
        >>> import ember
        >>> q = ember.ops.ones((2, 3, 4)); v = ember.ops.ones((2, 5, 4))
        >>> ember.layers.Attention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat'. Received: score_mode={score_mode!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode

    def build(self, input_shape) -> None:
        self.scale = self.add_weight((), "ones", name="scale") if self.use_scale else None
        self.concat_score_weight = (
            self.add_weight((), "ones", name="concat_score_weight") if self.score_mode == "concat" else None
        )
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
            return scores * self.scale if self.scale is not None else scores
        s = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            s = s * self.scale
        return self.concat_score_weight * ops.sum(ops.tanh(s), axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode)
        return config


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention: ``scores_ij = sum(scale * tanh(q_i + k_j))``, then ``softmax(scores) v``.

    Args:
        use_scale: learn a ``(dim,)`` scale vector. Defaults to ``True``.
        dropout: dropout rate on the attention weights. Defaults to ``0.0``.

    Call arguments: as :class:`Attention`.

    Source: Bahdanau et al. (2015); keras/src/layers/attention/additive_attention.py.

    Example:
        >>> import ember
        >>> q = ember.ops.ones((2, 3, 4)); v = ember.ops.ones((2, 5, 4))
        >>> ember.layers.AdditiveAttention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self.use_scale = bool(use_scale)

    def build(self, input_shape) -> None:
        dim = input_shape[0][-1]
        self.scale = self.add_weight((dim,), "glorot_uniform", name="scale") if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        t = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))  # (batch, T, S, dim)
        return ops.sum(self.scale * t if self.scale is not None else t, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config
