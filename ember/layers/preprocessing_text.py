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

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, str)):
            inputs = Tensor(inputs)
        return super().__call__(inputs, *args, **kwargs)


def _only_int(name: str, **given) -> None:
    bad = {k: v for k, v in given.items() if v}
    if bad:
        raise NotImplementedError(f"{name}: {bad} not implemented in ember")


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
        _only_int("StringLookup", num_oov_indices=num_oov_indices != 1,
                  invert=f"invert with output_mode={output_mode!r}" if invert and output_mode != "int" else False)
        self._init_modes("StringLookup", output_mode, max_tokens, pad_to_max_tokens, idf_weights, sparse)
        self.max_tokens, self.mask_token, self.oov_token, self.invert = max_tokens, mask_token, oov_token, invert
        self._vocab = None if vocabulary is None else [str(v) for v in vocabulary]

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
                      vocabulary=self._vocab, invert=self.invert, **self._modes_config())  # fmt: skip
        return config


class TextVectorization(_StringLayer):
    """Strings to padded sequences of token ids: standardize, split, look up (``output_mode='int'``).

    Args:
        max_tokens: vocabulary cap for ``adapt`` (``''`` and ``[UNK]`` included). Defaults to ``None``.
        standardize: ``'lower_and_strip_punctuation'`` (default), ``'lower'``, ``'strip_punctuation'``,
            ``None`` or a callable.
        split: ``'whitespace'`` (default), ``'character'``, ``None`` or a callable.
        output_sequence_length: pad (0) or truncate to this length. Defaults to ``None`` (longest in batch).
        vocabulary: list of tokens, or ``None`` (then :meth:`adapt`).
        ngrams, output_mode other than ``'int'``, pad_to_max_tokens, idf_weights, sparse, ragged: only
            Keras's defaults (others raise NotImplementedError).

    Returns:
        int64 Tensor ``(batch, length)``: 0 padding, 1 ``[UNK]``, vocabulary from 2.

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
        _only_int("TextVectorization", ngrams=ngrams, output_mode=output_mode != "int", sparse=sparse,
                  ragged=ragged, pad_to_max_tokens=pad_to_max_tokens, idf_weights=idf_weights is not None)  # fmt: skip
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.output_sequence_length = output_sequence_length
        self._vocab = None if vocabulary is None else [str(v) for v in vocabulary]

    def _tokens(self, texts) -> list[list[str]]:
        return strings.split(strings.standardize(texts, self.standardize), self.split)

    def get_vocabulary(self) -> list:
        """``['', '[UNK]', *vocabulary]``."""
        return ["", "[UNK]"] + list(self._vocab or [])

    def vocabulary_size(self) -> int:
        """``len(get_vocabulary())``."""
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Vocabulary = the tokens of ``data`` (after standardize and split) by decreasing frequency, ties by
        decreasing token (Keras's order)."""
        limit = None if self.max_tokens is None else self.max_tokens - 2
        self._vocab = strings.vocabulary_by_frequency(self._tokens(data), ["", "[UNK]"], limit)

    def call(self, inputs):
        if self._vocab is None:
            raise RuntimeError(f"TextVectorization '{self.name}': no vocabulary. Pass vocabulary= or call adapt()")
        vocab = self.get_vocabulary()
        ids = [strings.lookup(tokens, vocab, 1).tolist() if tokens else [] for tokens in self._tokens(inputs)]
        return strings.pad_ids(ids, self.output_sequence_length)

    def compute_output_shape(self, input_shape):
        return (tuple(input_shape)[0], self.output_sequence_length)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, standardize=self.standardize if isinstance(self.standardize, str)
                      or self.standardize is None else None, split=self.split if isinstance(self.split, str) or
                      self.split is None else None, output_sequence_length=self.output_sequence_length,
                      vocabulary=self._vocab, output_mode="int")  # fmt: skip
        return config
