"""``Hashing`` (Keras 3): values to ``num_bins`` bins by FarmHash Fingerprint64 (or SipHash-2-4 with a salt).

Source: keras/src/layers/preprocessing/hashing.py; the hash kernels live in :mod:`ember.ops.hashing`.
"""

from __future__ import annotations

from ember.autograd import Tensor
from ember.layers.categorical_encoding import check_mode, encode, encoded_shape
from ember.layers.layer import Layer
from ember.ops import hashing


class Hashing(Layer):
    """Hash each value to a bin: ``bin = Fingerprint64(str(x)) % num_bins`` (Keras 3's
    ``tf.strings.to_hash_bucket_fast``); with ``salt`` ``bin = SipHash-2-4(salt, str(x)) % num_bins``
    (``to_hash_bucket_strong``). Numbers are hashed as their decimal string (floats cast to int64 first).
    With ``mask_value`` set, that value maps to 0 and the others to ``1 + hash % (num_bins - 1)``.
    The bins are then encoded by ``output_mode`` as :class:`CategoryEncoding` does.

    Args:
        num_bins: number of bins, including the mask bin. A positive int.
        mask_value: value mapped to bin 0. Defaults to ``None``.
        salt: ``None`` (FarmHash), an int ``k`` (``(k, k)``) or two ints: the SipHash key. Defaults to ``None``.
        output_mode: ``'int'``, ``'one_hot'``, ``'multi_hot'`` or ``'count'``. Defaults to ``'int'``.
        sparse: only ``False``.

    Shape:
        ``'int'``: output of the input's shape, int64. Other modes: float32 ``(..., num_bins)`` with Keras's
        rank rules (a 1-D input is one sample for multi_hot/count).

    Raises:
        ValueError: for ``num_bins`` not a positive int, an unknown ``output_mode``, a bad ``salt``, or
            ``sparse=True`` with ``'int'`` (naming the layer).
        NotImplementedError: for ``sparse=True`` with another mode (ember is dense only).

    Source: Keras 3 ``Hashing``; FarmHash (github.com/google/farmhash), SipHash (Aumasson & Bernstein, 2012).

    Example:
        >>> import ember
        >>> ember.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).tolist()
        [[1], [0], [1], [1], [2]]
    """

    _reads_strings = True  # string inputs are this layer's business (see layer_dtype.refuse_text)

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_bins, int) or isinstance(num_bins, bool) or num_bins <= 0:
            raise ValueError(f"Hashing: Expected num_bins to be a positive int. Received: num_bins={num_bins!r}")
        check_mode("Hashing", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if sparse and output_mode == "int":
            raise ValueError(f"Hashing: sparse=True needs output_mode 'one_hot', 'multi_hot' or 'count'. Received: "
                             f"sparse={sparse}, output_mode={output_mode!r}")  # fmt: skip
        if sparse:
            raise NotImplementedError("Hashing: sparse=True is not implemented in ember (dense outputs only)")
        if salt is not None and not (
            isinstance(salt, int)
            or (isinstance(salt, (list, tuple)) and len(salt) == 2 and all(isinstance(s, int) for s in salt))
        ):
            raise ValueError(f"Hashing: Expected salt to be an int or two ints. Received: salt={salt!r}")
        self.num_bins, self.mask_value, self.output_mode, self.sparse = num_bins, mask_value, output_mode, sparse
        self.salt = None if salt is None else ([salt, salt] if isinstance(salt, int) else list(salt))

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, str)):  # a nested list of values is one input, not a list of inputs
            inputs = Tensor(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        ids = hashing.hash_to_bins(inputs, self.num_bins, self.salt, self.mask_value)
        return encode(ids, self.output_mode, self.num_bins, f"Hashing '{self.name}'")

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_bins=self.num_bins, mask_value=self.mask_value, salt=self.salt,
                      output_mode=self.output_mode, sparse=self.sparse)  # fmt: skip
        return config
