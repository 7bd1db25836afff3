"""Saving and loading: Keras 3 ``.keras`` and ``.weights.h5`` files, ember's safetensors, atomic writes. No pickle."""

from ember.saving.atomic import atomic_write_bytes
from ember.saving.model_file import load_model, save_model
from ember.saving.training_state import load_training_state, save_training_state
from ember.saving.weights_file import load_weights, save_weights
from ember.utils.object_registry import (
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    serialize_keras_object,
)
from ember.utils.serialization import get_registered_name, get_registered_object, register_keras_serializable

__all__ = [
    "atomic_write_bytes",
    "save_model",
    "load_model",
    "save_weights",
    "load_weights",
    "save_training_state",
    "load_training_state",
    "register_keras_serializable",
    "get_registered_object",
    "get_registered_name",
    "get_custom_objects",
    "custom_object_scope",
    "serialize_keras_object",
    "deserialize_keras_object",
]
