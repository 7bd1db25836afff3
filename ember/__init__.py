"""ember: a readable deep-learning framework with define-by-run autograd and a Keras-compatible API.

Low level: ``ember.tensor``, ``Tensor.backward``, ``ember.no_grad``, ``ember.ops``.
High level: ``ember.layers``, ``ember.models``, ``ember.optimizers``, ``ember.losses``,
``ember.metrics``, ``ember.datasets``, ``ember.utils``.
"""

from ember import backend, ops
from ember.autograd import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from ember.backend import config

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "tensor",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "backend",
    "config",
    "ops",
    "__version__",
]
