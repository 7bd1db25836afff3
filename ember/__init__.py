"""ember: a readable deep-learning framework with define-by-run autograd and a Keras-compatible API.

Low level (PyTorch-like): ``ember.tensor``, ``Tensor.backward``, ``ember.no_grad``, ``ember.ops``.
High level (Keras-like): ``ember.layers``, ``ember.models``, ``ember.optimizers``,
``ember.losses``, ``ember.metrics``, ``ember.callbacks``, ``ember.datasets``, ``ember.utils``.
``import ember as keras`` runs Keras code that uses features ember has.
"""

from ember._version import __version__

from ember import backend, ops  # noqa: E402
from ember.autograd import (  # noqa: E402
    Tensor,
    Variable,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    tensor,
)
from ember.backend import config  # noqa: E402
from ember import (  # noqa: E402
    activations,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    saving,
    utils,
    viz,
)
from ember.layers import Input  # noqa: E402
from ember.models import Model, Sequential  # noqa: E402

__all__ = [
    "__version__",
    "Tensor",
    "Variable",
    "tensor",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "backend",
    "config",
    "ops",
    "activations",
    "callbacks",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "saving",
    "utils",
    "viz",
    "Input",
    "Model",
    "Sequential",
]
