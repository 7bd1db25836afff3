"""Optimizers with Keras names, defaults and API; ``get('adam')`` resolves names."""

from ember.optimizers.adam import Adam
from ember.optimizers.optimizer import Optimizer
from ember.optimizers.sgd import SGD
from ember.utils.registry import lookup

_REGISTRY = {"sgd": SGD, "adam": Adam}


def get(identifier) -> Optimizer:
    """Resolve ``'adam'``, ``'sgd'``, ... (default arguments) or return an Optimizer unchanged.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    return lookup("optimizer", identifier, _REGISTRY, allow_callable=False)()


__all__ = ["Optimizer", "SGD", "Adam", "get"]
