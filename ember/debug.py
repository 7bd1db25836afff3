"""Debugging aids: ``detect_anomaly`` stops at the first op that makes NaN or Inf.

Off by default and free when off: entering the context swaps in a checking
``Function.apply`` (and a checking ``backward`` on each node it records), leaving
swaps the originals back. PyTorch's ``torch.autograd.detect_anomaly`` is the model.
"""

from __future__ import annotations

import traceback

from ember import backend
from ember.autograd import Function

__all__ = ["detect_anomaly", "AnomalyError"]


class AnomalyError(FloatingPointError):
    """Raised inside :func:`detect_anomaly` when an op's output or gradient holds NaN or Inf."""


def _bad(array) -> bool:
    return (
        array is not None
        and hasattr(array, "dtype")
        and array.dtype.kind == "f"
        and not bool(backend.namespace(array).isfinite(array).all())
    )


class detect_anomaly:
    """Context manager: raise :class:`AnomalyError` at the first op whose output (forward) or input
    gradient (backward) contains NaN or Inf, naming the op and where it was created.

    Example:
        >>> import ember
        >>> from ember.debug import detect_anomaly
        >>> with detect_anomaly():
        ...     try:
        ...         ember.tensor([float("nan")]) * 2.0
        ...     except FloatingPointError as e:
        ...         print(str(e).split(":")[0])
        detect_anomaly
    """

    def __enter__(self):
        if _STATE["depth"] == 0:
            _STATE["original"] = Function.__dict__["apply"]  # the classmethod object itself
            Function.apply = classmethod(_checked_apply)
        _STATE["depth"] += 1
        return self

    def __exit__(self, *exc):
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0:
            Function.apply = _STATE["original"]
        return False


_STATE: dict = {"depth": 0, "original": None}


def _checked_apply(cls, *inputs, **kwargs):
    out = _STATE["original"].__func__(cls, *inputs, **kwargs)
    if _bad(out.data):
        raise AnomalyError(
            f"detect_anomaly: op {cls.__name__} produced NaN or Inf in its output of shape {out.shape}. "
            f"Input shapes: {[t.shape for t in inputs]}"
        )
    ctx = out._ctx
    if ctx is not None:
        ctx.created = "".join(traceback.format_stack(limit=8)[:-2])
        plain = ctx.backward

        def checked_backward(g):
            grads = plain(g)
            for i, gi in enumerate(grads if isinstance(grads, tuple) else (grads,)):
                if _bad(gi):
                    raise AnomalyError(
                        f"detect_anomaly: the backward of op {ctx.name} produced NaN or Inf in the gradient of "
                        f"input {i}. The op was created at:\n{ctx.created}"
                    )
            return grads

        ctx.backward = checked_backward
    return out
