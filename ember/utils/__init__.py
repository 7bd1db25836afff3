"""Utilities: seeding, label encoding, the progress bar."""

from ember.utils.numerics import normalize, to_categorical
from ember.utils.progbar import Progbar
from ember.utils.seeding import set_random_seed

__all__ = ["set_random_seed", "to_categorical", "normalize", "Progbar"]
