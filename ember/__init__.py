"""ember: a readable deep-learning framework with define-by-run autograd and a Keras-compatible API.

Low level (PyTorch-like): ``ember.tensor``, ``Tensor.backward``, ``ember.no_grad``, ``ember.ops``.
High level (Keras-like): ``ember.layers``, ``ember.models``, ``ember.optimizers``,
``ember.losses``, ``ember.metrics``, ``ember.callbacks``, ``ember.datasets``, ``ember.utils``.
``import ember as keras`` runs Keras code that uses features ember has.
"""

from ember import (
    activations,
    backend,
    callbacks,
    datasets,
    debug,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    saving,
    testing,
    utils,
    viz,
)
from ember._version import __version__
from ember.autograd import (
    Tensor,
    Variable,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    tensor,
)
from ember.backend import config
from ember.layers import Input
from ember.models import Model, Sequential

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
    "datasets",
    "debug",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "random",
    "testing",
    "saving",
    "utils",
    "viz",
    "Input",
    "Model",
    "Sequential",
]
