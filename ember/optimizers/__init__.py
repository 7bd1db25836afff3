"""Optimizers with Keras names, defaults and API; ``get('adam')`` resolves names.

Every optimizer updates its variables in place with preallocated slot buffers
(kernels in :mod:`ember.ops.updates`) and states its update rule in its
docstring. Source: keras/src/optimizers (Keras 3).
"""

from ember.optimizers import schedules
from ember.optimizers.adagrad import Adadelta, Adagrad
from ember.optimizers.adam import Adam, AdamW
from ember.optimizers.adamax import Adamax, Lion, Nadam
from ember.optimizers.loss_scale_optimizer import LossScaleOptimizer
from ember.optimizers.optimizer import Optimizer
from ember.optimizers.rmsprop import RMSprop
from ember.optimizers.sgd import SGD
from ember.utils.registry import class_from_config, lookup, serialize_object_config

_CLASSES = (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)
_REGISTRY = {**{c.__name__.lower(): c for c in _CLASSES}, **{c.__name__: c for c in _CLASSES}}
_REGISTRY["LossScaleOptimizer"] = LossScaleOptimizer  # by class name only (it needs an inner optimizer)


def serialize(optimizer: Optimizer) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready)."""
    return serialize_object_config("optimizer", "ember.optimizers", optimizer, Optimizer)


def deserialize(config, custom_objects: dict | None = None) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize`'s dict (or a bare name).

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if isinstance(config, str):
        return get(config)
    cls, cls_config = class_from_config("optimizer", config, _REGISTRY, custom_objects)
    return cls.from_config(cls_config, custom_objects)


def get(identifier) -> Optimizer:
    """Resolve ``'adam'``, ``'sgd'``, ``'rmsprop'``, ... (default arguments), a dict, or return an Optimizer.

    Example:
        >>> get("rmsprop").get_config()["rho"]
        0.9

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return lookup("optimizer", identifier, _REGISTRY, allow_callable=False)()


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
           "LossScaleOptimizer", "schedules", "get", "serialize", "deserialize"]  # fmt: skip


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
