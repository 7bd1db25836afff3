"""Transformer blocks and position encodings (KerasHub names): ``TransformerEncoder``, ``TransformerDecoder``,
``PositionEmbedding``, ``TokenAndPositionEmbedding``, ``SinePositionEncoding``.

Normalisation placement (``normalize_first``):

- ``False`` (default, post-LN, Vaswani et al. 2017 and BENCHMARKS.md W5):
  ``x = LN(x + Dropout(Attn(x)))``; ``x = LN(x + Dropout(FFN(x)))``.
- ``True`` (pre-LN, GPT-2 / Xiong et al. 2020): ``x = x + Dropout(Attn(LN(x)))``; ``x = x + Dropout(FFN(LN(x)))``.

``FFN(x) = Dense(hidden)(activation(Dense(intermediate_dim)(x)))``.

Source: keras-hub ``keras_hub/src/layers/modeling/{transformer_encoder,transformer_decoder,
position_embedding,token_and_position_embedding,sine_position_encoding}.py``.
"""

from __future__ import annotations

from ember import activations, ops
from ember.layers.attention import MultiHeadAttention
from ember.layers.core import Dense
from ember.layers.embedding import Embedding
from ember.layers.layer import Layer
from ember.layers.masking_state import get_mask
from ember.layers.normalization import LayerNormalization
from ember.layers.serialization import serialize_activation


def _merge_padding(padding_mask, attention_mask):
    """``(batch, T, S)`` bool keep-mask from a ``(batch, S)`` padding mask and/or an attention mask."""
    keep = None if padding_mask is None else ops.expand_dims(ops.cast(padding_mask, "bool"), 1)
    if attention_mask is not None:
        am = ops.cast(attention_mask, "bool")
        keep = am if keep is None else ops.logical_and(keep, am)
    return keep


class _Block(Layer):
    """Shared arguments and sublayers of the encoder and decoder blocks."""

    def __init__(self, intermediate_dim, num_heads, dropout=0.0, activation="relu", layer_norm_epsilon=1e-5,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", normalize_first=False,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if int(intermediate_dim) <= 0 or int(num_heads) <= 0:
            raise ValueError(f"{type(self).__name__}: intermediate_dim and num_heads must be positive. "
                             f"Received: intermediate_dim={intermediate_dim}, num_heads={num_heads}")  # fmt: skip
        self.intermediate_dim, self.num_heads = int(intermediate_dim), int(num_heads)
        self.dropout, self.activation = float(dropout), activations.get(activation)
        self.layer_norm_epsilon, self.normalize_first = float(layer_norm_epsilon), bool(normalize_first)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.supports_masking = True

    def _check_dim(self, hidden: int) -> None:
        if hidden % self.num_heads:
            raise ValueError(f"{type(self).__name__} '{self.name}': the feature size must be divisible by num_heads. "
                             f"Expected a multiple of {self.num_heads}. Received: {hidden}")  # fmt: skip

    def _attention(self, name, hidden):
        return MultiHeadAttention(self.num_heads, hidden // self.num_heads, dropout=self.dropout, name=name,
                                  kernel_initializer=self.kernel_initializer,
                                  bias_initializer=self.bias_initializer, dtype=self._sublayer_dtype())  # fmt: skip

    def _norm(self, name):
        return LayerNormalization(epsilon=self.layer_norm_epsilon, name=name, dtype=self._sublayer_dtype())

    def _build_attention(self, prefix, shape, source_shape):
        """Make and build an attention sublayer and its norm (weights exist right after ``build``)."""
        attention = self._attention(f"{prefix}_attention", shape[-1])
        attention.build(tuple(shape), tuple(source_shape), tuple(source_shape))
        attention.built = True
        norm = self._norm(f"{prefix}_attention_layer_norm")
        norm._maybe_build(tuple(shape))
        return attention, norm

    def _build_feedforward(self, shape) -> None:
        init = {"kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer,
                "dtype": self._sublayer_dtype()}
        hidden = shape[-1]
        self._feedforward_layer_norm = self._norm("feedforward_layer_norm")
        self._feedforward_intermediate_dense = Dense(self.intermediate_dim, activation=self.activation,
                                                     name="feedforward_intermediate_dense", **init)  # fmt: skip
        self._feedforward_output_dense = Dense(hidden, name="feedforward_output_dense", **init)
        self._feedforward_layer_norm._maybe_build(tuple(shape))
        self._feedforward_intermediate_dense._maybe_build(tuple(shape))
        self._feedforward_output_dense._maybe_build(tuple(shape[:-1]) + (self.intermediate_dim,))

    def _prefix_paths(self) -> None:
        for w in self.weights:  # e.g. 'transformer_encoder/self_attention/query/kernel'
            w.path = f"{self.name}/{w.path}"

    def _residual(self, x, norm, fn, training):
        """One sublayer with its residual connection, norm placed as ``normalize_first`` says."""
        y = fn(norm(x) if self.normalize_first else x)
        y = x + (ops.dropout(y, self.dropout) if training and self.dropout > 0 else y)
        return y if self.normalize_first else norm(y)

    def _feedforward(self, x, training):
        def ffn(h):
            return self._feedforward_output_dense(self._feedforward_intermediate_dense(h))

        return self._residual(x, self._feedforward_layer_norm, ffn, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(intermediate_dim=self.intermediate_dim, num_heads=self.num_heads, dropout=self.dropout,
                      activation=serialize_activation(self.activation), layer_norm_epsilon=self.layer_norm_epsilon,
                      kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                      normalize_first=self.normalize_first)  # fmt: skip
        return config


class TransformerEncoder(_Block):
    """Transformer encoder block: self-attention and a feed-forward network, each with residual and LayerNorm.

    Args:
        intermediate_dim: hidden size of the feed-forward network.
        num_heads: attention heads (the feature size must be divisible by it).
        dropout: rate for attention probabilities and both residual branches. Defaults to ``0.0``.
        activation: of the feed-forward network. Defaults to ``'relu'``.
        layer_norm_epsilon: Defaults to ``1e-5``.
        kernel_initializer: Defaults to ``'glorot_uniform'``. bias_initializer: Defaults to ``'zeros'``.
        normalize_first: pre-LN if ``True``, post-LN (the original Transformer) if ``False``. Defaults to ``False``.

    Call arguments:
        inputs ``(batch, seq, hidden)``; padding_mask ``(batch, seq)`` bool (default: the input's Keras mask);
        attention_mask ``(batch, seq, seq)`` bool. Output has the input's shape.

    Source: Vaswani et al. (2017); keras_hub TransformerEncoder.

    Example:
        >>> import ember
        >>> enc = ember.layers.TransformerEncoder(intermediate_dim=16, num_heads=2)
        >>> enc(ember.ops.ones((2, 5, 8))).shape
        (2, 5, 8)
    """

    def build(self, input_shape) -> None:
        self._check_dim(input_shape[-1])
        self._self_attention_layer, self._self_attention_layer_norm = self._build_attention(
            "self", input_shape, input_shape
        )
        self._build_feedforward(input_shape)
        self._prefix_paths()
        self.built = True

    def call(self, inputs, padding_mask=None, attention_mask=None, training=None):
        padding_mask = get_mask(inputs) if padding_mask is None else padding_mask
        keep = _merge_padding(padding_mask, attention_mask)

        def attend(h):
            return self._self_attention_layer(h, h, attention_mask=keep, training=training)

        x = self._residual(inputs, self._self_attention_layer_norm, attend, training)
        return self._feedforward(x, training)


class TransformerDecoder(_Block):
    """Transformer decoder block: causal self-attention, optional cross-attention to an encoder, feed-forward.

    Without ``encoder_sequence`` it is a decoder-only (GPT-style) block. Arguments as
    :class:`TransformerEncoder`.

    Call arguments:
        decoder_sequence ``(batch, T, hidden)``; encoder_sequence ``(batch, S, hidden_enc)`` or ``None``;
        decoder_padding_mask ``(batch, T)``; decoder_attention_mask ``(batch, T, T)``;
        encoder_padding_mask ``(batch, S)``; encoder_attention_mask ``(batch, T, S)``;
        use_causal_mask: Defaults to ``True``.

    Source: Vaswani et al. (2017); keras_hub TransformerDecoder.

    Example:
        >>> import ember
        >>> dec = ember.layers.TransformerDecoder(intermediate_dim=16, num_heads=2)
        >>> dec(ember.ops.ones((2, 5, 8)), ember.ops.ones((2, 7, 8))).shape
        (2, 5, 8)
    """

    def __call__(self, decoder_sequence, encoder_sequence=None, **kwargs):
        if not self.built:
            enc_shape = None if encoder_sequence is None else tuple(encoder_sequence.shape)
            self._build_shape = tuple(decoder_sequence.shape)
            self.build(tuple(decoder_sequence.shape), enc_shape)
        return super().__call__(decoder_sequence, encoder_sequence, **kwargs)

    def build(self, decoder_sequence_shape, encoder_sequence_shape=None) -> None:
        """Make the weights; the cross-attention ones only when the encoder's shape is known (as KerasHub)."""
        shape = tuple(decoder_sequence_shape)
        self._check_dim(shape[-1])
        self._self_attention_layer, self._self_attention_layer_norm = self._build_attention("self", shape, shape)
        self._cross_attention_layer = None
        if encoder_sequence_shape is not None:
            self._cross_attention_layer, self._cross_attention_layer_norm = self._build_attention(
                "cross", shape, encoder_sequence_shape
            )
        self._build_feedforward(shape)
        self._prefix_paths()
        self.built = True

    def call(self, decoder_sequence, encoder_sequence=None, decoder_padding_mask=None, decoder_attention_mask=None,
             encoder_padding_mask=None, encoder_attention_mask=None, use_causal_mask=True, training=None):  # fmt: skip
        x = decoder_sequence
        decoder_padding_mask = get_mask(x) if decoder_padding_mask is None else decoder_padding_mask
        keep = _merge_padding(decoder_padding_mask, decoder_attention_mask)

        def self_attend(h):
            return self._self_attention_layer(h, h, attention_mask=keep, use_causal_mask=use_causal_mask,
                                              training=training)  # fmt: skip

        x = self._residual(x, self._self_attention_layer_norm, self_attend, training)
        if encoder_sequence is not None:
            if self._cross_attention_layer is None:
                raise ValueError(
                    f"TransformerDecoder '{self.name}' was built without an encoder sequence (decoder-only). "
                    f"Expected: encoder_sequence=None. Received: shape {tuple(encoder_sequence.shape)}"
                )
            if encoder_padding_mask is None:
                encoder_padding_mask = get_mask(encoder_sequence)
            cross_keep = _merge_padding(encoder_padding_mask, encoder_attention_mask)

            def cross_attend(h):
                return self._cross_attention_layer(h, encoder_sequence, attention_mask=cross_keep, training=training)

            x = self._residual(x, self._cross_attention_layer_norm, cross_attend, training)
        return self._feedforward(x, training)


class PositionEmbedding(Layer):
    """A learned embedding of positions ``0 .. sequence_length-1``, broadcast to the input's shape.

    Args:
        sequence_length: the longest sequence.
        initializer: Defaults to ``'glorot_uniform'``.

    Call arguments:
        inputs ``(batch, seq, hidden)``; start_index: first position. Defaults to ``0``.

    Returns:
        ``(batch, seq, hidden)``: the position embeddings only (add them to the inputs yourself).

    Raises:
        ValueError: for a sequence longer than ``sequence_length``.

    Example:
        >>> import ember
        >>> ember.layers.PositionEmbedding(10)(ember.ops.ones((2, 4, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length, self.initializer = int(sequence_length), initializer

    def build(self, input_shape) -> None:
        self.position_embeddings = self.add_weight((self.sequence_length, input_shape[-1]), self.initializer,
                                                   name="embeddings")  # fmt: skip
        self.built = True

    def call(self, inputs, start_index=0):
        t = inputs.shape[-2]
        if start_index + t > self.sequence_length:
            raise ValueError(f"PositionEmbedding '{self.name}' holds {self.sequence_length} positions. "
                             f"Received: a sequence of {t} from start_index={start_index}")  # fmt: skip
        return ops.broadcast_to(self.position_embeddings[start_index : start_index + t], tuple(inputs.shape))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(sequence_length=self.sequence_length, initializer=self.initializer)
        return config


class TokenAndPositionEmbedding(Layer):
    """Token embedding plus a learned position embedding: ``E_tok[ids] + E_pos[0..T-1]``.

    Args:
        vocabulary_size: number of token ids.
        sequence_length: the longest sequence.
        embedding_dim: output feature size.
        mask_zero: id 0 is padding (the output carries a Keras mask). Defaults to ``False``.
        embeddings_initializer: Defaults to ``'uniform'`` (tokens) and ``'glorot_uniform'`` (positions).

    Shape:
        Input ``(batch, seq)`` ints; output ``(batch, seq, embedding_dim)``.

    Example:
        >>> import ember, numpy as np
        >>> emb = ember.layers.TokenAndPositionEmbedding(20, 8, 4)
        >>> emb(np.zeros((2, 5), dtype="int64")).shape
        (2, 5, 4)
    """

    def __init__(self, vocabulary_size, sequence_length, embedding_dim, mask_zero=False,
                 embeddings_initializer="uniform", **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.vocabulary_size, self.sequence_length = int(vocabulary_size), int(sequence_length)
        self.embedding_dim, self.mask_zero = int(embedding_dim), bool(mask_zero)
        self.embeddings_initializer = embeddings_initializer
        self.supports_masking = self.mask_zero
        self.token_embedding = Embedding(
            self.vocabulary_size, self.embedding_dim, mask_zero=self.mask_zero,
            embeddings_initializer=embeddings_initializer, name="token_embedding", dtype=self._sublayer_dtype(),
        )  # fmt: skip
        self.position_embedding = PositionEmbedding(self.sequence_length, name="position_embedding",
                                                    dtype=self._sublayer_dtype())  # fmt: skip

    def build(self, input_shape) -> None:
        self.token_embedding._maybe_build(tuple(input_shape))
        self.position_embedding._maybe_build(tuple(input_shape) + (self.embedding_dim,))
        self.built = True

    def call(self, inputs, start_index=0):
        tokens = self.token_embedding(inputs)
        return tokens + self.position_embedding(tokens, start_index=start_index)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.embedding_dim,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(vocabulary_size=self.vocabulary_size, sequence_length=self.sequence_length,
                      embedding_dim=self.embedding_dim, mask_zero=self.mask_zero,
                      embeddings_initializer=self.embeddings_initializer)  # fmt: skip
        return config


class SinePositionEncoding(Layer):
    """Fixed sinusoidal encoding (Vaswani et al. 2017), broadcast to the input's shape.

    ``PE[p, 2i] = sin(p / max_wavelength^(2i/d))``, ``PE[p, 2i+1] = cos(p / max_wavelength^(2i/d))``.

    Args:
        max_wavelength: Defaults to ``10000``.

    Call arguments:
        inputs ``(batch, seq, hidden)``; start_index: first position. Defaults to ``0``.

    Returns:
        ``(batch, seq, hidden)``: the encodings only (no weights).

    Example:
        >>> import ember
        >>> pe = ember.layers.SinePositionEncoding()(ember.ops.ones((1, 3, 4)))
        >>> [round(float(v), 4) for v in pe.numpy()[0, 1]]
        [0.8415, 0.5403, 0.01, 0.9999]
    """

    def __init__(self, max_wavelength=10000, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = float(max_wavelength)

    def call(self, inputs, start_index=0):
        t, d = inputs.shape[-2], inputs.shape[-1]
        dtype = inputs.dtype if inputs.dtype.kind == "f" else None
        pos = ops.cast(ops.arange(start_index, start_index + t), dtype or "float32")
        dims = ops.cast(ops.arange(d), dtype or "float32")
        even = ops.floor(dims * 0.5) * 2.0
        timescales = ops.power(self.max_wavelength, -even / float(d))
        angles = ops.expand_dims(pos, 1) * ops.expand_dims(timescales, 0)
        cos_mask = dims - even  # 1 at odd feature indices
        pe = ops.sin(angles) * (1.0 - cos_mask) + ops.cos(angles) * cos_mask
        return ops.broadcast_to(pe, tuple(inputs.shape))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["max_wavelength"] = self.max_wavelength
        return config
