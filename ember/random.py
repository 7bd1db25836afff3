"""Random tensors under Keras 3's ``keras.random`` names, drawn from ember's seeded generator.

Every function takes ``seed=``: ``None`` draws from ember's global generator
(re-seeded by ``ember.backend.random.seed``), an int gives the same draw every call,
as Keras's per-call seeds do. Draws happen on the CPU with NumPy's PCG64 and are
moved to the active backend, so a seed gives the same numbers on NumPy and CuPy.
"""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.autograd import Tensor
from ember.backend import random as _random
from ember.ops.host import host_op
from ember.ops.nn import dropout

__all__ = [
    "normal", "uniform", "truncated_normal", "randint", "shuffle", "dropout", "categorical", "gamma", "binomial",
    "beta", "SeedGenerator",
]  # fmt: skip


def _float(dtype):
    dtype = np.dtype(dtype or backend.floatx())
    if dtype.kind != "f":
        raise TypeError(f"expected a float dtype. Received: dtype={dtype}")
    return dtype


def _wrap(array, dtype) -> Tensor:
    return Tensor._wrap(backend.asarray(array.astype(dtype, copy=False)))


def normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None) -> Tensor:
    """Samples from ``N(mean, stddev**2)`` of ``shape``. ``dtype`` defaults to ``floatx()``.

    Example:
        >>> import ember
        >>> ember.random.normal((2, 3), seed=0).shape
        (2, 3)
    """
    return host_op(_normal, random=True, shape=shape, mean=mean, stddev=stddev, dtype=_float(dtype), seed=seed)


def _normal(shape, mean, stddev, dtype, seed):
    """The draw of :func:`normal`, a host op so that graph mode redraws it at every replay."""
    return backend.asarray(_random.generator(seed).normal(mean, stddev, size=shape).astype(dtype, copy=False))


def uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None) -> Tensor:
    """Samples from ``U[minval, maxval)`` of ``shape``. ``dtype`` defaults to ``floatx()``."""
    return host_op(_uniform, random=True, shape=shape, minval=minval, maxval=maxval, dtype=_float(dtype), seed=seed)


def _uniform(shape, minval, maxval, dtype, seed):
    """The draw of :func:`uniform`, a host op so that graph mode redraws it at every replay."""
    return backend.asarray(_random.generator(seed).uniform(minval, maxval, size=shape).astype(dtype, copy=False))


def truncated_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples redrawn until within two standard deviations of ``mean`` (Keras/TF rule)."""
    dtype = _float(dtype)
    rng = _random.generator(seed)
    out = rng.normal(size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(out) > 2
    return _wrap(out * stddev + mean, dtype)


def randint(shape, minval: int, maxval: int, dtype="int32", seed=None) -> Tensor:
    """Integers uniform in ``[minval, maxval)``. ``dtype`` defaults to ``'int32'`` (Keras).

    Raises:
        ValueError: if ``maxval <= minval``.
    """
    if maxval <= minval:
        raise ValueError(f"randint: expected minval < maxval. Received: minval={minval}, maxval={maxval}")
    return _wrap(_random.generator(seed).integers(minval, maxval, size=shape), np.dtype(dtype))


def shuffle(x, axis: int = 0, seed=None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order (a permutation; differentiable)."""
    from ember.ops.indexing import take

    x = x if isinstance(x, Tensor) else Tensor(x)
    perm = _random.generator(seed).permutation(x.shape[axis])
    return take(x, backend.namespace(x.data).asarray(perm), axis=axis)


def categorical(logits, num_samples: int, dtype="int32", seed=None) -> Tensor:
    """Draw ``num_samples`` class indices per row of ``(batch, classes)`` unnormalised log-probabilities."""
    z = backend.to_numpy(logits.data if isinstance(logits, Tensor) else np.asarray(logits)).astype(np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = _random.generator(seed).random((z.shape[0], num_samples, 1))
    idx = (u > np.cumsum(p, axis=-1)[:, None, :]).sum(-1)
    return _wrap(np.minimum(idx, z.shape[-1] - 1), np.dtype(dtype))


class SeedGenerator:
    """A seeded random stream (``keras.random.SeedGenerator``): pass it as ``seed=`` to any draw.

    Unlike an int seed (same draw on every call), a SeedGenerator advances: successive draws
    differ, and the whole sequence repeats for the same ``seed``. Layers keep one to be seeded
    and still draw fresh noise at every step.

    Args:
        seed: int seed. Defaults to ``None`` (drawn from ember's global generator, so
            ``ember.utils.set_random_seed`` fixes it too).

    Example:
        >>> import ember
        >>> a, b = ember.random.SeedGenerator(3), ember.random.SeedGenerator(3)
        >>> x, y = ember.random.normal((2,), seed=a), ember.random.normal((2,), seed=a)
        >>> bool((x.numpy() == ember.random.normal((2,), seed=b).numpy()).all()), bool((x.numpy() == y.numpy()).all())
        (True, False)
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(_random.generator().integers(0, 2**31 - 1))
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"SeedGenerator: expected a non-negative int seed. Received: seed={seed!r}")
        self.seed, self.name = int(seed), name or "seed_generator"
        self.generator = np.random.default_rng(self.seed)

    def next(self, ordered: bool = True) -> int:
        """A fresh int seed drawn from this stream (Keras returns a seed tensor)."""
        return int(self.generator.integers(0, 2**31 - 1))

    def get_config(self) -> dict:
        """``{'seed': seed}``."""
        return {"seed": self.seed}


def gamma(shape, alpha: float, dtype=None, seed=None) -> Tensor:
    """Samples from ``Gamma(alpha, 1)`` of ``shape``. ``dtype`` defaults to ``floatx()``."""
    return _wrap(_random.generator(seed).gamma(alpha, 1.0, size=shape), _float(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Samples from ``Binomial(counts, probabilities)`` of ``shape``, as floats (Keras's default dtype)."""
    return _wrap(_random.generator(seed).binomial(counts, probabilities, size=shape), _float(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:  # noqa: A002 - Keras's argument names
    """Samples from ``Beta(alpha, beta)`` of ``shape``. ``dtype`` defaults to ``floatx()``."""
    return _wrap(_random.generator(seed).beta(alpha, beta, size=shape), _float(dtype))


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
