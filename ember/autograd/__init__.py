"""Define-by-run automatic differentiation: :class:`Tensor`, :class:`Function`, ``no_grad``.

Imports only :mod:`ember.backend`.
"""

from ember.autograd import autocast  # noqa: F401  (registers AutoCast with Function.apply)
from ember.autograd.engine import grad
from ember.autograd.function import Function, GraphRetentionWarning, unbroadcast
from ember.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ember.autograd.tensor import Tensor, tensor
from ember.autograd.variable import Variable

__all__ = [
    "Tensor",
    "tensor",
    "Variable",
    "Function",
    "GraphRetentionWarning",
    "grad",
    "unbroadcast",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
]
