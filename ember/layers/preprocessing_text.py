"""Text preprocessing layers: StringLookup and TextVectorization (``output_mode='int'``), with ``adapt``.

Inputs are strings (lists, NumPy ``str`` arrays or Tensors of them); outputs int64 token ids.
Index 0 is the mask/padding token ``''`` and index 1 ``'[UNK]'`` (out of vocabulary), as in Keras.
Source: keras/src/layers/preprocessing/{string_lookup,text_vectorization}.py (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.layers.categorical_encoding import encoded_shape
from ember.layers.layer import Layer
from ember.layers.lookup_modes import LookupModes, document_idf
from ember.ops import strings


class _StringLayer(Layer):
    """Takes a (nested) list of strings as one input: one Tensor of ``str`` dtype, not a list of inputs."""

    _reads_strings = True  # string inputs are this layer's business (see layer_dtype.refuse_text)

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, str)):
            inputs = Tensor(inputs)
        return super().__call__(inputs, *args, **kwargs)


def _only_int(name: str, **given) -> None:
    bad = {k: v for k, v in given.items() if v}
    if bad:
        raise NotImplementedError(f"{name}: {bad} not implemented in ember")


def _only_utf8(name: str, encoding) -> None:
    """Refuse an ``encoding=`` other than UTF-8: ember's string layers read Python ``str`` (UTF-8 bytes)."""
    if str(encoding).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise NotImplementedError(f"{name}: encoding={encoding!r} is not implemented in ember; only 'utf-8' is. "
                                  f"Decode the texts to Python str first. Received: encoding={encoding!r}")


class StringLookup(LookupModes, _StringLayer):
    """Strings to vocabulary indices: ``[UNK]`` (unknown) is index 0 and ``vocabulary[i]`` index ``i + 1``;
    with ``mask_token=''`` the mask is 0, ``[UNK]`` 1 and ``vocabulary[i]`` ``i + 2`` (Keras's layout).
    Other output modes encode those indices (without the mask slot; masks dropped) as
    :mod:`ember.layers.lookup_modes` describes: ``one_hot``, ``multi_hot``, ``count``, ``tf_idf``.

    Args:
        max_tokens: cap for ``adapt`` (OOV and mask included). Defaults to ``None``.
        num_oov_indices: only ``1``. mask_token: Defaults to ``None``. oov_token: Defaults to ``'[UNK]'``.
        vocabulary: list of strings, or ``None`` (then :meth:`adapt`).
        idf_weights: ``tf_idf`` weights, one per vocabulary entry. Defaults to ``None``.
        invert: map indices back to strings (``'int'`` only). Defaults to ``False``.
        output_mode: ``'int'`` (default), ``'one_hot'``, ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        pad_to_max_tokens: output width ``max_tokens`` instead of the vocabulary size. Defaults to ``False``.

    Shape:
        ``'int'``: input shape, int64. Other modes: float32 ``(..., depth)`` (Keras's rank rules).

    Raises:
        ValueError: unknown output_mode, pad_to_max_tokens without max_tokens, idf_weights outside tf_idf.
        NotImplementedError: ``num_oov_indices != 1``, ``sparse=True``, ``invert`` with another mode.
        RuntimeError: when called with no vocabulary.

    Example:
        >>> import ember
        >>> layer = ember.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]]).tolist()
        [[1, 3, 4], [4, 0, 2]]
        >>> ember.layers.StringLookup(vocabulary=["a", "b", "c", "d"], output_mode="multi_hot")(
        ...     [["a", "c", "d"], ["d", "z", "b"]]).tolist()
        [[0.0, 1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, 0.0, 1.0]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        _only_utf8("StringLookup", encoding)
        _only_int("StringLookup", num_oov_indices=num_oov_indices != 1,
                  invert=f"invert with output_mode={output_mode!r}" if invert and output_mode != "int" else False)
        self._init_modes("StringLookup", output_mode, max_tokens, pad_to_max_tokens, idf_weights, sparse)
        self.max_tokens, self.mask_token, self.oov_token, self.invert = max_tokens, mask_token, oov_token, invert
        self._vocab = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    _token = staticmethod(strings.to_str)

    def get_vocabulary(self) -> list:
        """Mask token (``'int'`` mode, if any), the OOV token, then the vocabulary, in index order."""
        return ([self.mask_token] if self._has_mask_slot() else []) + [self.oov_token] + list(self._vocab or [])

    def vocabulary_size(self) -> int:
        """``len(get_vocabulary())``."""
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Vocabulary = the strings of ``data`` by decreasing frequency (ties: decreasing string, as Keras);
        ``tf_idf``: each row of ``data`` (each element of 1-D data) is a document."""
        tokens = [strings.standardize(data, None)]
        limit = None if self.max_tokens is None else self.max_tokens - 1 - self._has_mask_slot()
        self._vocab = strings.vocabulary_by_frequency(tokens, [self.mask_token, self.oov_token], limit)
        if self.output_mode == "tf_idf":
            self._idf = document_idf(strings.documents(data), self._vocab)

    def call(self, inputs):
        if self._vocab is None:
            raise RuntimeError(f"StringLookup '{self.name}': no vocabulary. Pass vocabulary= or call adapt()")
        vocab = self.get_vocabulary()
        if self.invert:
            return ops.take(Tensor(vocab), inputs)
        ids = strings.lookup(inputs, vocab, vocab.index(self.oov_token))
        dropped = None if self.mask_token is None else ops.equal(strings.lookup(inputs, [self.mask_token], 1), 0)
        return self._encode_ids(ids, dropped)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, mask_token=self.mask_token, oov_token=self.oov_token,
                      vocabulary=self._config_vocabulary(), invert=self.invert, **self._modes_config())  # fmt: skip
        return config


class TextVectorization(LookupModes, _StringLayer):
    """Strings to token ids or bag-of-words vectors: standardize, split, n-grams, look up, encode.

    ``'int'``: padded sequences of ids (0 padding, 1 ``[UNK]``, vocabulary from 2). ``'multi_hot'``,
    ``'count'``, ``'tf_idf'``: one vector per text over ``['[UNK]', *vocabulary]`` (no padding slot), as
    :mod:`ember.layers.lookup_modes` describes. ``ngrams=n`` adds the 1..n-grams joined by a space, in order
    of width then position (TensorFlow's ``tf.strings.ngrams``).

    Args:
        max_tokens: vocabulary cap for ``adapt`` (special tokens included). Defaults to ``None``.
        standardize: ``'lower_and_strip_punctuation'`` (default), ``'lower'``, ``'strip_punctuation'``,
            ``None`` or a callable.
        split: ``'whitespace'`` (default), ``'character'``, ``None`` or a callable.
        ngrams: ``None`` (default), an int ``n`` (widths 1..n) or a tuple of widths.
        output_mode: ``'int'`` (default), ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        output_sequence_length: ``'int'`` only: pad (0) or truncate to this length. Defaults to ``None``.
        pad_to_max_tokens: vector width ``max_tokens``. Defaults to ``False``.
        vocabulary: list of tokens, or ``None`` (then :meth:`adapt`).
        idf_weights: ``tf_idf`` weights, one per vocabulary token. Defaults to ``None``.
        sparse, ragged: only ``False``.

    Returns:
        int64 ``(batch, length)`` for ``'int'``; float32 ``(batch, depth)`` otherwise.

    Raises:
        ValueError: a bad ``ngrams``, ``output_sequence_length`` outside ``'int'``, or an unknown output_mode.
        NotImplementedError: ``sparse`` / ``ragged``.
        RuntimeError: when called with no vocabulary.

    Example:
        >>> import ember
        >>> layer = ember.layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["the cat sat", "the dog"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
        >>> layer(["The cat ran!"]).tolist()
        [[2, 5, 1, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        _only_utf8("TextVectorization", encoding)
        _only_int("TextVectorization", ragged=ragged)
        self._init_modes("TextVectorization", output_mode, max_tokens, pad_to_max_tokens, idf_weights, sparse,
                         ("int", "multi_hot", "count", "tf_idf"))  # fmt: skip
        bad = not (ngrams is None or (isinstance(ngrams, int) and ngrams > 0) or
                   (isinstance(ngrams, (tuple, list)) and all(isinstance(n, int) and n > 0 for n in ngrams)))
        if bad or isinstance(ngrams, bool):
            raise ValueError(f"TextVectorization: Expected ngrams to be None, a positive int or a tuple of them. "
                             f"Received: ngrams={ngrams!r}")  # fmt: skip
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"TextVectorization: output_sequence_length is only used with output_mode='int'. "
                             f"Received: output_mode={output_mode!r}, output_sequence_length="
                             f"{output_sequence_length!r}")  # fmt: skip
        self.max_tokens, self.standardize, self.split, self.mask_token = max_tokens, standardize, split, ""
        self.ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_sequence_length, self.oov_token, self._vocab = output_sequence_length, "[UNK]", None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    _token = staticmethod(strings.to_str)

    def _tokens(self, texts) -> list[list[str]]:
        tokens = strings.split(strings.standardize(texts, self.standardize), self.split)
        return tokens if self.ngrams is None else [strings.ngrams(t, self.ngrams) for t in tokens]

    def get_vocabulary(self) -> list:
        """``['', '[UNK]', *vocabulary]`` (``'int'``) or ``['[UNK]', *vocabulary]``."""
        return ([""] if self._has_mask_slot() else []) + ["[UNK]"] + list(self._vocab or [])

    def vocabulary_size(self) -> int:
        """``len(get_vocabulary())``."""
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Vocabulary = the tokens of ``data`` (after standardize, split and n-grams) by decreasing frequency,
        ties by decreasing token (Keras's order); ``tf_idf``: each text is a document."""
        docs = self._tokens(data)
        limit = None if self.max_tokens is None else self.max_tokens - 1 - self._has_mask_slot()
        self._vocab = strings.vocabulary_by_frequency(docs, ["", "[UNK]"], limit)
        if self.output_mode == "tf_idf":
            self._idf = document_idf(docs, self._vocab)

    def call(self, inputs):
        if self._vocab is None:
            raise RuntimeError(f"TextVectorization '{self.name}': no vocabulary. Pass vocabulary= or call adapt()")
        vocab = self.get_vocabulary()
        unk = vocab.index("[UNK]")
        ids = [strings.lookup(tokens, vocab, unk).tolist() if tokens else [] for tokens in self._tokens(inputs)]
        if self.output_mode == "int":
            return strings.pad_ids(ids, self.output_sequence_length)
        padded = strings.pad_ids([[i + 1 for i in row] for row in ids], None) - 1  # -1 pads: counted nowhere
        return self._encode_ids(padded)

    def compute_output_shape(self, input_shape):
        batch = tuple(input_shape)[0]
        return (batch, self.output_sequence_length) if self.output_mode == "int" else (batch, self._depth())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, standardize=self.standardize if isinstance(self.standardize, str)
                      or self.standardize is None else None, split=self.split if isinstance(self.split, str) or
                      self.split is None else None, output_sequence_length=self.output_sequence_length,
                      ngrams=self.ngrams, vocabulary=self._config_vocabulary(), **self._modes_config())  # fmt: skip
        return config
