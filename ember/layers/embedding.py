"""Embedding: integer indices to dense vectors (a lookup table learned by gradient descent)."""

from __future__ import annotations

from ember import initializers, ops
from ember.layers.layer import Layer
from ember.layers.serialization import deserialize, serialize


class Embedding(Layer):
    """Maps each integer index ``i`` in ``[0, input_dim)`` to row ``embeddings[i]``.

    Args:
        input_dim: vocabulary size, a positive int.
        output_dim: embedding size, a positive int.
        embeddings_initializer: Defaults to ``'uniform'`` (``RandomUniform(-0.05, 0.05)``, Keras).
        embeddings_regularizer, embeddings_constraint: Default ``None``.
        mask_zero: index 0 is padding: the output carries a mask ``inputs != 0`` that RNNs,
            pooling and attention layers honour. Defaults to ``False``.
        weights: optional initial ``[(input_dim, output_dim) array]``. Defaults to ``None``.

    Shape:
        Input ``(batch, ...)`` integers (floats are cast); output ``(batch, ..., output_dim)``.
        Weight ``embeddings (input_dim, output_dim)``.

    Raises:
        ValueError: for non-positive sizes. IndexError (from the lookup) for out-of-range indices.

    Source: keras/src/layers/core/embedding.py.

    Example:
        >>> import ember
        >>> layer = ember.layers.Embedding(10, 4, mask_zero=True)
        >>> layer(ember.tensor([[1, 2, 0]])).shape
        (1, 3, 4)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, **kwargs):  # fmt: skip
        kwargs.pop("input_length", None)  # Keras 2 argument, unused
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Embedding: `{name}` must be a positive int. Received: {name}={value!r}")
        self.input_dim, self.output_dim = input_dim, output_dim
        if embeddings_initializer == "uniform":
            embeddings_initializer = initializers.RandomUniform()
        self.embeddings_initializer = initializers.get(deserialize("initializer", embeddings_initializer))
        self.embeddings_regularizer = deserialize("regularizer", embeddings_regularizer)
        self.embeddings_constraint = deserialize("constraint", embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")  # fmt: skip
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        if inputs.dtype.kind not in "iu":
            inputs = ops.cast(inputs, "int32")
        return ops.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=serialize(self.embeddings_initializer),
                      embeddings_regularizer=serialize(self.embeddings_regularizer),
                      embeddings_constraint=serialize(self.embeddings_constraint),
                      mask_zero=self.mask_zero)  # fmt: skip
        return config
