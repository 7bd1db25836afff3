"""MNIST-1D: 5,000 one-dimensional signals of length 40 in 10 classes (Greydanus, 2020).

Each class is a hand-drawn 1-D template of a digit, randomly padded, translated, scaled,
sheared and noised: small enough to train on a laptop CPU in seconds, yet linear models
reach only about 32 % and a small CNN about 94 %, so it separates architectures much as
MNIST cannot (S. Greydanus and D. Kobak, "Scaling Down Deep Learning with MNIST-1D",
ICML 2024, https://github.com/greydanus/mnist1d).

The data is regenerated locally with the package's own generator,
``mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())`` (default arguments: 5,000
samples, 80/20 split, seed 42), then cached as ``cache_dir()/mnist1d.npz`` so later calls take
milliseconds. NOTE: ``mnist1d.get_dataset`` downloads a pickle; ember never uses it and never
unpickles anything.

Source: PyPI package ``mnist1d`` (a dependency of ember). Licence: Apache-2.0.
"""

from __future__ import annotations

import random

import numpy as np

from ember.datasets._cache import cache_dir, load_npz, save_npz

CACHE_NAME = "mnist1d.npz"
_KEYS = ("x_train", "y_train", "x_test", "y_test")
_LAYOUT = {
    "x_train": ((4000, 40), np.float32),
    "y_train": ((4000,), np.int64),
    "x_test": ((1000, 40), np.float32),
    "y_test": ((1000,), np.int64),
}


def generate() -> dict[str, np.ndarray]:
    """Run the reference generator with its default arguments; no caching.

    The generator seeds Python's and NumPy's global random state; this function restores
    both afterwards, so loading data does not change the user's random streams.

    Returns:
        A dict with ``x_train`` ``(4000, 40)`` float32, ``y_train`` ``(4000,)`` int64,
        ``x_test`` ``(1000, 40)`` float32, ``y_test`` ``(1000,)`` int64.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return {
        "x_train": data["x"].astype(np.float32),
        "y_train": data["y"].astype(np.int64),
        "x_test": data["x_test"].astype(np.float32),
        "y_test": data["y_test"].astype(np.int64),
    }


def _valid(arrays: dict[str, np.ndarray] | None) -> bool:
    return arrays is not None and all(
        arrays[key].shape == shape and arrays[key].dtype == dtype for key, (shape, dtype) in _LAYOUT.items()
    )


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST-1D from the cache, generating and caching it on first use (about 3 s).

    A missing, truncated or wrongly-shaped cache file is regenerated and replaced atomically.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` ``(4000, 40)`` and ``x_test``
        ``(1000, 40)`` float32, standardised by the generator (mean 0, std 1 over all 5,000
        signals, values roughly -5..5); ``y_train`` ``(4000,)`` and ``y_test`` ``(1000,)``
        int64, labels 0..9.

    Raises:
        OSError: the cache folder cannot be written.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, x_train.dtype, y_train.dtype  # doctest: +SKIP
        ((4000, 40), dtype('float32'), dtype('int64'))
    """
    path = cache_dir() / CACHE_NAME
    arrays = load_npz(path, _KEYS)
    if not _valid(arrays):
        arrays = generate()
        save_npz(path, **arrays)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


__all__ = ["CACHE_NAME", "generate", "load_data"]
