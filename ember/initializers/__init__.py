"""Weight initializers with Keras names and defaults, drawing from ember's seeded generator.

Each is a callable ``init(shape, dtype=None) -> array``; ``get('glorot_uniform')``
resolves names, ``serialize``/``deserialize`` turn one into a JSON-ready dict
and back. Source: keras/src/initializers (Keras 3); Glorot & Bengio (2010),
He et al. (2015), LeCun et al. (1998), Saxe et al. (2014).
"""

from __future__ import annotations

from ember.initializers.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)
from ember.initializers.matrix import Identity, Orthogonal
from ember.utils.registry import class_from_config, lookup, serialize_object_config

# Keras's lowercase aliases (``keras.initializers.he_normal(seed=1)``).
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform

_CLASSES = (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Orthogonal,
            Identity, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform)  # fmt: skip
_REGISTRY = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    **{cls.__name__: cls for cls in _CLASSES},
}


def serialize(initializer: Initializer) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` as Keras 3 writes it (JSON-ready).

    Raises:
        TypeError: for objects that are not :class:`Initializer` instances.
    """
    return serialize_object_config("initializer", "ember.initializers", initializer, Initializer)


def deserialize(config, custom_objects: dict | None = None) -> Initializer:
    """Rebuild an initializer from :func:`serialize`'s dict (or a bare name).

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if isinstance(config, str):
        return get(config)
    cls, cls_config = class_from_config("initializer", config, _REGISTRY, custom_objects)
    return cls.from_config(cls_config)


def get(identifier) -> Initializer | None:
    """Resolve a name (``'glorot_uniform'``, ``'GlorotUniform'``), a serialized dict, an Initializer, or a callable.

    Example:
        >>> type(get("he_normal")).__name__
        'HeNormal'

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    found = lookup("initializer", identifier, _REGISTRY)
    return found() if isinstance(found, type) else found


__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Orthogonal",
    "Identity",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "orthogonal",
    "identity",
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "get",
    "serialize",
    "deserialize",
]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
