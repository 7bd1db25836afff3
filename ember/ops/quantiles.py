"""Approximate quantiles for :class:`~ember.layers.Discretization` ``adapt`` (no gradient): Keras 3's mergeable
weighted summary, so the learned ``bin_boundaries`` equal Keras's.

A summary is a ``(2, k)`` array: sorted sample values and the number of data points each stands for.
Source: keras/src/layers/preprocessing/discretization.py (``summarize``, ``merge_summaries``,
``compress_summary``, ``get_bin_boundaries``).
"""

from __future__ import annotations

import numpy as np


def empty_summary() -> np.ndarray:
    """The summary of no data: shape ``(2, 0)``, float32."""
    return np.zeros((2, 0), dtype="float32")


def summarize(values, epsilon: float) -> np.ndarray:
    """Every ``step``-th sorted value (``step = max(n * epsilon, 1)``, from index ``step - 1``) with weight ``step``."""
    values = np.sort(np.reshape(np.asarray(values, dtype="float32"), [-1]))
    step = max(values.size * epsilon, 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Resample to the ``epsilon, 2 epsilon, ..., 1`` cumulative-weight fractions by linear interpolation."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    fractions = cum / cum[-1]
    bins = np.interp(percents, fractions, summary[0])
    cum = np.interp(percents, fractions, cum)
    return np.stack((bins, cum - np.concatenate((np.array([0]), cum[:-1])))).astype("float32")


def merge(previous: np.ndarray, new: np.ndarray, epsilon: float) -> np.ndarray:
    """Weighted merge of two summaries, compressed to ``epsilon``."""
    merged = np.concatenate((previous, new), axis=1)
    return compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


def bin_boundaries(summary: np.ndarray, num_bins: int) -> list:
    """The ``num_bins - 1`` inner quantile boundaries of ``summary``."""
    return compress(summary, 1.0 / num_bins)[0, :-1].tolist()
