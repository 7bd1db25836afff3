"""Saving and loading: weight files (safetensors) with atomic writes. No pickle anywhere."""

from ember.saving.atomic import atomic_write_bytes
from ember.saving.weights_file import load_weights, save_weights

__all__ = ["atomic_write_bytes", "save_weights", "load_weights"]
