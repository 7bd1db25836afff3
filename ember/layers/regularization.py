"""Regularization layers: SpatialDropout1D/2D, GaussianNoise, GaussianDropout, ActivityRegularization.

All are the identity at inference (``training`` falsy) and keep masks.
Source: keras/src/layers/regularization (Keras 3).
"""

from __future__ import annotations

from ember import ops
from ember import random as erandom
from ember.backend import random as _random
from ember.layers.core import Dropout
from ember.layers.layer import Layer


class _SeededNoise(Layer):
    """Shared parts: a ``rate``/``seed`` pair and a per-layer stream of call seeds."""

    supports_masking = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._seeds = _random.generator(seed) if seed is not None else None

    def _next_seed(self):
        return self._seeds  # a seed stream: each call (and each graph replay) draws the next seed

    def compute_output_shape(self, input_shape):
        return input_shape


class SpatialDropout1D(Dropout):
    """Drops whole channels: one keep/drop draw per ``(sample, channel)``, shared by all timesteps.

    Args:
        rate: drop probability in ``[0, 1)``.
        seed: per-layer seed. Defaults to ``None`` (global generator).

    Shape:
        Input and output ``(batch, timesteps, channels)``.

    Source: Tompson et al., "Efficient Object Localization Using Convolutional Networks" (2015).
    """

    _rank = 3

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def call(self, inputs, training=None):
        if inputs.ndim != self._rank:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects input of rank {self._rank} (batch axis included). "
                f"Received: input shape {inputs.shape}"
            )
        if not training or self.rate == 0:
            return inputs
        seed = self._seeds
        return ops.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs.shape), seed=seed)

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[-1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("noise_shape")
        return config


class SpatialDropout2D(SpatialDropout1D):
    """Drops whole feature maps: one draw per ``(sample, channel)`` shared by all pixels.

    Args:
        rate: drop probability in ``[0, 1)``.
        data_format: ``'channels_last'`` or ``'channels_first'``. Defaults to ``None`` (channels last).
        seed: per-layer seed. Defaults to ``None``.

    Shape:
        Input and output ``(batch, height, width, channels)`` (channels last).
    """

    _rank = 4

    def __init__(self, rate: float, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = data_format or "channels_last"

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[-1])

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class GaussianNoise(_SeededNoise):
    """Adds zero-mean Gaussian noise in training: ``output = inputs + N(0, stddev**2)``.

    Args:
        stddev: noise standard deviation, ``>= 0``.
        seed: per-layer seed. Defaults to ``None``.

    Raises:
        ValueError: for a negative ``stddev``.
    """

    def __init__(self, stddev: float, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if stddev < 0:
            raise ValueError(f"GaussianNoise: `stddev` must be >= 0. Received: stddev={stddev!r}")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = erandom.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype, seed=self._next_seed())
        return inputs + noise

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(_SeededNoise):
    """Multiplies by Gaussian noise of mean 1 in training: ``output = inputs * N(1, rate / (1 - rate))``.

    Args:
        rate: drop probability equivalent, in ``[0, 1)``.
        seed: per-layer seed. Defaults to ``None``.

    Raises:
        ValueError: if ``rate`` is not in ``[0, 1)``.

    Source: Srivastava et al., "Dropout" (2014), section 10.
    """

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout: `rate` must be in [0, 1). Received: rate={rate!r}")
        self.rate = float(rate)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = (self.rate / (1.0 - self.rate)) ** 0.5
        noise = erandom.normal(inputs.shape, mean=1.0, stddev=stddev, dtype=inputs.dtype, seed=self._next_seed())
        return inputs * noise

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x**2)`` of its output to the model loss.

    Args:
        l1: L1 factor, ``>= 0``. Defaults to ``0.0``.
        l2: L2 factor, ``>= 0``. Defaults to ``0.0``.
    """

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def call(self, inputs):
        loss = None
        if self.l1:
            loss = self.l1 * ops.sum(ops.abs(inputs))
        if self.l2:
            term = self.l2 * ops.sum(ops.square(inputs))
            loss = term if loss is None else loss + term
        if loss is not None:  # Keras 3 divides activity losses by the batch size
            self.add_loss(loss / inputs.shape[0] if inputs.ndim > 0 else loss)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config


__all__ = [
    "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "ActivityRegularization",
]  # fmt: skip


class AlphaDropout(_SeededNoise):
    """Dropout that keeps a SELU network's mean and variance: dropped units go to ``alpha' = -alpha * scale``,
    then ``out = a * x + b`` with ``a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2`` and ``b = -a * alpha' * rate``.

    Identity at inference. Args: ``rate`` (drop probability in ``[0, 1)``), ``noise_shape`` (Defaults to
    ``None``: the input's shape), ``seed`` (Defaults to ``None``: the global generator).

    Source: Klambauer et al., "Self-Normalizing Neural Networks" (2017);
    keras/src/layers/regularization/alpha_dropout.py.
    """

    _ALPHA, _SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"AlphaDropout: `rate` must be in [0, 1). Received: rate={rate!r}")
        self.rate, self.noise_shape = float(rate), noise_shape

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            s if s is not None else d for s, d in zip(self.noise_shape, inputs.shape, strict=True))  # fmt: skip
        kept = ops.cast(erandom.uniform(shape, seed=self._next_seed()) >= self.rate, inputs.dtype)
        alpha_p = -self._ALPHA * self._SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config
