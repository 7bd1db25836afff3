"""Keras-compatible layers. Each module holds one family; this file lists the public API by hand."""

from ember.layers.core import Activation, Dense, Dropout
from ember.layers.input_layer import Input, InputLayer, KerasTensor
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer

__all__ = ["Layer", "InputSpec", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout"]
