"""Keras's non-``'int'`` output modes of the lookup layers (StringLookup, IntegerLookup, TextVectorization).

In ``'one_hot'``/``'multi_hot'``/``'count'``/``'tf_idf'`` mode the index space has no mask slot: the OOV token
is index 0 and ``vocabulary[i]`` is ``1 + i``; mask tokens are dropped (encoded as nothing). The output has
``vocabulary_size()`` entries, or ``max_tokens`` with ``pad_to_max_tokens=True``. ``tf_idf = count * idf`` with
``idf(t) = log(1 + N / (1 + df(t)))`` over the ``N`` adapted documents (``df``: documents containing ``t``); the
OOV entry gets the mean idf of the vocabulary and padding entries 0.
Source: keras/src/layers/preprocessing/index_lookup.py (Keras 3).
"""

from __future__ import annotations

import math

from ember import ops
from ember.autograd import Tensor
from ember.layers.categorical_encoding import check_mode, encode


def document_idf(documents, vocabulary) -> list:
    """``log(1 + N / (1 + df(t)))`` for each ``t`` of ``vocabulary``; ``documents`` is a list of token lists."""
    seen = [set(doc) for doc in documents]
    return [math.log(1 + len(seen) / (1 + sum(t in doc for doc in seen))) for t in vocabulary]


class LookupModes:
    """Mixin: the output-mode arguments and :meth:`_encode_ids` (``self`` has ``max_tokens``, ``mask_token``,
    ``_vocab`` and ``name``)."""

    def _init_modes(self, layer, output_mode, max_tokens, pad_to_max_tokens, idf_weights, sparse, allowed=None):
        check_mode(layer, output_mode, allowed or ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if sparse:
            raise NotImplementedError(f"{layer}: sparse=True is not implemented in ember (dense outputs only)")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{layer}: pad_to_max_tokens=True needs max_tokens. Received: max_tokens=None")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{layer}: idf_weights is only used with output_mode='tf_idf'. Received: "
                             f"output_mode={output_mode!r}")  # fmt: skip
        self.output_mode, self.pad_to_max_tokens, self.sparse = output_mode, bool(pad_to_max_tokens), sparse
        self._idf = None if idf_weights is None else [float(v) for v in idf_weights]

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and, for ``'tf_idf'``, one idf weight per entry). A vocabulary that starts with
        the special tokens (mask in ``'int'`` mode, OOV) keeps them, and then their idf weights too; otherwise
        the OOV weight is the mean of the given ones (Keras).

        Raises:
            ValueError: idf_weights missing in ``'tf_idf'`` mode, given in another, or of another length.
        """
        layer = f"{type(self).__name__} '{self.name}'"
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{layer}: output_mode='tf_idf' needs idf_weights with the vocabulary")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{layer}: idf_weights is only used with output_mode='tf_idf'. Received: "
                             f"output_mode={self.output_mode!r}")  # fmt: skip
        vocab = [self._token(v) for v in vocabulary]
        special = self.get_vocabulary()[: self.vocabulary_size() - len(self._vocab or [])]
        has_special = vocab[: len(special)] == special
        idf = None if idf_weights is None else [float(v) for v in idf_weights]
        if idf is not None and len(idf) != len(vocab):
            raise ValueError(f"{layer}: idf_weights must have one weight per vocabulary entry. Received: "
                             f"{len(idf)} weights for {len(vocab)} tokens")  # fmt: skip
        self._vocab = vocab[len(special) :] if has_special else vocab
        self._idf_special = idf[: len(special)] if has_special and idf is not None else None
        self._idf = idf[len(special) :] if has_special and idf is not None else idf

    _idf_special = None

    def _has_mask_slot(self) -> bool:
        return self.mask_token is not None and self.output_mode == "int"

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _idf_table(self) -> Tensor:
        idf = list(self._idf or [])
        head = self._idf_special or [sum(idf) / len(idf) if idf else 0.0] * (self.vocabulary_size() - len(idf))
        table = head + idf
        return Tensor(table + [0.0] * (self._depth() - len(table)), dtype="float32")

    def _encode_ids(self, ids: Tensor, dropped=None):
        """``ids`` (int64, from the mask-free index space) encoded by ``output_mode``; ``dropped`` (bool Tensor)
        marks mask tokens, which count nowhere.

        Raises:
            ValueError: for ``'tf_idf'`` without idf weights, naming the layer.
        """
        if self.output_mode == "int":
            return ids
        if dropped is not None:
            ids = ops.where(dropped, -1, ids)
        where = f"{type(self).__name__} '{self.name}'"
        if self.output_mode == "tf_idf" and self._idf is None:
            raise ValueError(f"{where}: output_mode='tf_idf' needs idf weights: call adapt() or pass idf_weights")
        idf = self._idf_table() if self.output_mode == "tf_idf" else None
        return encode(ids, self.output_mode, self._depth(), where, idf_weights=idf)

    def _config_vocabulary(self):
        """The vocabulary for ``get_config``: with the special tokens when their idf weights were given."""
        return self.get_vocabulary() if self._idf_special else self._vocab

    def _modes_config(self) -> dict:
        idf = self._idf_special + self._idf if self._idf_special else self._idf
        return {"output_mode": self.output_mode, "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
                "idf_weights": idf}  # fmt: skip
