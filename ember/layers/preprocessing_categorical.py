"""Categorical preprocessing layers: CategoryEncoding, Discretization, IntegerLookup (with ``adapt``).

Their outputs are integer indices or counts: no gradient flows through them.
Source: keras/src/layers/preprocessing (Keras 3).
"""

from __future__ import annotations

from collections import Counter

from ember import ops
from ember.autograd import Tensor
from ember.layers.categorical_encoding import check_mode, encode, encoded_shape
from ember.layers.layer import Layer
from ember.layers.lookup_modes import LookupModes, document_idf
from ember.ops import quantiles

_MODES = ("one_hot", "multi_hot", "count")


def _tensor(x, dtype=None) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


class CategoryEncoding(Layer):
    """Integer ids ``[0, num_tokens)`` to one-hot, multi-hot or count vectors of length ``num_tokens``.

    ``multi_hot``/``count`` reduce over the last axis of a ``(batch, n)`` input (a 1-D input is one sample:
    output ``(num_tokens,)``, as Keras 3); ``one_hot`` encodes a ``(batch,)`` (or ``(batch, 1)``) input.
    ``count[b, k] = sum_j [ids[b, j] == k] * count_weights[b, j]`` (weights 1 by default; call argument).

    Args:
        num_tokens: vocabulary size.
        output_mode: ``'one_hot'``, ``'multi_hot'`` or ``'count'``. Defaults to ``'multi_hot'``.
        sparse: only ``False`` (dense outputs).

    Raises:
        ValueError: for ids outside ``[0, num_tokens)`` or an unknown ``output_mode``.
        NotImplementedError: for ``sparse=True``.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in _MODES:
            raise ValueError(f"CategoryEncoding: output_mode must be one of {_MODES}. Received: {output_mode!r}")
        if sparse:
            raise NotImplementedError("CategoryEncoding: sparse=True is not implemented in ember (dense only)")
        if not isinstance(num_tokens, int) or num_tokens <= 0:
            raise ValueError(f"CategoryEncoding: num_tokens must be a positive int. Received: {num_tokens!r}")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse

    def call(self, inputs, count_weights=None):
        ids = _tensor(inputs, "int64")
        low, high = int(ops.min(ids).item()), int(ops.max(ids).item())
        if low < 0 or high >= self.num_tokens:
            raise ValueError(f"CategoryEncoding '{self.name}': ids must lie in [0, {self.num_tokens}). Received: "
                             f"min={low}, max={high}")  # fmt: skip
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"CategoryEncoding '{self.name}': count_weights is only used with output_mode='count'. "
                             f"Received: output_mode={self.output_mode!r}")  # fmt: skip
        return encode(ids, self.output_mode, self.num_tokens, f"CategoryEncoding '{self.name}'", count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=self.sparse)
        return config


class Discretization(Layer):
    """Bucket index of each value: ``out = #{b in bin_boundaries : x >= b}`` (``0 .. len(boundaries)``), encoded
    by ``output_mode`` over ``len(boundaries) + 1`` bins.

    With ``num_bins`` the boundaries come from :meth:`adapt`: Keras 3's approximate quantiles (a weighted
    summary kept to ``epsilon`` precision, :mod:`ember.ops.quantiles`), the ``num_bins - 1`` inner quantiles.

    Args:
        bin_boundaries: sorted list of boundaries. Defaults to ``None``.
        num_bins: number of bins for :meth:`adapt` (exclusive with ``bin_boundaries``). Defaults to ``None``.
        epsilon: quantile precision of ``adapt``. Defaults to ``0.01``.
        output_mode: ``'int'`` (default, int64), ``'one_hot'``, ``'multi_hot'`` or ``'count'`` (float32).
        sparse: only ``False``.

    Raises:
        ValueError: both or neither of ``bin_boundaries``/``num_bins``, unsorted boundaries, ``num_bins < 1``,
            an unknown output mode, ``adapt`` with fixed boundaries, or a call before ``adapt``.
        NotImplementedError: for ``sparse=True``.

    Example:
        >>> import ember, numpy as np
        >>> layer = ember.layers.Discretization(num_bins=4, epsilon=0.01)
        >>> layer.adapt(np.arange(100.0))
        >>> [round(b, 3) for b in layer.bin_boundaries]
        [24.0, 49.0, 74.0]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        check_mode("Discretization", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise NotImplementedError("Discretization: sparse=True is not implemented in ember (dense only)")
        if (bin_boundaries is None) == (num_bins is None):
            raise ValueError(f"Discretization: Expected exactly one of bin_boundaries and num_bins. Received: "
                             f"bin_boundaries={bin_boundaries!r}, num_bins={num_bins!r}")  # fmt: skip
        if num_bins is not None and (not isinstance(num_bins, int) or num_bins < 1):
            raise ValueError(f"Discretization: Expected num_bins to be a positive int. Received: num_bins={num_bins!r}")
        if bin_boundaries is not None and list(bin_boundaries) != sorted(bin_boundaries):
            raise ValueError(f"Discretization: Expected sorted bin_boundaries. Received: {bin_boundaries!r}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn ``num_bins - 1`` quantile boundaries from ``data`` (an array/Tensor is one batch; another
        iterable, e.g. a list, is a sequence of batches, as in Keras)."""
        if self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}': cannot adapt a layer built with bin_boundaries; "
                             "pass num_bins instead")  # fmt: skip
        one_batch = isinstance(data, Tensor) or hasattr(data, "__array_interface__")
        batches = [data.numpy() if isinstance(data, Tensor) else data] if one_batch else data
        summary = quantiles.empty_summary()
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            summary = quantiles.merge(quantiles.summarize(batch, self.epsilon), summary, self.epsilon)
        self.bin_boundaries = quantiles.bin_boundaries(summary, self.num_bins)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}': pass bin_boundaries or call adapt() before using it")
        x = _tensor(inputs, "float32")
        bounds = Tensor(self.bin_boundaries, dtype=x.dtype)
        ids = ops.sum(ops.cast(ops.greater_equal(ops.expand_dims(x, -1), bounds), "int64"), axis=-1)
        return encode(ids, self.output_mode, len(self.bin_boundaries) + 1, f"Discretization '{self.name}'")

    def compute_output_shape(self, input_shape):
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins, epsilon=self.epsilon,
                      output_mode=self.output_mode, sparse=self.sparse)  # fmt: skip
        return config

    @classmethod
    def from_config(cls, config: dict):
        """An adapted layer's config has both ``num_bins`` and ``bin_boundaries``: set the boundaries after
        construction, as Keras does."""
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None) if config.get("num_bins") is not None else None
        layer = cls(**config)
        if boundaries is not None:
            layer.bin_boundaries = [float(b) for b in boundaries]
        return layer


class IntegerLookup(LookupModes, Layer):
    """Integer tokens to vocabulary indices: out-of-vocabulary tokens map to ``0 .. num_oov_indices - 1``,
    then ``vocabulary[i]`` to ``num_oov_indices + i`` (one more with a ``mask_token``, which maps to 0).
    Other output modes encode those indices (no mask slot; masks dropped) as :mod:`ember.layers.lookup_modes`
    describes.

    Args:
        max_tokens: vocabulary cap for ``adapt`` (OOV and mask included). Defaults to ``None``.
        num_oov_indices: Defaults to ``1`` (the only value ember implements).
        mask_token: Defaults to ``None``.
        vocabulary: list of ints, or ``None`` (then call :meth:`adapt`).
        idf_weights: ``tf_idf`` weights, one per vocabulary entry. Defaults to ``None``.
        invert: map indices back to tokens (``'int'`` only). Defaults to ``False``.
        output_mode: ``'int'`` (default), ``'one_hot'``, ``'multi_hot'``, ``'count'`` or ``'tf_idf'``.
        pad_to_max_tokens: output width ``max_tokens``. Defaults to ``False``.

    Shape:
        ``'int'``: input shape, int64. Other modes: float32 ``(..., depth)``.

    Raises:
        NotImplementedError: for ``num_oov_indices > 1``, ``sparse=True``, ``invert`` with another mode.
        ValueError: unknown output_mode, pad_to_max_tokens without max_tokens, idf_weights outside tf_idf.
        RuntimeError: when called with no vocabulary.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if num_oov_indices > 1 or (invert and output_mode != "int"):
            raise NotImplementedError(f"IntegerLookup: num_oov_indices={num_oov_indices!r}, invert={invert!r} with "
                                      f"output_mode={output_mode!r}: ember implements at most one OOV index and "
                                      "invert in 'int' mode only")  # fmt: skip
        self._init_modes("IntegerLookup", output_mode, max_tokens, pad_to_max_tokens, idf_weights, sparse)
        self.max_tokens, self.num_oov_indices, self.mask_token = max_tokens, num_oov_indices, mask_token
        self.oov_token, self.invert, self.vocabulary_dtype = oov_token, invert, vocabulary_dtype
        self._vocab = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    _token = staticmethod(int)

    def get_vocabulary(self) -> list:
        """Mask token (``'int'`` mode, if any), OOV token, then the vocabulary, in index order (Keras)."""
        head = ([self.mask_token] if self._has_mask_slot() else []) + [self.oov_token] * self.num_oov_indices
        return head + list(self._vocab or [])

    def vocabulary_size(self) -> int:
        """``len(get_vocabulary())``."""
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Vocabulary = the tokens of ``data`` by decreasing frequency (ties: larger token first, as Keras);
        ``tf_idf``: each row (each element of 1-D data) is a document."""
        array = _tensor(data, "int64").numpy()
        counts = Counter(int(v) for v in array.ravel().tolist())
        counts.pop(self.mask_token, None)
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            tokens = tokens[: self.max_tokens - self.num_oov_indices - self._has_mask_slot()]
        self._vocab = tokens
        if self.output_mode == "tf_idf":
            rows = array.reshape(-1, 1) if array.ndim <= 1 else array.reshape(array.shape[0], -1)
            self._idf = document_idf(rows.tolist(), tokens)

    def call(self, inputs):
        if self._vocab is None:
            raise RuntimeError(f"IntegerLookup '{self.name}': no vocabulary. Pass vocabulary= or call adapt()")
        x = _tensor(inputs, "int64")
        table = Tensor(self.get_vocabulary(), dtype="int64")
        if self.invert:
            return ops.take(table, x)
        hits = ops.equal(ops.expand_dims(x, -1), table)
        first = 1 + self._has_mask_slot()  # index of the first vocabulary entry
        index = ops.argmax(ops.cast(hits[..., first:], "int32"), axis=-1) + first
        out = ops.where(ops.any(hits[..., first:], axis=-1), index, first - 1)
        masked = None if self.mask_token is None else ops.equal(x, self.mask_token)
        if masked is not None and self.output_mode == "int":
            return ops.where(masked, 0, out)
        return self._encode_ids(out, masked)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices, mask_token=self.mask_token,
                      oov_token=self.oov_token, vocabulary=self._config_vocabulary(), invert=self.invert,
                      **self._modes_config())  # fmt: skip
        return config
