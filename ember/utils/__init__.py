"""Utilities: seeding, label encoding, sequence padding, dataset splitting, model drawing, the progress bar."""

from ember.utils.batching import pack_x_y_sample_weight, unpack_x_y_sample_weight
from ember.utils.model_visualization import model_to_dot, plot_model
from ember.utils.numerics import normalize, to_categorical
from ember.utils.progbar import Progbar
from ember.utils.seeding import set_random_seed
from ember.utils.sequences import pad_sequences, split_dataset

__all__ = [
    "set_random_seed",
    "to_categorical",
    "normalize",
    "pad_sequences",
    "split_dataset",
    "plot_model",
    "model_to_dot",
    "Progbar",
    "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
