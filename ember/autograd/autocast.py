"""Autocast of weights for mixed precision (Keras 3's ``AutocastScope``).

While a layer with a mixed policy runs (``'mixed_float16'``), ``_DTYPE[0]`` holds its compute
dtype; :meth:`Function.apply` then casts every float :class:`Variable` input of another dtype
to it through :class:`AutoCast`, whose backward casts the gradient back. So the weights stay
float32, the math runs in float16 and the gradient that reaches each weight is float32.
Outside such a layer ``_DTYPE[0]`` is ``None`` and the eager hot path pays one list lookup.
Source: keras/src/backend/common/variables.py (``AutocastScope``, ``Variable.value``).
"""

from __future__ import annotations

import contextlib

from ember.autograd import function
from ember.autograd.function import Function

_DTYPE = function._AUTOCAST  # shared with Function.apply (one list, no import cycle)


class AutoCast(Function):
    """``x.astype(dtype)``; the gradient is cast back to ``x``'s dtype."""

    def forward(self, a, dtype):
        self.dtype = a.dtype
        return a.astype(dtype)

    def backward(self, grad):
        return grad.astype(self.dtype)




def cast_variables(inputs: tuple, dtype) -> tuple:
    """``inputs`` with each float Variable of another dtype replaced by its cast to ``dtype``."""
    from ember.autograd.variable import Variable

    out = []
    for t in inputs:
        if isinstance(t, Variable) and t.dtype.kind == "f" and t.dtype != dtype:
            t = AutoCast.apply(t, dtype=dtype)
        out.append(t)
    return tuple(out)


function._AutoCast[:] = [AutoCast, cast_variables]


@contextlib.contextmanager
def autocast_scope(dtype):
    """Within the block, float Variables used by ops are cast to ``dtype`` (``None``: not cast)."""
    previous = _DTYPE[0]
    _DTYPE[0] = dtype
    try:
        yield
    finally:
        _DTYPE[0] = previous
