"""Weight initializers with Keras names and defaults, drawing from ember's seeded generator.

Each is a callable ``init(shape, dtype=None) -> ndarray``; ``get('glorot_uniform')``
resolves names. Source: keras/src/initializers (Keras 3); Glorot & Bengio (2010),
He et al. (2015), LeCun et al. (1998).
"""

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
    VarianceScaling,
    Zeros,
    get,
)

__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "get",
]
