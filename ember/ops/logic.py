"""Comparisons, logical ops and float tests: boolean results, no gradient.

They return a leaf tensor of dtype bool, so nothing is recorded for autograd; they run as host ops
(ember/ops/host.py), so graph mode replays them.
Operands broadcast as in NumPy; a Python scalar compares against every element.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor
from ember.ops.host import as_operand, host_op, method_call, xp_call


def _binary(fn: str):
    def op(x1, x2) -> Tensor:
        if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
            return Tensor._wrap(xp_call(backend.asarray(x1), backend.asarray(x2), fn=fn))
        return host_op(xp_call, as_operand(x1), as_operand(x2), fn=fn)

    return op


def _unary(fn: str):
    def op(x) -> Tensor:
        return host_op(xp_call, as_operand(x), fn=fn)

    return op


equal = _binary("equal")
equal.__doc__ = "Elementwise ``x1 == x2`` (bool, broadcast, no gradient)."
not_equal = _binary("not_equal")
not_equal.__doc__ = "Elementwise ``x1 != x2`` (bool, broadcast, no gradient)."
less = _binary("less")
less.__doc__ = "Elementwise ``x1 < x2`` (bool, broadcast, no gradient)."
less_equal = _binary("less_equal")
less_equal.__doc__ = "Elementwise ``x1 <= x2`` (bool, broadcast, no gradient)."
greater = _binary("greater")
greater.__doc__ = "Elementwise ``x1 > x2`` (bool, broadcast, no gradient)."
greater_equal = _binary("greater_equal")
greater_equal.__doc__ = "Elementwise ``x1 >= x2`` (bool, broadcast, no gradient)."
logical_and = _binary("logical_and")
logical_and.__doc__ = "Elementwise ``x1 and x2`` on truth values (bool, no gradient)."
logical_or = _binary("logical_or")
logical_or.__doc__ = "Elementwise ``x1 or x2`` on truth values (bool, no gradient)."
logical_xor = _binary("logical_xor")
logical_xor.__doc__ = "Elementwise ``x1 xor x2`` on truth values (bool, no gradient)."
logical_not = _unary("logical_not")
logical_not.__doc__ = "Elementwise ``not x`` on truth values (bool, no gradient)."
isnan = _unary("isnan")
isnan.__doc__ = "Elementwise test for NaN (bool, no gradient)."
isinf = _unary("isinf")
isinf.__doc__ = "Elementwise test for ``±inf`` (bool, no gradient)."
isfinite = _unary("isfinite")
isfinite.__doc__ = "Elementwise test for a finite value, neither NaN nor ``±inf`` (bool, no gradient)."

for _name in (
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "isnan",
    "isinf",
    "isfinite",
):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """True where any element along ``axis`` is truthy (bool, no gradient)."""
    return host_op(method_call, as_operand(x), method="any", axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - keras.ops name
    """True where every element along ``axis`` is truthy (bool, no gradient)."""
    return host_op(method_call, as_operand(x), method="all", axis=axis, keepdims=keepdims)
