"""Initializer classes. Arrays come from the backend; random draws from ember's generator."""

from __future__ import annotations

import math

import numpy as np

from ember import backend
from ember.backend import random as _random


def _fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras computes them: kernels ``(*receptive, in, out)``."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a backend array of that shape.

    ``dtype`` defaults to ``ember.config.floatx()`` (float32). Kernels are laid
    out as Keras's: fans are computed from ``(*receptive_field, in, out)``.
    """

    def __call__(self, shape, dtype=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        """Constructor arguments, for serialization."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


def _dtype(dtype):
    return np.dtype(dtype or backend.floatx())


class Zeros(Initializer):
    """All zeros (Keras's default bias initializer).

    Example:
        >>> Zeros()((2,)).tolist()
        [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None):
        return backend.xp().zeros(tuple(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones (e.g. normalization scales)."""

    def __call__(self, shape, dtype=None):
        return backend.xp().ones(tuple(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """All equal to ``value``.

    Args:
        value: the fill value. Defaults to ``0.0``.
    """

    def __init__(self, value: float = 0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return backend.xp().full(tuple(shape), self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal draws ``N(mean, stddev**2)``.

    Args:
        mean: Defaults to ``0.0``.
        stddev: Defaults to ``0.05``.
        seed: an int makes every call draw the same values; ``None`` draws from
            ember's global generator. Defaults to ``None``.

    Source: ``keras.initializers.RandomNormal``.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        draw = _random.generator(self.seed).normal(self.mean, self.stddev, size=tuple(shape))
        return backend.asarray(draw, dtype=_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws in ``[minval, maxval)``.

    Args:
        minval: Defaults to ``-0.05``.
        maxval: Defaults to ``0.05``.
        seed: an int makes every call draw the same values. Defaults to ``None``.

    Source: ``keras.initializers.RandomUniform``.
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        draw = _random.generator(self.seed).uniform(self.minval, self.maxval, size=tuple(shape))
        return backend.asarray(draw, dtype=_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws with ``mean`` and ``stddev``, re-drawn until within two standard deviations of the mean.

    Args:
        mean: defaults to ``0.0``.
        stddev: standard deviation before truncation. Defaults to ``0.05``.
        seed: an int makes every call draw the same values; ``None`` draws
            from ember's global generator. Defaults to ``None``.

    Example:
        >>> w = TruncatedNormal(stddev=1.0, seed=0)((100, 10))
        >>> bool(abs(w).max() <= 2.0)
        True

    Source: ``keras.initializers.TruncatedNormal``.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        draw = self.mean + _truncated_normal(_random.generator(self.seed), self.stddev, tuple(shape))
        return backend.asarray(draw, dtype=_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``, ``n`` the fan given by ``mode``.

    Args:
        scale: Defaults to ``1.0``.
        mode: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``. Defaults to ``'fan_in'``.
        distribution: ``'truncated_normal'`` (stddev divided by 0.8796 to undo the
            2-sigma truncation), ``'untruncated_normal'`` or ``'uniform'`` (limit
            ``sqrt(3 * scale / n)``). Defaults to ``'truncated_normal'``.
        seed: an int makes every call draw the same values. Defaults to ``None``.

    Raises:
        ValueError: for an unknown mode or distribution.

    Source: ``keras.initializers.VarianceScaling``; He et al. (2015), §2.2.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg. Received: mode={mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution. Received: distribution={distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, n)
        rng = _random.generator(self.seed)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            draw = rng.uniform(-limit, limit, size=tuple(shape))
        elif self.distribution == "untruncated_normal":
            draw = rng.normal(0.0, math.sqrt(var), size=tuple(shape))
        else:
            std = math.sqrt(var) / 0.87962566103423978
            draw = _truncated_normal(rng, std, tuple(shape))
        return backend.asarray(draw, dtype=_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _truncated_normal(rng: np.random.Generator, std: float, shape: tuple) -> np.ndarray:
    """Normal draws re-drawn until within two standard deviations."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


class GlorotUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))``: Keras's default kernel initializer.

    Args:
        seed: an int makes every call draw the same values. Defaults to ``None``.

    Source: Glorot & Bengio, "Understanding the difficulty of training deep
    feedforward neural networks" (AISTATS 2010).
    """

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / fan_in)`` (He et al. 2015)."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / fan_in)``."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(1 / fan_in)`` (LeCun 1998)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    """Uniform in ``±sqrt(3 / fan_in)``."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}
