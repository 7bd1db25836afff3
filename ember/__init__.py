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
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    saving,
    utils,
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

# Imported on first access (``ember.datasets``, ``from ember import testing``), not by ``import ember``:
# nothing else needs them and they cost ~60 ms of the import (issue 6's < 0.3 s target).
_LAZY = ("datasets", "debug", "testing", "viz")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"ember.{name}")  # also binds it on the package: called once
    raise AttributeError(f"module 'ember' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
