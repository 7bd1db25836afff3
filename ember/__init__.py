"""ember: a readable deep-learning framework with define-by-run autograd and a Keras-compatible API.

Low level (PyTorch-like): ``ember.tensor``, ``Tensor.backward``, ``ember.no_grad``, ``ember.ops``.
High level (Keras-like): ``ember.layers``, ``ember.models``, ``ember.optimizers``,
``ember.losses``, ``ember.metrics``, ``ember.callbacks``, ``ember.datasets``, ``ember.utils``.
``import ember as keras`` runs Keras code that uses features ember has.
"""

from ember import backend, ops, random, utils
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
    "regularizers",
    "constraints",
    "random",
    "testing",
    "saving",
    "utils",
    "viz",
    "explain",
    "Input",
    "Model",
    "Sequential",
    # Keras 3's top-level names (issue 16), loaded on first use like the packages
    "mixed_precision",
    "Layer",
    "KerasTensor",
    "InputSpec",
    "Loss",
    "Metric",
    "Optimizer",
    "Regularizer",
    "Initializer",
    "Constraint",
    "function",
    "graph",
]

# The high-level packages are imported on first access (``ember.layers``, ``from ember import models``),
# not by ``import ember``: the tensor face needs only backend/autograd/ops, and the Keras face costs
# ~150 ms of imports that a script using tensors alone should not pay (issue 6's < 0.3 s target).
_LAZY = (
    "activations", "callbacks", "datasets", "debug", "initializers", "layers", "losses", "metrics",
    "models", "optimizers", "saving", "testing", "viz", "regularizers", "constraints", "explain", "mixed_precision",
    "graph",
    "applications",  # issue 16: keras.applications.MobileNetV2(...) spelled ember.applications
)  # fmt: skip
_LAZY_NAMES = {"Input": "layers", "Model": "models", "Sequential": "models", "function": "graph"}
_LAZY_NAMES.update(Layer="layers", KerasTensor="layers", InputSpec="layers", Loss="losses", Metric="metrics",
                   Optimizer="optimizers", Regularizer="regularizers", Initializer="initializers",
                   Constraint="constraints")  # fmt: skip


def __getattr__(name):
    import importlib

    if name in _LAZY:
        return importlib.import_module(f"ember.{name}")  # also binds it on the package: called once
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"ember.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    from ember.utils.missing import missing_top_level

    raise missing_top_level(name, __all__)


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_NAMES))
