"""Deciding whether a monitored value improved: ``mode`` ``'min'``, ``'max'`` or ``'auto'`` (Keras's rules)."""

from __future__ import annotations

import operator

_MAX_HINTS = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "r2", "true_positives", "true_negatives")


def monitor_op(monitor: str, mode: str, model, who: str):
    """``operator.lt`` (lower is better) or ``operator.gt`` for ``monitor`` under ``mode``.

    ``'auto'`` picks ``lt`` for losses and errors, ``gt`` for accuracy-like metrics
    (a metric's ``_direction`` attribute wins when the model has it).

    Raises:
        ValueError: for a mode other than ``'auto'``, ``'min'``, ``'max'``, or an
            ``'auto'`` metric whose direction cannot be told.
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be one of 'auto', 'min', 'max'. Received: mode={mode!r}")
    if mode == "min":
        return operator.lt
    if mode == "max":
        return operator.gt
    name = monitor.removeprefix("val_")
    for m in getattr(model, "metrics", None) or []:
        direction = getattr(m, "_direction", None)
        if m.name == name and direction in ("up", "down"):
            return operator.gt if direction == "up" else operator.lt
    if name.endswith("loss") or "error" in name or name in ("mse", "mae", "mape", "msle"):
        return operator.lt
    if any(hint in name for hint in _MAX_HINTS):
        return operator.gt
    raise ValueError(
        f"{who} received monitor={monitor} but ember can't tell whether that metric should be maximized or "
        "minimized. Pass `mode='max'` to use the highest metric value, or `mode='min'` to use the lowest value."
    )
