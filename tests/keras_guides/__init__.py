"""Keras's developer guides run on ember: harness, adaptations, report (see docs/keras_guides.md)."""
