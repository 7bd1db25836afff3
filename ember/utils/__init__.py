"""Utilities: seeding, label encoding, sequence padding, dataset splitting, model drawing, the progress bar."""

from ember.utils.batching import pack_x_y_sample_weight, unpack_x_y_sample_weight
from ember.utils.dataset_from import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from ember.utils.file_utils import get_file
from ember.utils.model_visualization import model_to_dot, plot_model
from ember.utils.numerics import normalize, to_categorical
from ember.utils.object_registry import (
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    serialize_keras_object,
)
from ember.utils.progbar import Progbar
from ember.utils.py_dataset import PyDataset, Sequence
from ember.utils.seeding import set_random_seed
from ember.utils.sequences import pad_sequences, split_dataset
from ember.utils.serialization import get_registered_name, get_registered_object, register_keras_serializable

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
    # Keras 3 utilities (issue 16)
    "PyDataset",
    "Sequence",
    "timeseries_dataset_from_array",
    "image_dataset_from_directory",
    "text_dataset_from_directory",
    "register_keras_serializable",
    "get_registered_object",
    "get_registered_name",
    "custom_object_scope",
    "get_custom_objects",
    "serialize_keras_object",
    "deserialize_keras_object",
    "get_file",
]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
